import type { Verdict } from '../../src/probe/contract.ts';
import { portStateOf } from '../../src/nmap/parse.ts';
import { compressPorts } from '../../src/nmap/ports.ts';
import type { FIREWALL_FINDINGS } from './findings.ts';
import type { FilteringFacts } from './gather.ts';

type FirewallFindingId = keyof typeof FIREWALL_FINDINGS;

/**
 * A TCP port a probe of the run completed an exchange on, but that nmap saw silent, is rate limited (or the
 * gateway tells scanners apart): the sweep's view of it is not the gateway's. Pure. Informational: the
 * exposure verdicts already take the probe's word for such a port.
 */
export function judgeRateLimit(facts: FilteringFacts): Verdict<FirewallFindingId> {
  const { name, time, artefact } = facts.source;
  const base = { source: name, time, ...(artefact ? { artefacts: [artefact] } : {}) };
  const expected = 'every port a probe reached answers the sweep too';
  const target = facts.target;
  if (facts.failure || !facts.host) {
    const reason = facts.failure ?? 'no host record';
    return { id: 'firewall.rate-limit', target, status: 'error', params: { reason }, evidence: { ...base, expected } };
  }
  const host = facts.host;
  const reached = (facts.reached ?? []).filter((r) => r.transport === 'tcp');
  if (reached.length === 0) {
    const reason = "no probe of this run completed an exchange on a TCP port, so there is nothing to set against the sweep's view";
    return { id: 'firewall.rate-limit', target, status: 'not_applicable', params: { reason }, evidence: { ...base, expected } };
  }
  // Open to discovery, then silent when nmap came back for -sV while the probes ran: the limit the probes used up.
  const recheck = new Map((facts.rechecked ?? []).map((p) => [p.port, p]));
  const droppedLater = (port: number) => {
    const again = recheck.get(port);
    return portStateOf(host, 'tcp', port)?.state === 'open' && again?.state === 'filtered' ? again : undefined;
  };
  const hidden = reached.filter((r) => portStateOf(host, 'tcp', r.port)?.state !== 'open' || droppedLater(r.port));
  const ports = (list: typeof reached) => compressPorts([...new Set(list.map((r) => r.port))]);
  if (hidden.length === 0) {
    const all = ports(reached);
    return {
      id: 'firewall.rate-limit',
      target,
      status: 'pass',
      params: { host: target.host, ports: all },
      evidence: { ...base, expected, actual: `${all} open to nmap and reached by cocoscan's probes` },
    };
  }
  const proof = [...new Set(hidden.map((r) => `the ${r.probe} probe received ${r.proof} on ${r.port}/tcp`))].join('; ');
  const seen = hidden.map((r) => {
    const later = droppedLater(r.port);
    if (later) return `${r.port}/tcp open to nmap's discovery, then ${later.state} (${later.reason}) to its service detection`;
    const state = portStateOf(host, 'tcp', r.port);
    return `${r.port}/tcp ${state ? `${state.state} (${state.reason})` : 'not reported'} to nmap`;
  });
  const effect = hidden.every((r) => droppedLater(r.port))
    ? "dropped nmap's service detection after cocoscan's probes, so what speaks there is named by those probes"
    : "hides these ports from the sweep, so their verdicts rest on cocoscan's own probes";
  return {
    id: 'firewall.rate-limit',
    target,
    status: 'fail',
    params: { host: target.host, ports: ports(hidden), proof, effect },
    evidence: { ...base, expected, actual: `${[...new Set(seen)].join(', ')}; ${proof}` },
    data: { hiddenPorts: [...new Set(hidden.map((r) => r.port))] },
  };
}
