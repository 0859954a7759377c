import type { LimitFunction } from 'p-limit';
import type { ConnectionFile, Gateway } from '../connection/schema.ts';
import { describeProbeFailure, faultDetail, InternalError } from '../errors.ts';
import type { EvidenceStore } from '../evidence-store.ts';
import type { Exec } from '../exec.ts';
import type { ActivityEvent, Facts } from '../facts/facts.ts';
import type { Finding } from '../findings.ts';
import type { Observation } from '../history/observation.ts';
import type { AnyProbe, GatherContext, RunSoFar, SharedFactName, Verdict } from '../probe/contract.ts';
import { findingBuilder } from '../probe/finding-builder.ts';

/** What every probe of a run shares: the connection, the run's tools and the shared facts. */
export interface ProbeEnv {
  connection: ConnectionFile;
  exec: Exec;
  now: () => Date;
  facts: Facts;
  evidence: EvidenceStore;
  signal: AbortSignal;
  connectionLimit: (gateway: string) => LimitFunction;
  /** Gateways whose host name gave no address, with the reason: an error for every probe there, nothing sent. */
  unresolved: ReadonlyMap<string, string>;
  onActivity?: (event: ActivityEvent) => void;
}

export interface ProbeOutcome {
  findings: Finding[];
  observations: Observation[];
}

type GatewayProbeOf<P> = P extends { gather: unknown } ? P : never;

/** Runs a gateway probe on every gateway; one gateway's failure is an error there only. */
export async function runGatewayProbe(probe: AnyProbe, thresholds: unknown, env: ProbeEnv): Promise<ProbeOutcome> {
  if (!('gather' in probe)) throw new InternalError(`probe ${probe.meta.id} is a run-level probe; run it with runRunProbe`);
  const outcomes = await Promise.all(env.connection.gateways.map((gateway) => onGateway(probe, gateway, thresholds, env)));
  return { findings: outcomes.flatMap((o) => o.findings), observations: outcomes.flatMap((o) => o.observations) };
}

async function onGateway(probe: GatewayProbeOf<AnyProbe>, gateway: Gateway, thresholds: unknown, env: ProbeEnv): Promise<ProbeOutcome> {
  const build = findingBuilder(probe.meta, env.now);
  const unresolved = env.unresolved.get(gateway.name);
  if (unresolved !== undefined) return { findings: failedGateway(probe, gateway, unresolved, undefined).map(build), observations: [] };
  const ctx: GatherContext<never, SharedFactName> = {
    gateway,
    connection: env.connection,
    // The probe's own schema parsed these thresholds (see AnyProbe); the context holds every shared fact.
    thresholds: thresholds as never,
    shared: env.facts,
    evidence: { add: (segments, content) => env.evidence.add([gateway.name, ...segments], content) },
    exec: env.exec,
    signal: env.signal,
    now: env.now,
    connectionLimit: env.connectionLimit(gateway.name),
    activity: (activity) => env.onActivity?.({ gateway: gateway.name, activity }),
  };
  let facts: unknown;
  const running = (on: boolean) =>
    env.onActivity?.({
      gateway: gateway.name,
      activity: `${probe.meta.id} probe ${on ? 'started' : 'ended'}`,
      probe: { id: probe.meta.id, running: on },
    });
  try {
    running(true);
    facts = await probe.gather(ctx);
  } catch (error) {
    if (error instanceof InternalError) throw error;
    return {
      findings: failedGateway(probe, gateway, describeProbeFailure(probe.meta.id, error), faultDetail(error)).map(build),
      observations: [],
    };
  } finally {
    running(false);
    env.facts.gatherEnded(gateway);
  }
  try {
    const verdicts = probe.judge(facts as never, thresholds as never, env.now());
    const observations = probe.observe?.(facts as never, thresholds as never) ?? [];
    return { findings: verdicts.map(build), observations };
  } catch (error) {
    if (error instanceof InternalError) throw error;
    const reason =
      `cocoscan could not judge what the ${probe.meta.id} probe gathered from ${gateway.name} ` +
      '(an internal fault; other gateways and probes are unaffected); keep the evidence folder and report it';
    return { findings: failedGateway(probe, gateway, reason, faultDetail(error)).map(build), observations: [] };
  }
}

/** One error verdict per declared id for a gateway whose facts could not be gathered or judged. */
function failedGateway(probe: AnyProbe, gateway: Gateway, reason: string, raw: string | undefined): Verdict[] {
  return Object.keys(probe.meta.findings).map((id) => ({
    id,
    target: { gateway: gateway.name, host: gateway.host },
    status: 'error' as const,
    params: { gateway: gateway.name, reason },
    evidence: { source: `cocoscan ${probe.meta.id} probe`, raw },
  }));
}

/** Runs a run-level probe (phase `after`) once, on what the run found so far. */
export function runRunProbe(probe: AnyProbe, thresholds: unknown, run: RunSoFar, now: () => Date): Finding[] {
  if ('gather' in probe) throw new InternalError(`probe ${probe.meta.id} is not a run-level probe`);
  const build = findingBuilder(probe.meta, now);
  return probe.judge(run, thresholds as never, now()).map(build);
}
