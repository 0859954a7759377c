import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';

export const ALGORITHM_KINDS = ['kex', 'hostKey', 'cipher', 'mac'] as const;
export type AlgorithmKind = (typeof ALGORITHM_KINDS)[number];
export type AlgorithmVerdict = 'ok' | 'info' | 'warn' | 'fail';

const entry = z.strictObject({ verdict: z.enum(['ok', 'info', 'warn', 'fail']), reason: z.string().min(1) });
const tableSchema = z.strictObject(Object.fromEntries(ALGORITHM_KINDS.map((k) => [k, z.record(z.string(), entry)])) as Record<AlgorithmKind, z.ZodRecord<z.ZodString, typeof entry>>);

/** The judging table, kept as data in algorithms.yaml and validated when loaded. */
export const ALGORITHM_TABLE = tableSchema.parse(parse(readFileSync(new URL('./algorithms.yaml', import.meta.url), 'utf8')));

export interface AlgorithmJudgement {
  name: string;
  kind: AlgorithmKind;
  verdict: AlgorithmVerdict;
  reason: string;
}

export function judgeAlgorithm(kind: AlgorithmKind, name: string): AlgorithmJudgement {
  const known = ALGORITHM_TABLE[kind][name];
  if (known) return { name, kind, ...known };
  return { name, kind, verdict: 'warn', reason: "not in cocoscan's table; review it by hand" };
}
