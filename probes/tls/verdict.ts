import type { FindingStatus, FindingTarget } from '../../src/findings.ts';
import type { Verdict } from '../../src/probe/contract.ts';
import type { TlsFindingId } from './findings.ts';

/** Which endpoint a verdict is about and where its evidence comes from: plain values, read from the facts. */
export interface EndpointSubject {
  target: FindingTarget;
  /** How messages name the endpoint: `flow (host:port)`. */
  endpoint: string;
  source: string;
  time: string;
  artefacts: string[];
}

/** A verdict about one endpoint; every message names the endpoint. */
export function endpointVerdict(
  on: EndpointSubject,
  id: TlsFindingId,
  status: FindingStatus,
  params: Record<string, string | number>,
  expected: string,
  actual: string,
  raw?: string,
  data?: Record<string, unknown>,
): Verdict<TlsFindingId> {
  return {
    id,
    target: on.target,
    status,
    params: { endpoint: on.endpoint, ...params },
    evidence: { source: on.source, time: on.time, expected, actual, raw, artefacts: on.artefacts },
    ...(data ? { data } : {}),
  };
}

export const DAY_MS = 86_400_000;
export const day = (d: Date): string => d.toISOString().slice(0, 10);
/** How a message names a certificate by its place in the chain. */
export const position = (i: number): string => (i === 0 ? 'leaf' : `chain certificate ${i + 1}`);
