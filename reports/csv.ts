import type { RunReport } from '../src/report/schema.ts';
import { waiverState } from '../src/waivers/wording.ts';
import { csvCell } from './escape.ts';
import { complianceLabel, ownerReference, statementText } from './view-model.ts';

/** The columns of the statement, named by the profile, with cocoscan's own columns between them. */
function columns(report: RunReport): string[] {
  const named = statementText(report).columns;
  return [
    named.ref,
    'Section',
    named.control,
    'Method',
    'Source',
    named.compliance,
    named.owner,
    named.comments,
    'Remediation plan',
    'Remediation date',
    'Waiver',
  ];
}

/**
 * statement.csv: one line per row of the statement, headings included, for spreadsheets. Cells that a
 * spreadsheet would read as a formula are prefixed with an apostrophe (CSV injection); hidden characters
 * are shown as escapes (see escape.ts).
 */
export function renderCsv(report: RunReport): string {
  const sections = new Map(report.sections.map((s) => [s.id, s.title]));
  const lines = [columns(report).map(cell).join(',')];
  for (const row of report.rows) {
    lines.push(
      [
        row.ref,
        sections.get(row.section) ?? row.section,
        row.title,
        row.method ?? 'heading',
        row.source ?? '',
        complianceLabel(row),
        ownerReference(row, report),
        row.comment,
        row.answer?.remediation?.plan ?? '',
        row.answer?.remediation?.date ?? '',
        row.waiver ? waiverState(row.waiver) : '',
      ]
        .map(cell)
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

const cell = csvCell;
