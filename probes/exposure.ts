import { z } from 'zod';
import type { Flow, Gateway } from '../src/connection/schema.ts';
import type { SweepFact } from '../src/facts/sweep.ts';
import { describeCause, InternalError } from '../src/errors.ts';
import type { Evidence, Finding, FindingStatus, FindingTarget } from '../src/findings.ts';
import { clipServiceField, describeService, portStateOf, type NmapHost, type NmapPort, type NmapService } from '../src/nmap/parse.ts';
import { compressPorts } from '../src/nmap/ports.ts';
import { matchProtocol } from '../src/nmap/protocols.ts';
import { defineFindings, defineProbe, type FindingIdOf, type FindingInput } from '../src/probe/contract.ts';
import type { SweepPlan } from '../src/nmap/run.ts';
import { gatewayAnswered, sweepFailureReason } from '../src/facts/sweep-reading.ts';

/** Undeclared open ports that get a finding each; the rest of a flood are summed up in one more finding. */
export const MAX_UNDECLARED_LISTED = 200;
/** Longest port list quoted in the summary of a flood of open ports. */
export const MAX_PORT_LIST_CHARS = 400;

const exposureFindings = defineFindings({
  'exposure.undeclared-port': {
    severity: 'high',
    title: 'No undeclared port is open',
    messages: {
      pass: 'Only declared ports answer on {host} ({declared}); swept {swept}',
      fail: 'Undeclared {what} open on {host}: {service}',
    },
  },
  'exposure.declared-port': {
    severity: 'medium',
    title: 'Declared flow is reachable',
    messages: {
      pass: 'Declared flow {flow} ({port}/{transport}) is open on {host}',
      fail: 'Declared flow {flow} ({port}/{transport}) is not served on {host}: {reason}',
    },
  },
  'exposure.protocol-match': {
    severity: 'high',
    title: 'Declared protocol is what answers',
    messages: {
      pass: 'Flow {flow} on {port}/{transport} speaks {protocol} as declared (nmap saw {seen})',
      fail: 'Flow {flow} on {port}/{transport} is declared as {protocol} but nmap identified {seen}',
    },
  },
});
export type ExposureFindingInput = FindingInput<FindingIdOf<typeof exposureFindings>>;

export default defineProbe({
  meta: {
    id: 'exposure',
    title: 'Only the declared flows are exposed',
    description:
      'Sweeps every gateway with nmap and compares what answers with the flows declared in the connection file (A.1.2.1).',
    reads: ['sweep'],
    thresholds: z.strictObject({}),
    findings: exposureFindings,
  },

  async run(ctx) {
    const findings: Finding[] = [];
    for (const gateway of ctx.connection.gateways) {
      const gatewayTarget: FindingTarget = { gateway: gateway.name, host: gateway.host };
      let judged: ExposureFindingInput[];
      try {
        const sweep = await ctx.facts.sweep(gateway);
        judged = judgeExposure(exposureFacts(sweep), ctx.connection.flows, gatewayTarget, { source: sweep.source, time: sweep.time, artefacts: [sweep.artefact] });
      } catch (error) {
        if (error instanceof InternalError) throw error;
        // One gateway's unreadable sweep is an error there; the other gateways keep their findings.
        const reason = `the sweep of this gateway could not be read (${describeCause(error).slice(0, 200)}); see the nmap XML in the evidence and rerun`;
        judged = sweepErrorFindings(reason, ctx.connection.flows, gatewayTarget, { source: 'nmap', time: ctx.now().toISOString() });
      }
      findings.push(...judged.map((input) => ctx.finding(input)));
    }
    return findings;
  },
});

/** What the exposure judging reads from a sweep. */
export interface ExposureFacts {
  /** Why the sweep cannot be judged (sweepFailureReason), when it cannot. */
  failure?: string;
  host?: NmapHost;
  plan: Pick<SweepPlan, 'tcpPorts' | 'udpPorts' | 'privileged' | 'serviceDetection'>;
}

export function exposureFacts(sweep: SweepFact): ExposureFacts {
  return { failure: sweepFailureReason(sweep), host: sweep.host, plan: sweep.plan };
}

type BaseEvidence = Omit<Evidence, 'time'> & { time?: string };

function sweepErrorFindings(reason: string, flows: Flow[], gatewayTarget: FindingTarget, base: BaseEvidence): ExposureFindingInput[] {
  return [
    { id: 'exposure.undeclared-port', target: gatewayTarget, status: 'error', params: { reason }, evidence: base },
    ...flows.flatMap((flow): ExposureFindingInput[] => {
      const target = { ...gatewayTarget, port: flow.port, transport: flow.transport, flow: flow.name };
      return [
        { id: 'exposure.declared-port', target, status: 'error', params: { reason }, evidence: base },
        { id: 'exposure.protocol-match', target, status: 'error', params: { reason }, evidence: base },
      ];
    }),
  ];
}

