import { InternalError } from '../errors.ts';
import { excerpt, type Finding } from '../findings.ts';
import type { FindingInput, ProbeMeta } from './contract.ts';

const DEFAULT_MESSAGES = {
  error: '{title}: could not be checked: {reason}',
  not_tested: '{title}: not tested: {reason}',
  not_applicable: '{title}: does not apply: {reason}',
} as const;

export function fillTemplate(template: string, params: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** Returns the `ctx.finding` function for one probe: checks the id, fills the message, stamps the time. */
export function findingBuilder(meta: ProbeMeta, now: () => Date): (input: FindingInput) => Finding {
  return (input) => {
    const spec = meta.findings[input.id];
    if (!spec) throw new InternalError(`probe ${meta.id} emitted finding "${input.id}", which its metadata does not declare`);
    const template =
      spec.messages[input.status] ??
      (input.status in DEFAULT_MESSAGES ? DEFAULT_MESSAGES[input.status as keyof typeof DEFAULT_MESSAGES] : undefined);
    if (!template) throw new InternalError(`finding "${input.id}" has no message for status ${input.status}`);
    const params = { title: spec.title, reason: 'no reason given', ...input.params };
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
        raw: input.evidence.raw === undefined ? undefined : excerpt(input.evidence.raw),
      },
      ...(input.data ? { data: input.data } : {}),
    };
  };
}
