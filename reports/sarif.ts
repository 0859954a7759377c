import type { DeclarationLines } from '../src/connection/lines.ts';
import type { ReportFinding, RunReport } from '../src/report/schema.ts';
import { jsonText } from './escape.ts';
import { targetText } from './view-model.ts';

/** The connection file the run checked, as the SARIF file names it, and where it declares each gateway and flow. */
export interface SarifSource {
  /** A relative URI ('/'-separated, from the folder the pipeline runs in) or an absolute file: URI. */
  uri: string;
  lines: DeclarationLines;
}

const SARIF_SCHEMA = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

type Level = 'error' | 'warning' | 'note' | 'none';

/** A failed finding's level follows its severity, so code scanning does not show a low finding as an error. */
const LEVEL_OF_SEVERITY: ReadonlyMap<string, Level> = new Map<string, Level>([
  ['critical', 'error'],
  ['high', 'error'],
  ['medium', 'warning'],
  ['low', 'note'],
  ['info', 'note'],
]);

/**
 * SARIF 2.1.0: one result per finding that failed (kind "fail", level from its severity) or could not be assessed
 * (kind "open", level "none", as the standard requires for a kind other than fail), located at the line of the
 * connection file that declares the finding's flow, or else its gateway. A finding under an active waiver carries
 * an accepted suppression. Passing findings are not results.
 */
export function renderSarif(report: RunReport, source: SarifSource): string {
  const reported = report.findings.filter((f) => f.status === 'fail' || f.status === 'error' || f.status === 'not_tested');
  const ruleIds = [...new Set(reported.map((f) => f.id))].sort();
  const rowsOf = (key: string) => report.rows.filter((r) => r.findings.includes(key)).map((r) => r.ref);
  const sarif = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'cocoscan',
            version: report.tool.version,
            rules: ruleIds.map((id) => ({ id, shortDescription: { text: `cocoscan finding ${id}` } })),
          },
        },
        invocations: [{ executionSuccessful: true, startTimeUtc: report.startedAt, endTimeUtc: report.finishedAt }],
        automationDetails: { id: `cocoscan/${report.profile.id}/${report.connection.connection.name}/` },
        results: reported.map((f) => result(f, ruleIds.indexOf(f.id), source, rowsOf(f.key))),
      },
    ],
  };
  return `${jsonText(JSON.stringify(sarif, null, 2))}\n`;
}

function result(f: ReportFinding, ruleIndex: number, source: SarifSource, rows: string[]) {
  const failed = f.status === 'fail';
  const line =
    (f.target.flow !== undefined ? source.lines.flows.get(f.target.flow) : undefined) ?? source.lines.gateways.get(f.target.gateway) ?? 1;
  const waived = f.waiver?.status === 'active';
  return {
    ruleId: f.id,
    ruleIndex,
    kind: failed ? 'fail' : 'open',
    level: failed ? (LEVEL_OF_SEVERITY.get(f.severity) ?? 'warning') : 'none',
    message: { text: `${failed ? '' : 'Not assessed: '}${f.message} (${targetText(f)})` },
    locations: [{ physicalLocation: { artifactLocation: { uri: source.uri }, region: { startLine: line } } }],
    partialFingerprints: { cocoscanFindingKey: f.key },
    ...(waived
      ? {
          suppressions: [
            {
              kind: 'external',
              status: 'accepted',
              justification: `waived until ${f.waiver!.expires} by ${f.waiver!.approvedBy}: ${f.waiver!.justification}`,
            },
          ],
        }
      : {}),
    properties: { status: f.status, severity: f.severity, gateway: f.target.gateway, host: f.target.host, statementRows: rows },
  };
}
