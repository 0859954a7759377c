import type { RunReport } from '../src/report/schema.ts';
import { waiverState } from '../src/waivers/wording.ts';
import { csvCell } from './escape.ts';
import { statusLabel } from './view-model.ts';

/** UTF-8 byte order mark: without it, Excel reads a UTF-8 CSV as the system's code page. */
export const BOM = '\ufeff';

export const FINDINGS_CSV_COLUMNS = [
  'Finding key',
  'Finding id',
  'Status',
  'Severity',
  'Gateway',
  'Host',
  'Port',
  'Transport',
  'Flow',
  'Message',
  'Expected',
  'Actual',
  'Statement rows',
  'Waiver',
  'Evidence files',
] as const;

/**
 * findings.csv: one line per finding, beside statement.csv's one line per row. Cells go through the same
 * csvCell as statement.csv (formula prefixes, hidden characters shown); the file starts with a BOM.
 */
export function renderFindingsCsv(report: RunReport): string {
  const lines = [FINDINGS_CSV_COLUMNS.map(csvCell).join(',')];
  for (const f of report.findings) {
    lines.push(
      [
        f.key,
        f.id,
        statusLabel(f.status),
        f.severity,
        f.target.gateway,
        f.target.host,
        f.target.port !== undefined ? String(f.target.port) : '',
        f.target.port !== undefined ? (f.target.transport ?? 'tcp') : '',
        f.target.flow ?? '',
        f.message,
        f.evidence.expected ?? '',
        f.evidence.actual ?? '',
        report.rows
          .filter((r) => r.findings.includes(f.key))
          .map((r) => r.ref)
          .join(' '),
        f.waiver ? waiverState(f.waiver) : '',
        (f.evidence.artefacts ?? []).join(' '),
      ]
        .map(csvCell)
        .join(','),
    );
  }
  return `${BOM}${lines.join('\r\n')}\r\n`;
}
