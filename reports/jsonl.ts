import type { RunReport } from '../src/report/schema.ts';
import { jsonText } from './escape.ts';

/**
 * findings.jsonl, for a SIEM: one finding a line, each line a whole JSON object that names the run it came from
 * (connection, profile, start time) and the statement rows it decides, so lines can be read one at a time.
 * Terminal-active characters are `\u` escapes, as in report.json.
 */
export function renderJsonLines(report: RunReport): string {
  return report.findings
    .map((f) =>
      jsonText(
        JSON.stringify({
          tool: 'cocoscan',
          toolVersion: report.tool.version,
          connection: report.connection.connection.name,
          profile: report.profile.id,
          runStartedAt: report.startedAt,
          key: f.key,
          id: f.id,
          status: f.status,
          severity: f.severity,
          gateway: f.target.gateway,
          host: f.target.host,
          ...(f.target.port !== undefined ? { port: f.target.port, transport: f.target.transport ?? 'tcp' } : {}),
          ...(f.target.flow !== undefined ? { flow: f.target.flow } : {}),
          message: f.message,
          time: f.evidence.time,
          ...(f.evidence.expected !== undefined ? { expected: f.evidence.expected } : {}),
          ...(f.evidence.actual !== undefined ? { actual: f.evidence.actual } : {}),
          rows: report.rows.filter((r) => r.findings.includes(f.key)).map((r) => r.ref),
          ...(f.waiver ? { waiver: { status: f.waiver.status, expires: f.waiver.expires } } : {}),
        }),
      ),
    )
    .map((line) => `${line}\n`)
    .join('');
}
