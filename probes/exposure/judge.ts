import type { Flow } from '../../src/connection/schema.ts';
import { restrictedByDesign, scannerAmong } from '../../src/facts/scanner-address.ts';
import { gatewayAnswered, reachedProof } from '../../src/facts/sweep-reading.ts';
import type { ReachedPort } from '../../src/facts/shared.ts';
import type { Evidence, FindingStatus, FindingTarget } from '../../src/findings.ts';
import type { Observation } from '../../src/history/observation.ts';
import { clipServiceField, describeService, portStateOf, type NmapHost, type NmapPort, type NmapService } from '../../src/nmap/parse.ts';
import { compressPorts } from '../../src/nmap/ports.ts';
import { matchProtocol, serviceIdentified } from '../../src/nmap/protocols.ts';
import type { Verdict } from '../../src/probe/contract.ts';
import type { ExposureFindingId } from './findings.ts';
import type { ExposureFacts } from './gather.ts';
import { describeSwept, describeUnanswered, judgeAmplifiers } from './judge-udp.ts';

export type { ExposureFacts } from './gather.ts';
type ExposureVerdict = Verdict<ExposureFindingId>;
type Plan = NonNullable<ExposureFacts['plan']>;

/** Undeclared open ports that get a finding each; the rest of a flood are summed up in one more finding. */
export const MAX_UNDECLARED_LISTED = 200;
/** Longest port list quoted in the summary of a flood of open ports. */
export const MAX_PORT_LIST_CHARS = 400;

type BaseEvidence = Omit<Evidence, 'time'> & { time?: string };

function baseEvidence(facts: ExposureFacts): BaseEvidence {
  const { name, time, artefact, udpArtefact, serviceArtefact } = facts.source;
  const artefacts = [artefact, serviceArtefact, udpArtefact].filter((a) => a !== undefined);
  return { source: name, time, ...(artefacts.length > 0 ? { artefacts } : {}) };
}

const flowTarget = (gatewayTarget: FindingTarget, flow: Flow): FindingTarget => ({
  ...gatewayTarget,
  port: flow.port,
  transport: flow.transport,
  flow: flow.name,
});

function sweepErrorFindings(reason: string, flows: Flow[], gatewayTarget: FindingTarget, base: BaseEvidence): ExposureVerdict[] {
  return [
    { id: 'exposure.undeclared-port', target: gatewayTarget, status: 'error', params: { reason }, evidence: base },
    { id: 'exposure.udp-amplifier', target: gatewayTarget, status: 'error', params: { reason }, evidence: base },
    ...flows.flatMap((flow): ExposureVerdict[] => {
      const target = flowTarget(gatewayTarget, flow);
      return [
        { id: 'exposure.declared-port', target, status: 'error', params: { reason }, evidence: base },
        { id: 'exposure.protocol-match', target, status: 'error', params: { reason }, evidence: base },
      ];
    }),
  ];
}

/** The open ports no flow declares, in the order nmap listed them. */
function undeclaredOpen(host: NmapHost, flows: Flow[]): NmapPort[] {
  const declared = new Set(flows.map((f) => `${f.port}/${f.transport}`));
  return host.ports.filter((p) => p.state === 'open' && !declared.has(`${p.port}/${p.protocol}`));
}

/**
 * The open ports of a sweep, for comparison with a later run: each undeclared open port listed one by one and
 * each declared flow found open, all described alike (adding or removing a flow changes no service), with nmap's
 * name for the service and whether service detection identified it. The ports of a flood beyond
 * MAX_UNDECLARED_LISTED are only counted in the summary finding, so they are not observed.
 */
export function observeExposure(facts: ExposureFacts): Observation[] {
  if (facts.failure || !facts.host || !facts.plan) return [];
  const { host, plan } = facts;
  // A gateway that answered nothing was not seen, so its ports are not known closed (judgeUndeclared says error).
  if (!gatewayAnswered(host) && !reachedProof(facts.reached)) return [];
  const gateway = facts.target.gateway;
  const swept: Observation = { kind: 'swept', gateway, tcp: plan.tcpPorts, udp: plan.privileged ? (plan.udpPorts ?? '') : '' };
  const seen = new Map<string, Observation>();
  const add = (port: number, transport: 'tcp' | 'udp', found: NmapPort | undefined) => {
    const name = found?.service?.name;
    seen.set(`${port}/${transport}`, {
      kind: 'open-port',
      gateway,
      port,
      transport,
      service: found ? describeService(found.service) : 'open',
      ...(name !== undefined ? { name: clipServiceField(name) } : {}),
      identified: serviceIdentified(found?.service),
    });
  };
  for (const port of undeclaredOpen(host, facts.flows).slice(0, MAX_UNDECLARED_LISTED)) add(port.port, port.protocol, port);
  for (const flow of facts.flows) {
    const state = portStateOf(host, flow.transport, flow.port);
    if (state?.state === 'open') add(flow.port, flow.transport, state.port);
  }
  return [...seen.values(), swept];
}

