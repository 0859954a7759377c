import { z } from 'zod';
import type { Flow, Gateway } from '../src/connection/schema.ts';
import type { SweepFact } from '../src/facts/sweep.ts';
import type { Finding, FindingTarget } from '../src/findings.ts';
import { describeService, portStateOf, type NmapHost, type NmapPort } from '../src/nmap/parse.ts';
import { matchProtocol } from '../src/nmap/protocols.ts';
import { defineProbe, type ProbeContext } from '../src/probe/contract.ts';
import { gatewayAnswered, sweepFailureReason } from '../src/facts/sweep-reading.ts';

export default defineProbe({
  meta: {
    id: 'exposure',
    title: 'Only the declared flows are exposed',
    description:
      'Sweeps every gateway with nmap and compares what answers with the flows declared in the connection file (A.1.2.1).',
    requires: ['nmap'],
    thresholds: z.strictObject({}),
    findings: {
      'exposure.undeclared-port': {
        severity: 'high',
        title: 'No undeclared port is open',
        messages: {
          pass: 'Only declared ports answer on {host} ({declared}); swept {swept}',
          fail: 'Undeclared port {port}/{transport} is open on {host}: {service}',
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
    },
  },

  async run(ctx) {
    const findings: Finding[] = [];
    for (const gateway of ctx.connection.gateways) {
      const sweep = await ctx.facts.sweep(gateway);
      findings.push(...judgeGateway(ctx, gateway, sweep));
    }
    return findings;
  },
});

function judgeGateway(ctx: ProbeContext, gateway: Gateway, sweep: SweepFact): Finding[] {
  const flows = ctx.connection.flows;
  const base = { source: sweep.source, time: sweep.time, artefacts: [sweep.artefact] };
  const gatewayTarget: FindingTarget = { gateway: gateway.name, host: gateway.host };
  const flowTarget = (flow: Flow): FindingTarget => ({ ...gatewayTarget, port: flow.port, transport: flow.transport, flow: flow.name });

  const failure = sweepFailureReason(sweep);
  if (failure || !sweep.host) {
    const reason = failure ?? 'nmap returned no host record';
    return [
      ctx.finding({ id: 'exposure.undeclared-port', target: gatewayTarget, status: 'error', params: { reason }, evidence: base }),
      ...flows.flatMap((flow) => [
        ctx.finding({ id: 'exposure.declared-port', target: flowTarget(flow), status: 'error', params: { reason }, evidence: base }),
        ctx.finding({ id: 'exposure.protocol-match', target: flowTarget(flow), status: 'error', params: { reason }, evidence: base }),
      ]),
    ];
  }
  const host = sweep.host;
  return [
    judgeUndeclared(ctx, gatewayTarget, host, flows, sweep, base),
    ...flows.flatMap((flow) => judgeFlow(ctx, flowTarget(flow), flow, host, sweep, base)),
  ].flat();
}

function judgeUndeclared(
  ctx: ProbeContext,
  target: FindingTarget,
  host: NmapHost,
  flows: Flow[],
  sweep: SweepFact,
  base: { source: string; time: string; artefacts: string[] },
): Finding[] {
  const declared = new Set(flows.map((f) => `${f.port}/${f.transport}`));
  const undeclared = host.ports.filter((p) => p.state === 'open' && !declared.has(`${p.port}/${p.protocol}`));
  const expected = `open ports limited to the declared flows: ${[...declared].join(', ')}`;
  if (undeclared.length > 0) {
    return undeclared.map((port) =>
      ctx.finding({
        id: 'exposure.undeclared-port',
        target: { ...target, port: port.port, transport: port.protocol },
        status: 'fail',
        params: { host: target.host, port: port.port, transport: port.protocol, service: describeService(port.service) },
        evidence: { ...base, expected, actual: `${port.port}/${port.protocol} open (${port.reason})`, raw: serviceRaw(port) },
        data: { port: port.port, transport: port.protocol, service: port.service ?? null },
      }),
    );
  }
  if (!gatewayAnswered(host)) {
    return [
      ctx.finding({
        id: 'exposure.undeclared-port',
        target,
        status: 'error',
        params: {
          reason:
            'the gateway did not answer on any swept port, so the absence of open ports proves nothing (it may be unreachable from this scanner)',
        },
        evidence: { ...base, expected, actual: 'no response on any port' },
      }),
    ];
  }
  const swept = `T:${sweep.plan.tcpPorts}${sweep.plan.udpPorts && sweep.plan.privileged ? ` U:${sweep.plan.udpPorts}` : ''}`;
  return [
    ctx.finding({
      id: 'exposure.undeclared-port',
      target,
      status: 'pass',
      params: { host: target.host, declared: [...declared].join(', '), swept },
      evidence: { ...base, expected, actual: `no undeclared port open among ${swept}` },
    }),
  ];
}

function judgeFlow(
  ctx: ProbeContext,
  target: FindingTarget,
  flow: Flow,
  host: NmapHost,
  sweep: SweepFact,
  base: { source: string; time: string; artefacts: string[] },
): Finding[] {
  const params = { flow: flow.name, port: flow.port, transport: flow.transport, host: target.host, protocol: flow.protocol };
  const expected = `${flow.protocol} answering on ${flow.port}/${flow.transport}`;
  const declared = (status: Finding['status'], reason: string, actual: string) => {
    const state = portStateOf(host, flow.transport, flow.port);
    return ctx.finding({
      id: 'exposure.declared-port',
      target,
      status,
      params: { ...params, reason },
      evidence: { ...base, expected, actual },
      data: { state: state?.state ?? 'unknown', service: state?.port ? describeService(state.port.service) : null },
    });
  };
  const protocol = (status: Finding['status'], reason: string, seen = 'nothing', raw?: string) =>
    ctx.finding({
      id: 'exposure.protocol-match',
      target,
      status,
      params: { ...params, reason, seen },
      evidence: { ...base, expected: `a ${flow.protocol} service`, actual: seen, raw },
    });

  if (flow.transport === 'udp' && !sweep.plan.privileged) {
    const reason = 'UDP scanning needs root; run cocoscan as root to test UDP flows';
    return [declared('not_tested', reason, 'not scanned'), protocol('not_tested', reason)];
  }
  const state = portStateOf(host, flow.transport, flow.port);
  if (!state) {
    const reason = `nmap reported nothing for ${flow.port}/${flow.transport}${host.timedOut ? ' (the host timed out)' : ''}`;
    return [declared('error', reason, 'no result'), protocol('error', reason)];
  }
  const actual = `${state.state} (${state.reason})`;
  if (state.state === 'open') {
    return [declared('pass', 'open', actual), judgeProtocol(flow, state.port, sweep, protocol)];
  }
  if (state.state === 'closed') {
    const reason = `the gateway refused the connection (${state.reason}): nothing listens on the declared port`;
    return [declared('fail', reason, actual), protocol('not_tested', 'the declared port is closed, so there was nothing to identify')];
  }
  if (state.state === 'open|filtered') {
    const reason = 'no UDP answer: nmap cannot tell an open UDP port from a filtered one without a reply';
    return [declared('not_tested', reason, actual), protocol('not_tested', reason)];
  }
  const reason = `no answer from the declared port (${state.state}, ${state.reason}); the scanner's address may not be allowed through the firewall`;
  return [declared('error', reason, actual), protocol('error', reason)];
}

function judgeProtocol(
  flow: Flow,
  port: NmapPort | undefined,
  sweep: SweepFact,
  protocol: (status: Finding['status'], reason: string, seen?: string, raw?: string) => Finding,
): Finding {
  if (!sweep.plan.serviceDetection) return protocol('not_tested', 'service detection (-sV) was turned off in scan settings');
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

function serviceRaw(port: NmapPort): string | undefined {
  const service = port.service;
  if (!service) return undefined;
  const parts = [
    service.name && `name=${service.name}`,
    service.tunnel && `tunnel=${service.tunnel}`,
    service.product && `product=${service.product}`,
    service.version && `version=${service.version}`,
    service.extraInfo && `extrainfo=${service.extraInfo}`,
    service.method && `method=${service.method}`,
    service.fingerprint && `fingerprint=${service.fingerprint}`,
  ];
  return parts.filter(Boolean).join(' ');
}
