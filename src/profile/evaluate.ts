import type { Finding } from '../findings.ts';
import { targetKey } from '../target.ts';
import type { Compliance } from './schema.ts';
import type { ProfileRow, RowRule } from './load.ts';

export interface RowVerdict {
  compliance: Compliance | null;
  comment: string;
  /** Keys of the findings that decided the row. */
  findings: string[];
  /** Key of the one finding a reader is shown first as the reason (the first failure, else the first untested…). */
  reason?: string;
  /** Every failing finding cited, with what it did to the row: No, Partial, or only a Note. */
  effects?: FailureEffect[];
}

export interface FailureEffect {
  key: string;
  effect: 'No' | 'Partial' | 'Note';
}

const MAX_CITED = 6;

/** Begins the part of a manual row's comment that cites its supporting findings (profile `supportedBy`). */
export const SUPPORTING_EVIDENCE = ' Supporting evidence, which does not answer this row: ';

/** The supporting evidence a manual row's comment cites, kept when a person's answer replaces the guidance. */
export function supportingEvidence(comment: string): string {
  const at = comment.lastIndexOf(SUPPORTING_EVIDENCE);
  return at < 0 ? '' : comment.slice(at);
}

/** Stable key of one finding in a report: `<id>@<gateway>[/<port>/<transport>]`. */
export function findingKey(finding: Pick<Finding, 'id' | 'target'>): string {
  return `${findingKeyPrefix(finding.id)}${targetKey(finding.target)}`;
}

/** What every key of a finding with this id starts with. */
export function findingKeyPrefix(id: string): string {
  return `${id}@`;
}

/**
 * The one place a row's verdict is decided:
 * any failing finding → No (or Partial when every failing finding's rule says so); failures whose rule is
 * `Note` never change the verdict, they are named in the comment; a failure whose rule names `unlessPasses`
 * a finding that passed for the same gateway does not decide the row either, it is cited beside that pass;
 * otherwise any error/not_tested → Not assessed, with the reasons (a rule marked `required: false` only
 * has its reason cited, unless nothing else decided the row);
 * otherwise any pass → Yes; all not_applicable → N/A; nothing at all → Not assessed.
 * Manual rows and headings stay null for a person to answer; a manual row's supporting findings (`supportedBy`)
 * are cited in its comment and never answer it.
 */
export function evaluateRow(row: ProfileRow, findings: readonly Finding[]): RowVerdict {
  if (row.heading || row.method !== 'automated') {
    const guidance = row.heading ? '' : (row.guidance ?? 'To be answered by the organisation.');
    const supporting = row.heading ? [] : findings.filter((f) => row.supportedBy?.includes(f.id));
    if (supporting.length === 0) return { compliance: null, comment: guidance, findings: [] };
    return { compliance: null, comment: `${guidance}${SUPPORTING_EVIDENCE}${cite(supporting)}`, findings: supporting.map(findingKey) };
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
  const isNote = (f: Finding) => ruleOf.get(f.id)?.onFail === 'Note';
  const answeredBy = (f: Finding) => {
    const other = ruleOf.get(f.id)?.unlessPasses;
    return relevant.some((g) => g.id === other && g.status === 'pass' && g.target.gateway === f.target.gateway) ? other : undefined;
  };
  const answered = relevant.filter((f) => f.status === 'fail' && answeredBy(f) !== undefined);
  const notes = relevant.filter((f) => f.status === 'fail' && isNote(f) && !answered.includes(f));
  const answering = [...new Set(answered.map(answeredBy))].join(', ');
  const noted =
    (notes.length > 0 ? ` Note: ${cite(notes)}` : '') +
    (answered.length > 0 ? ` Not a failure of this row, since ${answering} passes for the same gateway: ${cite(answered)}` : '');
  const failing = relevant.filter((f) => f.status === 'fail' && !isNote(f) && !answered.includes(f));
  const effects: FailureEffect[] = relevant
    .filter((f) => f.status === 'fail')
    .map((f) => ({
      key: findingKey(f),
      effect: failing.includes(f) ? (ruleOf.get(f.id)?.onFail === 'Partial' ? 'Partial' : 'No') : 'Note',
    }));
  const decided = (compliance: Compliance, comment: string, by: readonly Finding[]): RowVerdict => ({
    compliance,
    comment,
    findings: keys,
    ...(by[0] ? { reason: findingKey(by[0]) } : {}),
    ...(effects.length > 0 ? { effects } : {}),
  });
  if (failing.length > 0) {
    const partial = failing.every((f) => ruleOf.get(f.id)?.onFail === 'Partial');
    const first = partial ? failing : failing.filter((f) => ruleOf.get(f.id)?.onFail !== 'Partial');
    return decided(partial ? 'Partial' : 'No', cite(failing) + noted + attest, first);
  }
  const isUntested = (f: Finding) => f.status === 'error' || f.status === 'not_tested';
  const isRequired = (f: Finding) => ruleOf.get(f.id)?.required !== false;
  const untested = relevant.filter((f) => isUntested(f) && isRequired(f));
  const optionalUntested = relevant.filter((f) => isUntested(f) && !isRequired(f));
  const skipped = optionalUntested.length > 0 ? ` Not tested (does not change the verdict): ${cite(optionalUntested)}` : '';
  if (untested.length > 0) {
    return decided('Not assessed', `Could not be tested: ${cite(untested)}${skipped}${noted}${attest}`, untested);
  }
  const passing = relevant.filter((f) => f.status === 'pass' && !isNote(f));
  if (passing.length > 0) return decided('Yes', cite(passing) + skipped + noted + attest, passing);
  if (optionalUntested.length > 0 && relevant.every((f) => isUntested(f) || f.status === 'not_applicable' || isNote(f))) {
    return decided('Not assessed', `Could not be tested: ${cite(optionalUntested)}${noted}${attest}`, optionalUntested);
  }
  return decided('N/A', cite(relevant) + attest, relevant);
}

/** "gw: message; gw: message [evidence: files]": the messages, then every artefact behind them once. */
function cite(findings: readonly Finding[]): string {
  const shown = findings.slice(0, MAX_CITED).map((f) => `${f.target.gateway}: ${f.message}`);
  const more = findings.length > MAX_CITED ? `; and ${findings.length - MAX_CITED} more (see findings)` : '';
  const files = [...new Set(findings.flatMap((f) => f.evidence.artefacts ?? []))];
  return `${shown.join('; ')}${more}${files.length > 0 ? ` [evidence: ${files.join(', ')}]` : ''}.`;
}