/**
 * Judges one gateway's sweep against the declared flows. Pure: the same facts always give the same findings.
 * A sweep that failed, did not finish or has no host record is `error` everywhere, never a clean pass.
 */
export function judgeExposure(facts: ExposureFacts): ExposureVerdict[] {
  const { target: gatewayTarget, flows } = facts;
  const base = baseEvidence(facts);
  if (facts.failure || !facts.host || !facts.plan)
    return sweepErrorFindings(facts.failure ?? 'nmap returned no host record', flows, gatewayTarget, base);
  const { host, plan } = facts;
  const reached = facts.reached ?? [];
  return [
    ...judgeUndeclared(gatewayTarget, host, flows, plan, base, reached),
    ...judgeAmplifiers(gatewayTarget, facts, host, plan, base),
    ...flows.flatMap((flow) =>
      judgeFlow(
        flowTarget(gatewayTarget, flow),
        flow,
        host,
        plan,
        base,
        reached,
        facts.snmpAnswer,
        scannerAmong(flow.sources, facts.scannerAddress),
      ),
    ),
  ];
}

function judgeUndeclared(
  target: FindingTarget,
  host: NmapHost,
  flows: Flow[],
  plan: Plan,
  base: BaseEvidence,
  reached: readonly ReachedPort[],
): ExposureVerdict[] {
  const declared = new Set(flows.map((f) => `${f.port}/${f.transport}`));
  const undeclared = undeclaredOpen(host, flows);
  const expected = `open ports limited to the declared flows: ${[...declared].join(', ')}`;
  const answeredProbe = undeclaredReachedUdp(host, flows, reached).map((r) => reachedVerdict(target, host, r, expected, base));
  if (undeclared.length === 0 && answeredProbe.length > 0) return answeredProbe;
  if (undeclared.length > 0) {
    const listed = undeclared.slice(0, MAX_UNDECLARED_LISTED);
    const findings = listed.map((port): ExposureVerdict => ({
      id: 'exposure.undeclared-port',
      target: { ...target, port: port.port, transport: port.protocol },
      status: 'fail',
      params: {
        what: `port ${port.port}/${port.protocol} is`,
        host: target.host,
        port: port.port,
        transport: port.protocol,
        service: describeService(port.service),
      },
      evidence: {
        ...base,
        expected,
        actual: `${port.port}/${port.protocol} open (${clipServiceField(port.reason)})`,
        raw: serviceRaw(port),
      },
      data: { port: port.port, transport: port.protocol, service: serviceData(port.service) },
    }));
    const rest = undeclared.slice(MAX_UNDECLARED_LISTED);
    if (rest.length > 0) findings.push(summariseRest(target, rest, listed.length, expected, base));
    return [...findings, ...answeredProbe];
  }
  const proof = gatewayAnswered(host) ? undefined : reachedProof(reached);
  if (!gatewayAnswered(host) && !proof) {
    return [
      {
        id: 'exposure.undeclared-port',
        target,
        status: 'error',
        params: {
          reason:
            'the gateway did not answer on any swept port, so the absence of open ports proves nothing ' +
            '(it may be unreachable from this scanner)',
        },
        evidence: { ...base, expected, actual: 'no response on any port' },
      },
    ];
  }
  const swept = describeSwept(plan);
  const unanswered = describeUnanswered(plan, host);
  const answering = flows.filter((flow) => answers(host, flow, reached)).map((f) => `${f.port}/${f.transport}`);
  const silent = [...declared].filter((port) => !answering.includes(port));
  const heard = proof ? `; the sweep heard no answer, but ${proof}` : '';
  return [
    {
      id: 'exposure.undeclared-port',
      target,
      status: 'pass',
      params: {
        host: target.host,
        declared: answering.length > 0 ? [...new Set(answering)].join(', ') : 'none of them open',
        silent: silent.length > 0 ? `; declared but not seen open: ${silent.join(', ')}` : '',
        swept,
        unanswered,
      },
      evidence: { ...base, expected, actual: `no undeclared port open among ${swept}${unanswered}${heard}` },
    },
  ];
}

/**
 * UDP ports no flow declares where a probe of this run had an answer (an IKE responder on 4500, say) and the sweep did
 * not list them open (not swept, or open|filtered to nmap's payload): an answering service all the same.
 */
