import type { LimitFunction } from 'p-limit';
import type { z } from 'zod';
import type { ConnectionFile } from '../connection/schema.ts';
import type { Evidence, Finding, FindingStatus, FindingTarget, Severity } from '../findings.ts';
import type { Exec } from '../exec.ts';
import type { Facts } from '../facts/facts.ts';
import type { EvidenceStore } from '../evidence-store.ts';
import type { Change } from '../history/diff.ts';

export type Requirement = 'nmap' | 'root' | 'ssh-credentials' | 'agent-data';

export interface FindingSpec {
  severity: Severity;
  /** What the check asks, in a few words. */
  title: string;
  /** Message templates by status; `{name}` is replaced by the finding's params. */
  messages: Partial<Record<FindingStatus, string>>;
}

/**
 * A probe's finding specs, declared once; the keys become the probe's id type, so a misspelt id in
 * `ctx.finding`, a judge or a test does not compile.
 */
export function defineFindings<const F extends Record<string, FindingSpec>>(findings: F): F {
  return findings;
}

/** The finding ids declared by a findings object or a probe. */
export type FindingIdOf<P> = P extends { meta: { findings: infer F } } ? keyof F & string : keyof P & string;

/** The declared ids of a findings object, typed (`Object.keys` would give `string[]`). */
export function findingIds<Id extends string>(findings: Readonly<Record<Id, FindingSpec>>): Id[] {
  return Object.keys(findings) as Id[];
}

export interface ProbeMeta<T extends z.ZodType = z.ZodType, Id extends string = string> {
  /** Equal to the module's file name. */
  id: string;
  title: string;
  description: string;
  requires: Requirement[];
  findings: Readonly<Record<Id, FindingSpec>>;
  /** Schema (with defaults) for the thresholds a profile may set under `thresholds.<probe id>`. */
  thresholds: T;
  /** `after`: runs once the other probes are done, to judge what the run as a whole found (changes since the last run). */
  phase?: 'after';
}

/** What an `after` probe is given about the run so far. */
export interface RunSoFar {
  baseline?: { id: string; startedAt: string; kind: 'previous' | 'baseline' };
  changes: Change[];
}

export interface ProbeContext<T = unknown, Id extends string = string> {
  connection: ConnectionFile;
  thresholds: T;
  exec: Exec;
  now: () => Date;
  facts: Facts;
  evidence: EvidenceStore;
  signal: AbortSignal;
  /** The limit on simultaneous probe connections to one gateway, shared by every probe of the run. */
  connectionLimit: (gateway: string) => LimitFunction;
  /** For `after` probes: the baseline and what changed since it. */
  run?: RunSoFar;
  /** Builds a finding of this probe; throws InternalError for an id the probe did not declare. */
  finding: (input: FindingInput<Id>) => Finding;
}

export interface FindingInput<Id extends string = string> {
  id: Id;
  target: FindingTarget;
  status: FindingStatus;
  /** Values for the message template; for error/not_tested give `reason`. */
  params?: Record<string, string | number>;
  evidence: Omit<Evidence, 'time'> & { time?: string };
  data?: Record<string, unknown>;
}

export interface Probe<T extends z.ZodType = z.ZodType, Id extends string = string> {
  meta: ProbeMeta<T, Id>;
  run(ctx: ProbeContext<z.output<T>, Id>): Promise<Finding[]>;
}

/**
 * Any probe, whatever its thresholds and ids. Its `run` can be given a context whose `finding` accepts every
 * id (the builder checks at run time), but no thresholds value is statically of the probe's own type: the
 * caller passes what the profile loader parsed with `meta.thresholds`, which is the one place that knows.
 */
export interface AnyProbe {
  meta: ProbeMeta<z.ZodType, string>;
  run(ctx: ProbeContext<never, string>): Promise<Finding[]>;
}

/** Identity helper that keeps a probe's threshold type and finding ids flowing into `run`. */
export function defineProbe<T extends z.ZodType, Id extends string>(probe: Probe<T, Id>): Probe<T, Id> {
  return probe;
}
