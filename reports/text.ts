import type { RunReport } from '../src/report/schema.ts';
import { unmatchedWaiver, waiverState, type WaiverMarks } from '../src/waivers/wording.ts';
import { terminalText } from './escape.ts';
import { statusLabel, targetText, untestedFindings, verdictLine } from './view-model.ts';

const TERMINAL_MARKS: WaiverMarks = { value: terminalText, alarm: (words) => words };

/**
 * The terminal summary printed after a check (plain text, no colour codes). Every piece of text that came
 * from a gateway or a file is shown through `terminalText`, so no escape sequence reaches the terminal.
 */
export function renderTextSummary(report: RunReport, outDir?: string): string {
  const t = terminalText;
  const lines: string[] = [
    `cocoscan ${t(report.tool.version)}: ${t(report.connection.connection.name)} against ${t(report.profile.id)} ${t(report.profile.version)}`,
    '',
  ];
  for (const row of report.rows.filter((r) => r.method === 'automated')) {
    const waived = row.waiver ? ` [${waiverState(row.waiver, TERMINAL_MARKS)}]` : '';
    lines.push(`  ${t(row.ref).padEnd(10)} ${t(String(row.compliance)).padEnd(13)} ${t(row.title)}${waived}`);
    if (row.compliance !== 'Yes' && row.compliance !== 'N/A')
      lines.push(`  ${''.padEnd(10)} ${''.padEnd(13)} ${truncate(row.comment, 300)}`);
  }
  const untested = untestedFindings(report);
  if (untested.length > 0) {
    lines.push('', `Could not be tested (${untested.length}):`);
    for (const f of untested.slice(0, 20)) lines.push(`  ${t(statusLabel(f.status))} ${t(targetText(f))}: ${truncate(f.message, 200)}`);
    if (untested.length > 20) lines.push(`  … and ${untested.length - 20} more in the report`);
  }
  if (report.changes) {
    const notable = report.changes.items.filter((c) => c.kind !== 'verdict-changed');
    const count = report.changes.items.length;
    const tally = count === 0 ? 'none' : `${count} (${notable.length} observed, ${count - notable.length} verdicts)`;
    lines.push('', `Changes since ${t(report.changes.since.id)}: ${tally}`);
  }
  for (const unmatched of report.summary.waivers?.unmatched ?? []) lines.push(unmatchedWaiver(unmatched, TERMINAL_MARKS));
  lines.push('', t(verdictLine(report)));
  if (outDir) lines.push(`Report: ${t(outDir)}/report.html (also statement.md, report.json, evidence/)`);
  return `${lines.join('\n')}\n`;
}

/** Escapes first, then cuts: the cut can only shorten visible text, never let a control through. */
function truncate(text: string, max: number): string {
  const shown = terminalText(text.replace(/[\r\n\t]+/g, ' '));
  return shown.length > max ? `${shown.slice(0, max - 1)}…` : shown;
}