function undeclaredReachedUdp(host: NmapHost, flows: Flow[], reached: readonly ReachedPort[]): ReachedPort[] {
  const declared = new Set(flows.map((f) => `${f.port}/${f.transport}`));
  const seen = new Set<string>();
  return reached.filter((r) => {
    const key = `${r.port}/${r.transport}`;
    if (r.transport !== 'udp' || declared.has(key) || seen.has(key) || portStateOf(host, 'udp', r.port)?.state === 'open') return false;
    seen.add(key);
    return true;
  });
}

function reachedVerdict(target: FindingTarget, host: NmapHost, r: ReachedPort, expected: string, base: BaseEvidence): ExposureVerdict {
  const swept = portStateOf(host, 'udp', r.port)?.state;
  const service = `${r.protocol} (the ${r.probe} probe received ${r.proof} there${swept ? `; nmap saw it ${swept}` : '; not in the sweep'})`;
  return {
    id: 'exposure.undeclared-port',
    target: { ...target, port: r.port, transport: 'udp' },
    status: 'fail',
    params: { what: `port ${r.port}/udp is`, host: target.host, port: r.port, transport: 'udp', service },
    evidence: { ...base, expected, actual: `${r.port}/udp answered the ${r.probe} probe: ${r.proof}` },
    data: { port: r.port, transport: 'udp', service: { name: r.protocol, probe: r.probe } },
  };
}

/** The exchange another probe completed on the flow's port, if any. */
function reachedAt(reached: readonly ReachedPort[], flow: Flow): ReachedPort | undefined {
  return reached.find((r) => r.port === flow.port && r.transport === flow.transport);
}

/** Whether the declared flow's port answers: open in the sweep, or reached by another probe of the run. */
function answers(host: NmapHost, flow: Flow, reached: readonly ReachedPort[]): boolean {
  return portStateOf(host, flow.transport, flow.port)?.state === 'open' || reachedAt(reached, flow) !== undefined;
}

/** One finding for the undeclared open ports beyond the first MAX_UNDECLARED_LISTED: a tarpit must not flood the report. */
function summariseRest(
  target: FindingTarget,
  rest: NmapPort[],
  listedCount: number,
  expected: string,
  base: BaseEvidence,
): ExposureVerdict {
  const byProtocol = (['tcp', 'udp'] as const)
    .map((protocol) => ({ protocol, ports: rest.filter((p) => p.protocol === protocol).map((p) => p.port) }))
    .filter((group) => group.ports.length > 0)
    .map((group) => `${compressPorts(group.ports)}/${group.protocol}`)
    .join(' ');
  const ports = byProtocol.length <= MAX_PORT_LIST_CHARS ? byProtocol : `${byProtocol.slice(0, MAX_PORT_LIST_CHARS)}…`;
  const what = `ports ${ports} are`;
  const service =
    `${rest.length} more undeclared open ports besides the ${listedCount} listed one by one ` +
    `(… and ${rest.length} more); every port is in the nmap XML`;
  return {
    id: 'exposure.undeclared-port',
    target,
    status: 'fail',
    params: { what, host: target.host, service },
    evidence: {
      ...base,
      expected,
      actual: `${listedCount + rest.length} undeclared ports open; ${rest.length} beyond the first ${listedCount}: ${ports}`,
    },
    data: { moreOpenPorts: rest.length, listedOpenPorts: listedCount },
  };
}