/**
 * Judges one gateway's sweep against the declared flows. Pure: the same facts always give the same findings.
 * A sweep that failed, did not finish or has no host record is `error` everywhere, never a clean pass.
 */
export function judgeExposure(facts: ExposureFacts, flows: Flow[], gatewayTarget: FindingTarget, base: BaseEvidence): ExposureFindingInput[] {
  const flowTarget = (flow: Flow): FindingTarget => ({ ...gatewayTarget, port: flow.port, transport: flow.transport, flow: flow.name });
  if (facts.failure || !facts.host) return sweepErrorFindings(facts.failure ?? 'nmap returned no host record', flows, gatewayTarget, base);
  const host = facts.host;
  return [
    ...judgeUndeclared(gatewayTarget, host, flows, facts, base),
    ...flows.flatMap((flow) => judgeFlow(flowTarget(flow), flow, host, facts, base)),
  ];
}

function judgeUndeclared(target: FindingTarget, host: NmapHost, flows: Flow[], facts: ExposureFacts, base: BaseEvidence): ExposureFindingInput[] {
  const declared = new Set(flows.map((f) => `${f.port}/${f.transport}`));
  const undeclared = host.ports.filter((p) => p.state === 'open' && !declared.has(`${p.port}/${p.protocol}`));
  const expected = `open ports limited to the declared flows: ${[...declared].join(', ')}`;
  if (undeclared.length > 0) {
    const listed = undeclared.slice(0, MAX_UNDECLARED_LISTED);
    const findings = listed.map(
      (port): ExposureFindingInput => ({
        id: 'exposure.undeclared-port',
        target: { ...target, port: port.port, transport: port.protocol },
        status: 'fail',
        params: { what: `port ${port.port}/${port.protocol} is`, host: target.host, port: port.port, transport: port.protocol, service: describeService(port.service) },
        evidence: { ...base, expected, actual: `${port.port}/${port.protocol} open (${clipServiceField(port.reason)})`, raw: serviceRaw(port) },
        data: { port: port.port, transport: port.protocol, service: serviceData(port.service) },
      }),
    );
    const rest = undeclared.slice(MAX_UNDECLARED_LISTED);
    if (rest.length > 0) findings.push(summariseRest(target, rest, listed.length, expected, base));
    return findings;
  }
  if (!gatewayAnswered(host)) {
    return [
      {
        id: 'exposure.undeclared-port',
        target,
        status: 'error',
        params: {
          reason:
            'the gateway did not answer on any swept port, so the absence of open ports proves nothing (it may be unreachable from this scanner)',
        },
        evidence: { ...base, expected, actual: 'no response on any port' },
      },
    ];
  }
  const swept = `T:${facts.plan.tcpPorts}${facts.plan.udpPorts && facts.plan.privileged ? ` U:${facts.plan.udpPorts}` : ''}`;
  return [
    {
      id: 'exposure.undeclared-port',
      target,
      status: 'pass',
      params: { host: target.host, declared: [...declared].join(', '), swept },
      evidence: { ...base, expected, actual: `no undeclared port open among ${swept}` },
    },
  ];
}

/** One finding for the undeclared open ports beyond the first MAX_UNDECLARED_LISTED: a tarpit must not flood the report. */
function summariseRest(target: FindingTarget, rest: NmapPort[], listedCount: number, expected: string, base: BaseEvidence): ExposureFindingInput {
  const byProtocol = (['tcp', 'udp'] as const)
    .map((protocol) => ({ protocol, ports: rest.filter((p) => p.protocol === protocol).map((p) => p.port) }))
    .filter((group) => group.ports.length > 0)
    .map((group) => `${compressPorts(group.ports)}/${group.protocol}`)
    .join(' ');
  const ports = byProtocol.length <= MAX_PORT_LIST_CHARS ? byProtocol : `${byProtocol.slice(0, MAX_PORT_LIST_CHARS)}…`;
  const what = `ports ${ports} are`;
  const service = `${rest.length} more undeclared open ports besides the ${listedCount} listed one by one (… and ${rest.length} more); every port is in the nmap XML`;
  return {
    id: 'exposure.undeclared-port',
    target,
    status: 'fail',
    params: { what, host: target.host, service },
    evidence: { ...base, expected, actual: `${listedCount + rest.length} undeclared ports open; ${rest.length} beyond the first ${listedCount}: ${ports}` },
    data: { moreOpenPorts: rest.length, listedOpenPorts: listedCount },
  };
}

