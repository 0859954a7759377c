import { z } from 'zod';
import { InputFileError } from '../errors.ts';
import { problemAt, readYaml, validateYaml } from '../input/yaml-input.ts';
import type { Profile } from '../profile/load.ts';
import { findingCatalogue } from '../probe/registry.ts';
import { TARGET_SPEC_PATTERN } from '../target.ts';

const waiverSchema = z
  .strictObject({
    ref: z.string({ error: 'expected a row ref such as CoCo-9' }).optional(),
    finding: z.string({ error: 'expected a finding id such as tls.cbc-suites' }).optional(),
    target: z
      .string({ error: 'expected a gateway name, or gateway/port' })
      .regex(TARGET_SPEC_PATTERN, { error: 'expected a gateway name, or gateway/port' })
      .optional()
      .describe('Limit a finding waiver to one gateway (or one port of it)'),
    justification: z.string({ error: 'expected the reason the risk is accepted' }).min(1).max(2000),
    approvedBy: z.string({ error: 'expected who approved it' }).min(1).max(200),
    plan: z.string({ error: 'expected the remediation plan' }).min(1).max(2000),
    expires: z.iso.date({ error: 'expected a date such as 2027-03-31' }).describe('Last day the waiver applies (UTC)'),
  })
  .refine((w) => (w.ref === undefined) !== (w.finding === undefined), { error: 'give exactly one of ref or finding' })
  .refine((w) => w.target === undefined || w.finding !== undefined, {
    error: 'target narrows a finding waiver; a row waiver covers the whole row',
  });

export const waiverFileSchema = z.strictObject({ waivers: z.array(waiverSchema, { error: 'expected a list of waivers' }) });
export type Waiver = z.infer<typeof waiverSchema>;

/** Loads and checks a waiver file against the profile before any probing: unknown refs and finding ids are errors. */
export async function loadWaivers(file: string, profile: Profile): Promise<Waiver[]> {
  const parsed = await readYaml(file, 'waiver file');
  const { waivers } = validateYaml(parsed, waiverFileSchema, 'fix the waiver file and run again; nothing was probed');
  const refs = new Set(profile.rows.filter((r) => !r.heading).map((r) => r.ref));
  const findings = findingCatalogue();
  const problems = waivers.flatMap((w, i) => [
    ...(w.ref !== undefined && !refs.has(w.ref)
      ? [problemAt(parsed, ['waivers', i, 'ref'], `no row "${w.ref}" in profile ${profile.id}`)]
      : []),
    ...(w.finding !== undefined && !findings.has(w.finding)
      ? [problemAt(parsed, ['waivers', i, 'finding'], `unknown finding id "${w.finding}"`)]
      : []),
  ]);
  if (problems.length > 0) throw new InputFileError(file, problems, 'fix the waiver file and run again; nothing was probed');
  return waivers;
}

/** A waiver is active through its expiry date (UTC) and expired from the next day. */
export function waiverActive(waiver: Waiver, now: Date): boolean {
  return now.getTime() < Date.parse(`${waiver.expires}T00:00:00Z`) + 86_400_000;
}
