import { readFileSync } from 'node:fs';
import { parseDocument, stringify } from 'yaml';
import type { AnyProbe } from '../../src/probe/contract.ts';
import { PROBES } from '../../src/probe/registry.ts';
import { parseProfile, type Profile } from '../../src/profile/load.ts';

/** The thresholds of the shipped MoJ profile: the values a test profile takes for what it leaves out. */
const SHIPPED = parseDocument(readFileSync(new URL('../../profiles/moj-coco.yaml', import.meta.url), 'utf8')).toJS() as {
  thresholds: Record<string, Record<string, unknown>>;
};

/**
 * A test's profile YAML with every threshold it does not set taken from profiles/moj-coco.yaml. A real
 * profile sets them all itself (the loader refuses a missing one); tests name only what they are about.
 */
export function withShippedThresholds(text: string): string {
  const profile = (parseDocument(text).toJS() ?? {}) as { thresholds?: Record<string, Record<string, unknown>> };
  const thresholds: Record<string, Record<string, unknown>> = {};
  for (const [probe, values] of Object.entries(SHIPPED.thresholds)) thresholds[probe] = { ...values, ...profile.thresholds?.[probe] };
  for (const [probe, values] of Object.entries(profile.thresholds ?? {})) thresholds[probe] ??= values;
  return stringify({ ...profile, thresholds });
}

/** parseProfile for a test profile that sets only the thresholds it is about. */
export function parseTestProfile(text: string, file: string, probes: readonly AnyProbe[] = PROBES): Profile {
  return parseProfile(withShippedThresholds(text), file, probes);
}

/** One probe's thresholds as the shipped MoJ profile sets them, parsed by the probe's own schema. */
export function shippedThresholds<T>(schema: { parse(value: unknown): T }, probeId: string): T {
  return schema.parse(SHIPPED.thresholds[probeId]);
}
