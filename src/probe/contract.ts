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

export interface ProbeMeta<T extends z.ZodType = z.ZodType> {
  /** Equal to the module's file name. */
  id: string;
  title: string;
  description: string;
  requires: Requirement[];
  findings: Record<string, FindingSpec>;
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

export interface ProbeContext<T = unknown> {
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
  finding: (input: FindingInput) => Finding;
}

export interface FindingInput {
  id: string;
  target: FindingTarget;
  status: FindingStatus;
  /** Values for the message template; for error/not_tested give `reason`. */
  params?: Record<string, string | number>;
  evidence: Omit<Evidence, 'time'> & { time?: string };
  data?: Record<string, unknown>;
}

export interface Probe<T extends z.ZodType = z.ZodType> {
  meta: ProbeMeta<T>;
  run(ctx: ProbeContext<z.output<T>>): Promise<Finding[]>;
}

/** Identity helper that keeps a probe's threshold type flowing into `run`. */
export function defineProbe<T extends z.ZodType>(probe: Probe<T>): Probe<T> {
  return probe;
}
