import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';

export const ALGORITHM_KINDS = ['kex', 'hostKey', 'cipher', 'mac'] as const;
export type AlgorithmKind = (typeof ALGORITHM_KINDS)[number];
export type AlgorithmVerdict = 'ok' | 'info' | 'warn' | 'fail';

const entry = z.strictObject({ verdict: z.enum(['ok', 'info', 'warn', 'fail']), reason: z.string().min(1) });
type Entry = z.output<typeof entry>;
const tableSchema = z.strictObject(
  Object.fromEntries(ALGORITHM_KINDS.map((k) => [k, z.record(z.string(), entry)])) as Record<
    AlgorithmKind,
    z.ZodRecord<z.ZodString, typeof entry>
  >,
);

/**
 * The judging table, kept as data in algorithms.yaml and validated when loaded. Held in Maps: the names
 * looked up come from the network, and `constructor` or `__proto__` must be unknown, not inherited.
 */
export const ALGORITHM_TABLE: ReadonlyMap<AlgorithmKind, ReadonlyMap<string, Entry>> = (() => {
  const parsed = tableSchema.parse(parse(readFileSync(new URL('./algorithms.yaml', import.meta.url), 'utf8')));
  return new Map(ALGORITHM_KINDS.map((kind) => [kind, new Map(Object.entries(parsed[kind]))]));
})();

export interface AlgorithmJudgement {
  name: string;
  kind: AlgorithmKind;
  verdict: AlgorithmVerdict;
  reason: string;
  known: boolean;
}

export function isKnownAlgorithm(kind: AlgorithmKind, name: string): boolean {
  return ALGORITHM_TABLE.get(kind)?.has(name) ?? false;
}

export const UNKNOWN_ALGORITHM_REASON = "not in cocoscan's table; review it by hand";

export function judgeAlgorithm(kind: AlgorithmKind, name: string): AlgorithmJudgement {
  const known = ALGORITHM_TABLE.get(kind)?.get(name);
  if (known) return { name, kind, verdict: known.verdict, reason: known.reason, known: true };
  return { name, kind, verdict: 'warn', reason: UNKNOWN_ALGORITHM_REASON, known: false };
}
