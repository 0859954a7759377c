import type { RunReport } from '../src/report/schema.ts';
import { STATUS_LABEL, targetText, untestedFindings, verdictLine } from './view-model.ts';

/** The terminal summary printed after a check (plain text, no colour codes). */
export function renderTextSummary(report: RunReport, outDir?: string): string {
  const lines: string[] = [`cocoscan ${report.tool.version}: ${report.connection.connection.name} against ${report.profile.id} ${report.profile.version}`, ''];
  for (const row of report.rows.filter((r) => r.method === 'automated')) {
    const waived = row.waiver ? (row.waiver.status === 'active' ? ` [waived until ${row.waiver.expires}]` : ` [waiver expired ${row.waiver.expires}]`) : '';
    lines.push(`  ${row.ref.padEnd(10)} ${String(row.compliance).padEnd(13)} ${row.title}${waived}`);
    if (row.compliance !== 'Yes' && row.compliance !== 'N/A') lines.push(`  ${''.padEnd(10)} ${''.padEnd(13)} ${truncate(row.comment, 300)}`);
  }
  const untested = untestedFindings(report);
  if (untested.length > 0) {
    lines.push('', `Could not be tested (${untested.length}):`);
    for (const f of untested.slice(0, 20)) lines.push(`  ${STATUS_LABEL[f.status]} ${targetText(f)}: ${truncate(f.message, 200)}`);
    if (untested.length > 20) lines.push(`  … and ${untested.length - 20} more in the report`);
  }
  if (report.changes) {
    const notable = report.changes.items.filter((c) => c.kind !== 'verdict-changed');
    lines.push('', `Changes since ${report.changes.since.id}: ${report.changes.items.length === 0 ? 'none' : `${report.changes.items.length} (${notable.length} observed, ${report.changes.items.length - notable.length} verdicts)`}`);
  }
  for (const unmatched of report.summary.waivers?.unmatched ?? []) lines.push(`Waiver matched nothing: ${unmatched}`);
  lines.push('', verdictLine(report));
  if (outDir) lines.push(`Report: ${outDir}/report.html (also statement.md, report.json, evidence/)`);
  return `${lines.join('\n')}\n`;
}

function truncate(text: string, max: number): string {
  const oneLine = text.replace(/[\r\n\t]+/g, ' ').replace(/[\u0000-\u001f\u007f]/g, '?');
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}