function judgeFlow(target: FindingTarget, flow: Flow, host: NmapHost, facts: ExposureFacts, base: BaseEvidence): ExposureFindingInput[] {
  const params = { flow: flow.name, port: flow.port, transport: flow.transport, host: target.host, protocol: flow.protocol };
  const expected = `${flow.protocol} answering on ${flow.port}/${flow.transport}`;
  const declared = (status: FindingStatus, reason: string, actual: string): ExposureFindingInput => {
    const state = portStateOf(host, flow.transport, flow.port);
    return {
      id: 'exposure.declared-port',
      target,
      status,
      params: { ...params, reason },
      evidence: { ...base, expected, actual },
      data: { state: state?.state ?? 'unknown', service: state?.port ? describeService(state.port.service) : null },
    };
  };
  const protocol = (status: FindingStatus, reason: string, seen = 'nothing', raw?: string): ExposureFindingInput => ({
    id: 'exposure.protocol-match',
    target,
    status,
    params: { ...params, reason, seen },
    evidence: { ...base, expected: `a ${flow.protocol} service`, actual: seen, raw },
  });

  if (flow.transport === 'udp' && !facts.plan.privileged) {
    const reason = 'UDP scanning needs root; run cocoscan as root to test UDP flows';
    return [declared('not_tested', reason, 'not scanned'), protocol('not_tested', reason)];
  }
  const state = portStateOf(host, flow.transport, flow.port);
  if (!state) {
    const reason = `nmap reported nothing for ${flow.port}/${flow.transport}${host.timedOut ? ' (the host timed out)' : ''}`;
    return [declared('error', reason, 'no result'), protocol('error', reason)];
  }
  const actual = `${state.state} (${clipServiceField(state.reason)})`;
  if (state.state === 'open') {
    return [declared('pass', 'open', actual), judgeProtocol(flow, state.port, facts, protocol)];
  }
  if (state.state === 'closed') {
    const reason = `the gateway refused the connection (${clipServiceField(state.reason)}): nothing listens on the declared port`;
    return [declared('fail', reason, actual), protocol('not_tested', 'the declared port is closed, so there was nothing to identify')];
  }
  if (state.state === 'open|filtered') {
    const reason = 'no UDP answer: nmap cannot tell an open UDP port from a filtered one without a reply';
    return [declared('not_tested', reason, actual), protocol('not_tested', reason)];
  }
  const reason = `no answer from the declared port (${state.state}, ${clipServiceField(state.reason)}); the scanner's address may not be allowed through the firewall`;
  return [declared('error', reason, actual), protocol('error', reason)];
}

function judgeProtocol(
  flow: Flow,
  port: NmapPort | undefined,
  facts: ExposureFacts,
  protocol: (status: FindingStatus, reason: string, seen?: string, raw?: string) => ExposureFindingInput,
): ExposureFindingInput {
  if (!facts.plan.serviceDetection) return protocol('not_tested', 'service detection (-sV) was turned off in scan settings');
  const match = matchProtocol(flow.protocol, port?.service);
  const seen = describeService(port?.service);
  switch (match.verdict) {
    case 'match':
      return protocol('pass', 'matches', seen);
    case 'mismatch':
      return protocol('fail', 'mismatch', seen, port ? serviceRaw(port) : undefined);
    case 'unknown-protocol':
      return protocol('not_tested', `cocoscan has no service signature for protocol "${flow.protocol}"`, seen);
    case 'unidentified':
      return protocol('not_tested', `nmap could not identify the service (${seen})`, seen, port ? serviceRaw(port) : undefined);
  }
}

/** The service as kept in a finding's data: every field a server chose is clipped. */
function serviceData(service: NmapService | undefined): Record<string, string | number> | null {
  if (!service) return null;
  const kept: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(service)) {
    if (typeof value === 'string') kept[key] = clipServiceField(value, key === 'fingerprint' ? 400 : undefined);
    else if (typeof value === 'number') kept[key] = value;
  }
  return kept;
}

function serviceRaw(port: NmapPort): string | undefined {
  const service = port.service;
  if (!service) return undefined;
  const clip = (text: string | undefined) => (text ? clipServiceField(text) : undefined);
  const parts = [
    service.name && `name=${clip(service.name)}`,
    service.tunnel && `tunnel=${clip(service.tunnel)}`,
    service.product && `product=${clip(service.product)}`,
    service.version && `version=${clip(service.version)}`,
    service.extraInfo && `extrainfo=${clip(service.extraInfo)}`,
    service.method && `method=${clip(service.method)}`,
    service.fingerprint && `fingerprint=${clipServiceField(service.fingerprint, 400)}`,
  ];
  return parts.filter(Boolean).join(' ');
}
