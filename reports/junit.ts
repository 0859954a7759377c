import type { ReportFinding, ReportRow, RunReport } from '../src/report/schema.ts';
import { waivedFailure, waiverState } from '../src/waivers/wording.ts';
import { xmlAttribute, xmlText } from './escape.ts';
import { rowsBySection, statusLabel, targetText } from './view-model.ts';

/** The first line of every JUnit file cocoscan writes, after the XML declaration: how a later run knows the file is its own. */
export const JUNIT_SIGNATURE = '<testsuites name="cocoscan';

type Outcome = { kind: 'pass' } | { kind: 'failure' | 'error' | 'skipped'; type: string; message: string };

/**
 * How a statement row reads as a test case: No or Partial fails, Not assessed is an error (the check could not
 * run), a manual row or a No or Partial row under an active waiver is skipped (a waiver never excuses a row not
 * assessed), Yes and N/A pass. An expired waiver counts again.
 */
export function rowOutcome(row: ReportRow): Outcome {
  if (row.method === 'manual') return { kind: 'skipped', type: 'manual', message: `answered by a person: ${row.compliance ?? 'Open'}` };
  if (waivedFailure(row)) return { kind: 'skipped', type: 'waived', message: `${row.compliance}, ${waiverState(row.waiver!)}` };
  if (row.compliance === 'No' || row.compliance === 'Partial') return { kind: 'failure', type: row.compliance, message: row.comment };
  if (row.compliance === 'Yes' || row.compliance === 'N/A') return { kind: 'pass' };
  return { kind: 'error', type: 'Not assessed', message: row.comment };
}

/**
 * JUnit XML (the schema Jenkins and GitLab read, junit-10.xsd): one test suite per section of the statement, one
 * test case per row; headings are not test cases. The report has rows per statement, not per gateway, so the
 * gateway of each finding is named in the case's text. Every string from a gateway or file is escaped as data.
 */
export function renderJunit(report: RunReport): string {
  const seconds = Math.max(0, (Date.parse(report.finishedAt) - Date.parse(report.startedAt)) / 1000);
  const byKey = new Map(report.findings.map((f) => [f.key, f]));
  const suites = rowsBySection(report)
    .map((section) => ({ ...section, rows: section.rows.filter((r) => !r.heading) }))
    .filter((section) => section.rows.length > 0)
    .map((section) => suite(report, section, byKey));
  const total = (key: keyof Tally) => suites.reduce((n, s) => n + s.tally[key], 0);
  const a = xmlAttribute;
  const name = `cocoscan ${report.profile.id} ${report.connection.connection.name}`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${a(name)}" tests="${total('tests')}" failures="${total('failures')}" ` +
      `errors="${total('errors')}" time="${seconds.toFixed(3)}">`,
    ...suites.flatMap((s) => s.lines),
    '</testsuites>',
    '',
  ].join('\n');
}

interface Tally {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

function suite(
  report: RunReport,
  section: { id: string; title: string; rows: ReportRow[] },
  byKey: Map<string, ReportFinding>,
): { tally: Tally; lines: string[] } {
  const a = xmlAttribute;
  const tally: Tally = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  const cases: string[] = [];
  const classname = `cocoscan.${report.profile.id}.${section.id}`;
  for (const row of section.rows) {
    const outcome = rowOutcome(row);
    tally.tests += 1;
    const open = `    <testcase name="${a(`${row.ref} ${row.title}`)}" classname="${a(classname)}">`;
    if (outcome.kind === 'pass') {
      cases.push(`${open.slice(0, -1)}/>`);
      continue;
    }
    if (outcome.kind === 'failure') tally.failures += 1;
    else if (outcome.kind === 'error') tally.errors += 1;
    else tally.skipped += 1;
    const detail = findingLines(row, byKey);
    const body = detail.length > 0 ? xmlText(detail.join('\n')) : '';
    cases.push(
      open,
      `      <${outcome.kind} type="${a(outcome.type)}" message="${a(outcome.message)}">${body}</${outcome.kind}>`,
      '    </testcase>',
    );
  }
  const head =
    `  <testsuite name="${a(section.title)}" id="${a(section.id)}" tests="${tally.tests}" failures="${tally.failures}" ` +
    `errors="${tally.errors}" skipped="${tally.skipped}" timestamp="${a(report.startedAt)}" hostname="${a(report.scanner.hostname)}">`;
  return { tally, lines: [head, ...cases, '  </testsuite>'] };
}

/** The findings behind a row that did not pass, one line each: status, finding id, target, message. */
function findingLines(row: ReportRow, byKey: Map<string, ReportFinding>): string[] {
  return row.findings
    .map((key) => byKey.get(key))
    .filter((f): f is ReportFinding => f !== undefined && f.status !== 'pass' && f.status !== 'not_applicable')
    .map((f) => `${statusLabel(f.status)} ${f.id} on ${targetText(f)}: ${f.message}`);
}
