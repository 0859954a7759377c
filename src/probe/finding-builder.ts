import { holdsRawJavaScriptMessage, InternalError, withoutRawJavaScript, withPlainSystemErrors } from '../errors.ts';
import { excerpt, type Finding } from '../findings.ts';
import type { z } from 'zod';
import type { Verdict, FindingSpec, ProbeMeta } from './contract.ts';

const DEFAULT_MESSAGES: ReadonlyMap<string, string> = new Map([
  ['error', '{title}: could not be checked: {reason}'],
  ['not_tested', '{title}: not tested: {reason}'],
  ['not_applicable', '{title}: does not apply: {reason}'],
]);

/** `{name}` is replaced only by a parameter the caller gave, never by something inherited (`{constructor}`). */
export function fillTemplate(template: string, params: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (Object.hasOwn(params, name) ? String(params[name]) : whole));
}

/**
 * A raw JavaScript message ("Cannot read properties of undefined…") is never part of a finding's message:
 * the reason says that an internal fault stopped the check, and the raw text goes to the evidence. A Node
 * system error ("connect ECONNREFUSED 10.0.0.1:22") is put in plain words with a next step. Only the reason
 * is read so: it is where a probe says why it could not judge, while other parameters may quote a server,
 * whose text is data and must never be reworded into what reads as cocoscan's own diagnosis.
 */
function withoutRawMessages(params: Record<string, string | number>): { params: Record<string, string | number>; raw: string[] } {
  const clean = Object.create(null) as Record<string, string | number>;
  const raw: string[] = [];
  for (const [name, value] of Object.entries(params)) {
    if (typeof value !== 'string' || name !== 'reason') {
      clean[name] = value;
      continue;
    }
    const system = withPlainSystemErrors(value);
    if (holdsRawJavaScriptMessage(system.text) || system.raw.length > 0) raw.push(`${name}: ${value}`);
    clean[name] = withoutRawJavaScript(system.text);
  }
  return { params: clean, raw };
}

function ownSpec(findings: Readonly<Record<string, FindingSpec>>, id: string): FindingSpec | undefined {
  return Object.hasOwn(findings, id) ? findings[id] : undefined;
}

/**
 * Turns one probe's verdicts into findings: checks the id, fills the message, sets the severity and stamps the
 * time the evidence does not give. The id is typed from the probe's metadata, so a misspelt id does not
 * compile; the check here stays for ids that reach it untyped (a probe handed around as AnyProbe, a test).
 */
export function findingBuilder<Id extends string>(meta: ProbeMeta<z.ZodType, Id>, now: () => Date): (input: Verdict<Id>) => Finding {
  return (input) => {
    const spec = ownSpec(meta.findings, input.id);
    if (!spec) throw new InternalError(`probe ${meta.id} emitted finding "${input.id}", which its metadata does not declare`);
    const template =
      (Object.hasOwn(spec.messages, input.status) ? spec.messages[input.status] : undefined) ?? DEFAULT_MESSAGES.get(input.status);
    if (!template) throw new InternalError(`finding "${input.id}" has no message for status ${input.status}`);
    const { params, raw: faults } = withoutRawMessages({ title: spec.title, reason: 'no reason given', ...input.params });
    const raw = [...faults.map((f) => `cocoscan fault detail (${f})`), input.evidence.raw].filter((r): r is string => r !== undefined);
    return {
      id: input.id,
      probe: meta.id,
      target: input.target,
      status: input.status,
      severity: input.status === 'pass' || input.status === 'not_applicable' ? 'info' : spec.severity,
      message: fillTemplate(template, params),
      evidence: {
        ...input.evidence,
        time: input.evidence.time ?? now().toISOString(),
        raw: raw.length === 0 ? undefined : excerpt(raw.join('\n')),
      },
      ...(input.data ? { data: input.data } : {}),
    };
  };
}
