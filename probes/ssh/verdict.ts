import type { FindingStatus, FindingTarget } from '../../src/findings.ts';
import type { Verdict } from '../../src/probe/contract.ts';
import type { SshFindingId } from './findings.ts';
import type { SshPortFacts } from './gather.ts';
import { hostPort } from '../../src/host-port.ts';

/** What every verdict about one port repeats: where it is, how it is named, what it answered. */
export interface PortFrame {
  target: FindingTarget;
  endpoint: string;
  source: string;
  raw?: string;
  artefact: string;
}

export function portFrame(gateway: FindingTarget, port: SshPortFacts): PortFrame {
  const hello = port.hello;
  return {
    target: { gateway: gateway.gateway, host: gateway.host, port: port.port, transport: 'tcp', ...(port.flow ? { flow: port.flow } : {}) },
    endpoint: `${port.flow ?? 'undeclared SSH'} (${hostPort(gateway.host, port.port)})`,
    source: `cocoscan SSH probe (${hello?.ident ?? 'no identification'})`,
    raw: hello ? `${hello.ident}${hello.preamble.length ? `\n(preceded by ${hello.preamble.length} line(s))` : ''}` : undefined,
    artefact: port.artefact,
  };
}

export interface PortOutcome {
  status: FindingStatus;
  params: Record<string, string | number>;
  expected: string;
  actual: string;
  data?: Record<string, unknown>;
}

export function portVerdict(frame: PortFrame, id: SshFindingId, outcome: PortOutcome): Verdict<SshFindingId> {
  return {
    id,
    target: frame.target,
    status: outcome.status,
    params: { endpoint: frame.endpoint, ...outcome.params },
    evidence: { source: frame.source, expected: outcome.expected, actual: outcome.actual, raw: frame.raw, artefacts: [frame.artefact] },
    ...(outcome.data ? { data: outcome.data } : {}),
  };
}
