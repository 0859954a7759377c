import type { Finding } from '../findings.ts';
import type { Compliance } from './schema.ts';
import type { ProfileRow, RowRule } from './load.ts';

export interface RowVerdict {
  compliance: Compliance | null;
  comment: string;
  /** Keys of the findings that decided the row. */
  findings: string[];
}

const MAX_CITED = 6;

/** Stable key of one finding in a report: `<id>@<gateway>[/<port>/<transport>]`. */
export function findingKey(finding: Pick<Finding, 'id' | 'target'>): string {
  const { gateway, port, transport } = finding.target;
  return `${finding.id}@${gateway}${port ? `/${port}/${transport ?? 'tcp'}` : ''}`;
}

/**
 * The one place a row's verdict is decided:
 * any failing finding → No (or Partial when every failing finding's rule says so);
 * otherwise any error/not_tested → Not assessed, with the reasons;
 * otherwise any pass → Yes; all not_applicable → N/A; nothing at all → Not assessed.
 * Manual rows and headings stay null for a person to answer.
 */
export function evaluateRow(row: ProfileRow, findings: readonly Finding[]): RowVerdict {
  if (row.heading || row.method !== 'automated') {
    return { compliance: null, comment: row.heading ? '' : (row.guidance ?? 'To be answered by the organisation.'), findings: [] };
  }
  const ruleOf = new Map<string, RowRule>(row.rules.map((rule) => [rule.finding, rule]));
  const relevant = findings.filter((f) => ruleOf.has(f.id));
  const keys = relevant.map(findingKey);
  const attest = row.attest ? ` Still to confirm by a person: ${row.attest}` : '';

  if (relevant.length === 0) {
    return {
      compliance: 'Not assessed',
      comment: `No probe produced a result for this row (expected: ${row.rules.map((r) => r.finding).join(', ')}).${attest}`,
      findings: keys,
    };
  }
  const failing = relevant.filter((f) => f.status === 'fail');
  if (failing.length > 0) {
    const partial = failing.every((f) => ruleOf.get(f.id)?.onFail === 'Partial');
    return { compliance: partial ? 'Partial' : 'No', comment: cite(failing) + attest, findings: keys };
  }
  const untested = relevant.filter((f) => f.status === 'error' || f.status === 'not_tested');
  if (untested.length > 0) {
    return { compliance: 'Not assessed', comment: `Could not be tested: ${cite(untested)}${attest}`, findings: keys };
  }
  const passing = relevant.filter((f) => f.status === 'pass');
  if (passing.length > 0) return { compliance: 'Yes', comment: cite(passing) + attest, findings: keys };
  return { compliance: 'N/A', comment: cite(relevant) + attest, findings: keys };
}

/** "message [evidence: file]; message …" with the evidence each finding points at. */
function cite(findings: readonly Finding[]): string {
  const shown = findings.slice(0, MAX_CITED).map((f) => {
    const files = f.evidence.artefacts?.length ? ` [evidence: ${f.evidence.artefacts.join(', ')}]` : '';
    return `${f.target.gateway}: ${f.message}${files}`;
  });
  const more = findings.length > MAX_CITED ? `; and ${findings.length - MAX_CITED} more (see findings)` : '';
  return `${shown.join('; ')}${more}.`;
}
