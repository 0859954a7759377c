import type { RunReport } from '../src/report/schema.ts';
import { unmatchedWaiver, waiverState, type WaiverMarks } from '../src/waivers/wording.ts';
import { terminalText } from './escape.ts';
import { statusLabel, untestedFindings, untestedLines, verdictLine } from './view-model.ts';

const TERMINAL_MARKS: WaiverMarks = { value: terminalText, alarm: (words) => words };

export interface TextSummaryOptions {
  /** ANSI colour on the verdicts: the caller decides (a TTY and no NO_COLOR), so the renderer stays pure. */
  colour?: boolean;
  /** The paths written in the report folder (relative to it); named one by one, evidence/ counted. */
  files?: readonly string[];
}

/** Colour when the output is a terminal and NO_COLOR (https://no-color.org) is unset or empty. */
export function wantsColour(isTTY: boolean | undefined, env: Readonly<Record<string, string | undefined>>): boolean {
  return isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === '');
}

/** The reports a check writes, for a caller that does not list its files. */
const REPORT_FILES = ['report.html', 'statement.md', 'statement.docx', 'statement.csv', 'findings.csv', 'report.json'];

/** Failed rows first, then the ones that could not be assessed, then the rest, each group in the profile's order. */
const ROW_ORDER = ['No', 'Partial', 'Not assessed'];

const COLOURS: ReadonlyMap<string, string> = new Map([
  ['No', '31'],
  ['Partial', '33'],
  ['Not assessed', '35'],
  ['Yes', '32'],
  ['N/A', '2'],
]);

/**
 * The terminal summary printed after a check. Every piece of text that came from a gateway or a file is shown
 * through `terminalText`, so no escape sequence reaches the terminal; the only ones written are this
 * renderer's own colours, and only when `colour` is set.
 */
export function renderTextSummary(report: RunReport, outDir?: string, options: TextSummaryOptions = {}): string {
  const t = terminalText;
  const paint = (value: string, shown: string) => {
    const code = COLOURS.get(value);
    return options.colour && code ? `\u001b[${code}m${shown}\u001b[0m` : shown;
  };
  const lines: string[] = [
    `cocoscan ${t(report.tool.version)}: ${t(report.connection.connection.name)} against ${t(report.profile.id)} ${t(report.profile.version)}`,
    '',
  ];
  const rank = (compliance: string | null) => {
    const at = ROW_ORDER.indexOf(compliance ?? '');
    return at === -1 ? ROW_ORDER.length : at;
  };
  const automated = report.rows
    .filter((r) => r.method === 'automated')
    .map((row, index) => ({ row, index }))
    .sort((a, b) => rank(a.row.compliance) - rank(b.row.compliance) || a.index - b.index)
    .map(({ row }) => row);
  for (const row of automated) {
    const waived = row.waiver ? ` [${waiverState(row.waiver, TERMINAL_MARKS)}]` : '';
    const value = String(row.compliance);
    lines.push(`  ${t(row.ref).padEnd(10)} ${paint(value, t(value).padEnd(13))} ${t(row.title)}${waived}`);
    if (row.compliance !== 'Yes' && row.compliance !== 'N/A')
      lines.push(`  ${''.padEnd(10)} ${''.padEnd(13)} ${truncate(row.comment, 300)}`);
  }
  const untested = untestedLines(report);
  if (untested.length > 0) {
    lines.push('', `Could not be tested (${untestedFindings(report).length}):`);
    for (const line of untested.slice(0, 20)) lines.push(`  ${t(statusLabel(line.status))} ${truncate(line.text, 300)}`);
    if (untested.length > 20) lines.push(`  … and ${untested.length - 20} more in the report`);
  }
  if (report.changes) {
    const notable = report.changes.items.filter((c) => c.kind !== 'verdict-changed');
    const count = report.changes.items.length;
    const tally = count === 0 ? 'none' : `${count} (${notable.length} observed, ${count - notable.length} verdicts)`;
    lines.push('', `Changes since ${t(report.changes.since.id)}: ${tally}`);
  }
  for (const unmatched of report.summary.waivers?.unmatched ?? []) lines.push(unmatchedWaiver(unmatched, TERMINAL_MARKS));
  const verdictColour = report.summary.verdict === 'compliant' ? 'Yes' : report.summary.verdict === 'not-compliant' ? 'No' : 'Not assessed';
  lines.push('', paint(verdictColour, t(verdictLine(report))));
  if (outDir) lines.push(...writtenLines(outDir, options.files));
  return `${lines.join('\n')}\n`;
}

/** Every file written, by name: the reports one by one (CSV and Word included), the evidence folder counted. */
function writtenLines(outDir: string, files: readonly string[] | undefined): string[] {
  const t = terminalText;
  const all = files ?? REPORT_FILES;
  const reports = all.filter((path) => !path.includes('/') && !path.startsWith('.'));
  const evidence = all.filter((path) => path.startsWith('evidence/')).length;
  const ordered = [...reports.filter((p) => p === 'report.html'), ...reports.filter((p) => p !== 'report.html')];
  const shown = ordered.map((p) => `  ${t(outDir)}/${t(p)}`);
  const folder = files === undefined ? '  evidence/ (raw evidence and its manifest)' : `  ${t(outDir)}/evidence/ (${evidence} files)`;
  return ['', `Written to ${t(outDir)}:`, ...shown, ...(evidence > 0 || files === undefined ? [folder] : [])];
}
/** Escapes first, then cuts by characters: the cut can only shorten visible text, never let a control or half a pair through. */
function truncate(text: string, max: number): string {
  const shown = [...terminalText(text.replace(/[\r\n\t]+/g, ' '))];
  return shown.length > max ? `${shown.slice(0, max - 1).join('')}…` : shown.join('');
}
