import { describeFindingTarget } from '../src/target.ts';
import type { ReportFinding, ReportRow, RunReport } from '../src/report/schema.ts';
import { DEFAULT_STATEMENT, type StatementText } from '../src/profile/statement.ts';

/** The statement's words, all from the profile: renderers add none that belongs to a standard. */
export function statementText(report: RunReport): StatementText {
  return report.profile.statement ?? DEFAULT_STATEMENT;
}

export function statementTitle(report: RunReport): string {
  return `${statementText(report).title}: ${report.connection.connection.name}`;
}

/** The parties of the connection, each under the profile's label; scope and contact only when given. */
export function partyLines(report: RunReport): [label: string, value: string][] {
  const { parties } = statementText(report);
  const c = report.connection.connection;
  const lines: [string, string][] = [
    [parties.connectedSystem, c.connectedSystem],
    [parties.connectingSystem, c.connectingSystem],
    [parties.organisation, c.organisation],
  ];
  if (c.scope !== undefined) lines.push([parties.scope, c.scope]);
  if (c.contact !== undefined) lines.push([parties.contact, c.contact]);
  return lines;
}

/** The statement table's columns, in order: ref, control, compliance, owner, comments. */
export function statementColumns(report: RunReport): string[] {
  const { columns } = statementText(report);
  return [columns.ref, columns.control, columns.compliance, columns.owner, columns.comments];
}

/** Shared, read-only views of a report that several renderers need. No verdicts are decided here. */
export function rowsBySection(report: RunReport): { id: string; title: string; rows: ReportRow[] }[] {
  return report.sections.map((section) => ({ ...section, rows: report.rows.filter((r) => r.section === section.id) }));
}

export function untestedFindings(report: RunReport): ReportFinding[] {
  return report.findings.filter((f) => f.status === 'error' || f.status === 'not_tested');
}

export function failingFindings(report: RunReport): ReportFinding[] {
  return report.findings.filter((f) => f.status === 'fail');
}

export function complianceLabel(row: ReportRow): string {
  if (row.heading) return '';
  if (row.compliance) return row.compliance;
  return 'Open';
}

export function ownerReference(row: ReportRow, report: RunReport): string {
  const answered = row.answer ? `${row.answer.owner}${row.answer.references.length ? `; ${row.answer.references.join(', ')}` : ''}` : '';
  if (row.method !== 'automated') return answered;
  const artefacts = new Set(report.findings.filter((f) => row.findings.includes(f.key)).flatMap((f) => f.evidence.artefacts ?? []));
  const files = [...artefacts].join(', ');
  return `${answered ? `${answered}. ` : ''}Measured by cocoscan ${report.tool.version}${files ? `; evidence: ${files}` : ''}`;
}

export function targetText(finding: ReportFinding): string {
  return describeFindingTarget(finding.target);
}

export function verdictLine(report: RunReport): string {
  const counts = Object.entries(report.summary.automatedRows)
    .map(([value, n]) => `${value} ${n}`)
    .join(', ');
  const verdict =
    report.summary.verdict === 'compliant'
      ? 'every automated row is Yes or N/A'
      : report.summary.verdict === 'not-assessed'
        ? 'no automated row is No or Partial, but at least one could not be assessed'
        : 'at least one automated row is No or Partial';
  return `Automated rows: ${counts || 'none'} — ${verdict}. Manual rows left to answer: ${report.summary.manualRows}.`;
}

export const STATUS_LABEL: Readonly<Record<ReportFinding['status'], string>> = Object.freeze({
  __proto__: null,
  pass: 'PASS',
  fail: 'FAIL',
  error: 'ERROR',
  not_tested: 'NOT TESTED',
  not_applicable: 'N/A',
} as Record<ReportFinding['status'], string>);

/** A report read back from disk may carry any status string: an unknown one is shown as it is, never looked up on a prototype. */
export function statusLabel(status: string): string {
  return Object.hasOwn(STATUS_LABEL, status) ? STATUS_LABEL[status as ReportFinding['status']] : status;
}