function judgeFlow(
  target: FindingTarget,
  flow: Flow,
  host: NmapHost,
  plan: Plan,
  base: BaseEvidence,
  reached: readonly ReachedPort[],
  snmpAnswer?: ExposureFacts['snmpAnswer'],
  scannerAllowed = false,
): ExposureVerdict[] {
  const params = { flow: flow.name, port: flow.port, transport: flow.transport, host: target.host, protocol: flow.protocol };
  const expected = `${flow.protocol} answering on ${flow.port}/${flow.transport}`;
  const declared = (status: FindingStatus, reason: string, actual: string): ExposureVerdict => {
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
  const protocol = (status: FindingStatus, reason: string, seen = 'nothing', raw?: string): ExposureVerdict => ({
    id: 'exposure.protocol-match',
    target,
    status,
    params: { ...params, reason, seen },
    evidence: { ...base, expected: `a ${flow.protocol} service`, actual: seen, raw },
  });

  if (flow.transport === 'udp' && !plan.privileged) {
    const reason = 'UDP scanning needs raw sockets: run cocoscan as root (or its container with NET_RAW) to test UDP flows';
    return [declared('not_tested', reason, 'not scanned'), protocol('not_tested', reason)];
  }
  const state = portStateOf(host, flow.transport, flow.port);
  if (!state) {
    const reason = `nmap reported nothing for ${flow.port}/${flow.transport}${host.timedOut ? ' (the host timed out)' : ''}`;
    return [declared('error', reason, 'no result'), protocol('error', reason)];
  }
  const actual = `${state.state} (${clipServiceField(state.reason)})`;
  const exchange = reachedAt(reached, flow);
  if (state.state === 'open') {
    return [declared('pass', 'open', actual), judgeProtocol(flow, state.port, plan, protocol, snmpAnswer, exchange)];
  }
  if (exchange) {
    // The probe's completed exchange outweighs what the sweep saw later (a rate limit the probes used up).
    const heard = `${actual} to nmap, but the ${exchange.probe} probe received ${exchange.proof} there`;
    const seen = `${exchange.protocol} (cocoscan ${exchange.probe} probe)`;
    return [
      declared('pass', 'open', heard),
      exchange.protocol === flow.protocol
        ? protocol('pass', 'matches', seen)
        : protocol('not_tested', `nmap saw the port ${state.state}; the ${exchange.probe} probe found ${exchange.protocol} there`, seen),
    ];
  }
  if (flow.sources && flow.sources.length > 0 && !scannerAllowed) {
    // Not reaching a flow open only to given sources is what its firewall should do; the host ruleset is the evidence.
    const reason = `${restrictedByDesign(flow.sources)}; the ruleset, when read, is the evidence (the sweep saw ${state.state})`;
    return [declared('not_applicable', reason, actual), protocol('not_applicable', reason)];
  }
  if (state.state === 'closed') {
    const reason = `the gateway refused the connection (${clipServiceField(state.reason)}): nothing listens on the declared port`;
    return [declared('fail', reason, actual), protocol('not_tested', 'the declared port is closed, so there was nothing to identify')];
  }
  if (state.state === 'open|filtered') {
    const reason = 'no UDP answer: nmap cannot tell an open UDP port from a filtered one without a reply';
    return [declared('not_tested', reason, actual), protocol('not_tested', reason)];
  }
  const reason =
    `no answer from the declared port (${state.state}, ${clipServiceField(state.reason)}); ` +
    "the scanner's address may not be allowed through the firewall";
  return [declared('error', reason, actual), protocol('error', reason)];
}

function judgeProtocol(
  flow: Flow,
  port: NmapPort | undefined,
  plan: Plan,
  protocol: (status: FindingStatus, reason: string, seen?: string, raw?: string) => ExposureVerdict,
  snmpAnswer?: ExposureFacts['snmpAnswer'],
  exchange?: ReachedPort,
): ExposureVerdict {
  if (!plan.serviceDetection) return protocol('not_tested', 'service detection (-sV) was turned off in scan settings');
  const match = matchProtocol(flow.protocol, port?.service);
  const seen = describeService(port?.service);
  // nmap's -sV comes after the probes: a rate limit they used up leaves it nothing to read; the probe's exchange is the proof.
  if (match.verdict === 'unidentified' && exchange?.protocol === flow.protocol)
    return protocol('pass', 'matches', `${seen}; ${exchange.protocol} (cocoscan ${exchange.probe} probe: ${exchange.proof})`);
  // nmap's SNMP probes use community "public"; an agent with another community answers cocoscan's SNMP probe only.
  if (match.verdict === 'unidentified' && flow.protocol === 'snmp' && flow.transport === 'udp' && snmpAnswer?.port === flow.port)
    return protocol('pass', 'matches', `${seen}; ${snmpAnswer.evidence}`, port ? serviceRaw(port) : undefined);
  switch (match.verdict) {
    case 'match':
      return protocol('pass', 'matches', seen);
    case 'mismatch':
      return protocol('fail', 'mismatch', seen, port ? serviceRaw(port) : undefined);
    case 'unknown-protocol':
      return protocol('not_tested', `cocoscan has no service signature for protocol "${flow.protocol}"`, seen);
    case 'unidentified': {
      const unnamed = flow.transport === 'udp' ? undefined : plan.unnamedPorts?.find((p) => p.port === flow.port);
      return protocol(
        'not_tested',
        plan.serviceDetectionFailure
          ? `nmap's service detection named nothing on this gateway: ${plan.serviceDetectionFailure}`
          : unnamed
            ? `nmap's service detection named no service on port ${flow.port}: ${unnamed.reason}`
            : `nmap could not identify the service (${seen})`,
        seen,
        port ? serviceRaw(port) : undefined,
      );
    }
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
