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

export interface ScorecardLine {
  ref: string;
  title: string;
  compliance: string;
  /** The one reason shown: the deciding finding's message, or the row's comment when no finding decided it. */
  reason: string;
}

export interface ScorecardGroup {
  /** null when the connection has one gateway: the row's own verdict is shown. */
  gateway: string | null;
  lines: ScorecardLine[];
}

/** Longest reason on a scorecard line: the full text is in the statement table below. */
const MAX_REASON = 240;

function shortReason(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > MAX_REASON ? `${oneLine.slice(0, MAX_REASON - 1)}…` : oneLine;
}

/**
 * The scorecard at the top of a report: one line per automated row, with its verdict and one reason; per
 * gateway when the rows carry a verdict for each (a connection with several gateways).
 */
export function scorecard(report: RunReport): ScorecardGroup[] {
  const byKey = new Map(report.findings.map((f) => [f.key, f]));
  const reasonOf = (key: string | undefined, fallback: string) => {
    const finding = key === undefined ? undefined : byKey.get(key);
    return shortReason(finding ? `${finding.target.gateway}: ${finding.message}` : fallback);
  };
  const automated = report.rows.filter((r) => r.method === 'automated' && !r.heading);
  const named = report.connection.gateways.map((g) => g.name);
  const seen = [...new Set(automated.flatMap((r) => (r.gateways ?? []).map((g) => g.gateway)))];
  const gateways = [...named.filter((name) => seen.includes(name)), ...seen.filter((name) => !named.includes(name))];
  if (gateways.length < 2) {
    return [
      {
        gateway: null,
        lines: automated.map((r) => ({
          ref: r.ref,
          title: r.title,
          compliance: complianceLabel(r),
          reason: reasonOf(r.reason, r.comment),
        })),
      },
    ];
  }
  return gateways.map((gateway) => ({
    gateway,
    lines: automated.map((r) => {
      const own = r.gateways?.find((g) => g.gateway === gateway);
      return own
        ? { ref: r.ref, title: r.title, compliance: own.compliance, reason: reasonOf(own.reason, r.comment) }
        : { ref: r.ref, title: r.title, compliance: complianceLabel(r), reason: reasonOf(r.reason, r.comment) };
    }),
  }));
}

export interface FindingBadge {
  label: string;
  /** A class name for the badge's colour: fail, partial, note, pass, error, not-tested, n-a. */
  tone: string;
}

function effectRank(effect: string | undefined): number {
  return effect === 'No' ? 3 : effect === 'Partial' ? 2 : effect === 'Note' ? 1 : 0;
}

/**
 * What a finding is shown as. A failure is shown by what the profile says it does to the rows that cite it (the
 * strongest over those rows): FAIL when it makes a row No, PARTIAL when only Partial, NOTE when it only is named
 * in a comment, so the badge agrees with the row's verdict. A report without that detail (an earlier version)
 * falls back to the verdict of the rows citing it.
 */
export function findingBadge(report: RunReport, finding: ReportFinding): FindingBadge {
  if (finding.status !== 'fail') return { label: statusLabel(finding.status), tone: toneOf(finding.status) };
  const strongest = effectsOf(report).get(finding.key) ?? 0;
  if (strongest === 3 || strongest === 0) return { label: 'FAIL', tone: 'fail' };
  if (strongest === 2) return { label: 'PARTIAL', tone: 'partial' };
  return { label: 'NOTE', tone: 'note' };
}

/** Per finding key, the strongest effect of its failure over the rows citing it; worked out once per report. */
const EFFECTS = new WeakMap<RunReport, Map<string, number>>();

function effectsOf(report: RunReport): Map<string, number> {
  const known = EFFECTS.get(report);
  if (known) return known;
  const strongest = new Map<string, number>();
  const raise = (key: string, effect: string | undefined) => strongest.set(key, Math.max(strongest.get(key) ?? 0, effectRank(effect)));
  for (const row of report.rows) {
    if (row.effects) for (const e of row.effects) raise(e.key, e.effect);
    else for (const key of row.findings) raise(key, row.compliance === 'No' || row.compliance === 'Partial' ? row.compliance : 'Note');
  }
  EFFECTS.set(report, strongest);
  return strongest;
}

function toneOf(status: string): string {
  return status.toLowerCase().replace(/[^a-z]+/g, '-');
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** An ISO time as people read it, in UTC: "30 Nov 2026 16:38 UTC". Text that is not a time is returned as it is. */
export function readableTime(iso: string): string {
  const time = /^\d{4}-\d{2}-\d{2}T/.test(iso) ? new Date(iso) : undefined;
  if (!time || Number.isNaN(time.getTime())) return iso;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${time.getUTCDate()} ${MONTHS[time.getUTCMonth()]} ${time.getUTCFullYear()} ${pad(time.getUTCHours())}:${pad(time.getUTCMinutes())} UTC`;
}

/** The protective marking of the human formats: the connection file's, OFFICIAL when it gives none. */
export function protectiveMarking(report: RunReport): string {
  return report.connection.connection.marking ?? 'OFFICIAL';
}

export interface UntestedLine {
  status: ReportFinding['status'];
  /** "gw: message" for one finding, or "gw: N checks not tested: reason (titles)" for several with the same reason. */
  text: string;
}

const UNTESTED_SHAPE = /^(.*?): (not tested|could not be checked): (.*)$/s;
const MAX_TITLES = 8;

/**
 * The checks that gave no verdict, with the same reason on the same gateway folded into one line: twelve
 * "not tested: no SSH credentials for gw (add gateways[].ssh …)" become one line that says what to add once.
 */
export function untestedLines(report: RunReport): UntestedLine[] {
  const groups = new Map<
    string,
    { status: ReportFinding['status']; gateway: string; how: string; reason: string; items: ReportFinding[] }
  >();
  const lines: ({ single: ReportFinding } | { group: string })[] = [];
  for (const f of untestedFindings(report)) {
    const shape = UNTESTED_SHAPE.exec(f.message);
    if (!shape) {
      lines.push({ single: f });
      continue;
    }
    const key = JSON.stringify([f.target.gateway, f.status, shape[3]]);
    const known = groups.get(key);
    if (known) known.items.push(f);
    else {
      groups.set(key, { status: f.status, gateway: f.target.gateway, how: shape[2]!, reason: shape[3]!, items: [f] });
      lines.push({ group: key });
    }
  }
  return lines.map((line) => {
    if ('single' in line) return { status: line.single.status, text: `${targetText(line.single)}: ${line.single.message}` };
    const g = groups.get(line.group)!;
    if (g.items.length === 1) return { status: g.status, text: `${targetText(g.items[0]!)}: ${g.items[0]!.message}` };
    const titles = [...new Set(g.items.map((f) => UNTESTED_SHAPE.exec(f.message)![1]!))];
    const shown = titles.slice(0, MAX_TITLES).join('; ') + (titles.length > MAX_TITLES ? `; and ${titles.length - MAX_TITLES} more` : '');
    return { status: g.status, text: `${g.gateway}: ${g.items.length} checks ${g.how}: ${g.reason} (${shown})` };
  });
}
