import type { LimitFunction } from 'p-limit';
import type { z } from 'zod';
import type { ConnectionFile, Gateway } from '../connection/schema.ts';
import type { Evidence, FindingStatus, FindingTarget, Severity } from '../findings.ts';
import type { Exec } from '../exec.ts';
import type { Change } from '../history/diff.ts';
import type { Observation } from '../history/observation.ts';
import type { SharedFacts, IncidentalFacts, SharedFactName } from '../facts/shared.ts';

export type { SharedFactName } from '../facts/shared.ts';

export interface FindingSpec {
  severity: Severity;
  /** What the check asks, in a few words. */
  title: string;
  /** Message templates by status; `{name}` is replaced by the finding's params. */
  messages: Partial<Record<FindingStatus, string>>;
}

/**
 * A probe's finding specs, declared once; the keys become the probe's id type, so a misspelt id in a judge
 * or a test does not compile.
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

/**
 * What a judge says about one target: a finding before the engine gives it its message, severity and time.
 * `params` fill the message template; for error/not_tested/not_applicable give `reason`.
 */
export interface Verdict<Id extends string = string> {
  id: Id;
  target: FindingTarget;
  status: FindingStatus;
  params?: Record<string, string | number>;
  evidence: Omit<Evidence, 'time'> & { time?: string };
  data?: Record<string, unknown>;
}

export interface ProbeMeta<T extends z.ZodType = z.ZodType, Id extends string = string, R extends SharedFactName = SharedFactName> {
  /** Equal to the probe's folder or file name. */
  id: string;
  title: string;
  description: string;
  /** The shared facts the probe's gathering reads; the run sweeps with nmap only when some probe reads `sweep`. */
  reads: readonly R[];
  findings: Readonly<Record<Id, FindingSpec>>;
  /** Schema of `thresholds.<probe id>` in a profile. The profile gives every value: no defaults here. */
  thresholds: T;
}

/** A gateway's evidence: artefact paths are relative to the gateway's own evidence folder. */
export interface GatewayEvidence {
  /** Keeps an artefact; returns its report-relative path (under evidence/gateways/<name>/). */
  add(segments: string[], content: string | Buffer): string;
}

/** Everything a probe's gathering may use for one gateway. All I/O of a probe happens here. */
export interface GatherContext<T = unknown, R extends SharedFactName = never> {
  gateway: Gateway;
  connection: ConnectionFile;
  thresholds: T;
  /** The shared facts the probe declared in `meta.reads`, and those another probe may gather. */
  shared: Pick<SharedFacts, R> & IncidentalFacts;
  evidence: GatewayEvidence;
  exec: Exec;
  signal: AbortSignal;
  now: () => Date;
  /** The limit on simultaneous probe connections to this gateway, shared by every probe of the run. */
  connectionLimit: LimitFunction;
  /** Says what the run is doing now (the progress line). */
  activity: (text: string) => void;
}

/**
 * A probe that looks at each gateway: `gather` does the I/O and returns typed facts, which are also its
 * evidence; `judge` is pure and turns facts into verdicts; `observe` names what history compares.
 * A gathering that throws becomes `error` findings of that gateway for every id the probe declares.
 */
export interface GatewayProbe<
  T extends z.ZodType = z.ZodType,
  Id extends string = string,
  F = unknown,
  R extends SharedFactName = SharedFactName,
> {
  meta: ProbeMeta<T, Id, R> & { phase?: undefined };
  gather(ctx: GatherContext<z.output<T>, R>): Promise<F>;
  /** Pure: no I/O, no clock of its own. */
  judge(facts: F, thresholds: z.output<T>, now: Date): Verdict<Id>[];
  /** Pure: the state of the gateway that a later run compares with (CoCo-2). */
  observe?(facts: F, thresholds: z.output<T>): Observation[];
}

/** What a run-level probe (phase `after`) is given: the run so far, after every gateway probe. */
export interface RunSoFar {
  connection: ConnectionFile;
  baseline?: { id: string; startedAt: string; kind: 'previous' | 'baseline' };
  changes: Change[];
}

/** A probe that judges the run as a whole once the gateway probes are done (changes since the last run). */
export interface RunProbe<T extends z.ZodType = z.ZodType, Id extends string = string> {
  meta: ProbeMeta<T, Id, never> & { phase: 'after' };
  /** Pure. */
  judge(run: RunSoFar, thresholds: z.output<T>, now: Date): Verdict<Id>[];
}

export type Probe<T extends z.ZodType = z.ZodType, Id extends string = string, F = unknown, R extends SharedFactName = SharedFactName> =
  GatewayProbe<T, Id, F, R> | RunProbe<T, Id>;

/**
 * Any probe, whatever its thresholds, facts and ids. Nothing but the engine calls a probe through this type:
 * it hands `gather` and `judge` only what the profile loader parsed with the probe's own `meta.thresholds`
 * and what that probe's own `gather` returned.
 */
export type AnyProbe =
  | {
      meta: ProbeMeta<z.ZodType, string, SharedFactName> & { phase?: undefined };
      gather(ctx: GatherContext<never, SharedFactName>): Promise<unknown>;
      judge(facts: never, thresholds: never, now: Date): Verdict[];
      observe?(facts: never, thresholds: never): Observation[];
    }
  | { meta: ProbeMeta<z.ZodType, string, never> & { phase: 'after' }; judge(run: RunSoFar, thresholds: never, now: Date): Verdict[] };

/** Identity helpers that keep a probe's thresholds, ids, facts and shared reads flowing into its parts. */
export function defineGatewayProbe<T extends z.ZodType, const Id extends string, F, const R extends SharedFactName = never>(
  probe: GatewayProbe<T, Id, F, R>,
): GatewayProbe<T, Id, F, R> {
  return probe;
}

export function defineRunProbe<T extends z.ZodType, const Id extends string>(probe: RunProbe<T, Id>): RunProbe<T, Id> {
  return probe;
}
