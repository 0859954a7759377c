import { gatewayAnswered } from '../../src/facts/sweep-reading.ts';
import type { Evidence, FindingTarget } from '../../src/findings.ts';
import { clipServiceField, type NmapHost } from '../../src/nmap/parse.ts';
import type { Verdict } from '../../src/probe/contract.ts';
import type { AmplifierQuery } from './gather-amplifiers.ts';
import { RECURSION_QUERY_NAME } from './gather-amplifiers.ts';
import type { ExposureFindingId } from './findings.ts';
import type { ExposureFacts } from './gather.ts';

type ExposureVerdict = Verdict<ExposureFindingId>;
type Plan = NonNullable<ExposureFacts['plan']>;
type BaseEvidence = Omit<Evidence, 'time'> & { time?: string };

/** Whether the sweep covered UDP at all: it needs raw sockets (root, or nmap with NET_RAW) and at least one UDP port. */
export const sweptUdp = (plan: Plan): boolean => plan.privileged && Boolean(plan.udpPorts);

/** What the sweep covered, in words a reader can check against the nmap XML: "T:1-65535 U:top 100 + 53". */
export function describeSwept(plan: Plan): string {
  if (!sweptUdp(plan)) return `T:${plan.tcpPorts}`;
  const top = plan.udpTop ?? 0;
  if (top === 0) return `T:${plan.tcpPorts} U:${plan.udpPorts}`;
  return `T:${plan.tcpPorts} U:top ${top}${plan.udpNamed ? ` + ${plan.udpNamed}` : ''}`;
}

/** UDP ports nmap had no reply from: open|filtered is neither open nor closed, and the pass messages say so. */
export function unansweredUdp(host: NmapHost): number {
  const listed = host.ports.filter((p) => p.protocol === 'udp' && p.state === 'open|filtered').length;
  const summed = host.extraPorts.filter((e) => e.state === 'open|filtered').reduce((sum, e) => sum + e.count, 0);
  return listed + summed;
}

export function describeUnanswered(plan: Plan, host: NmapHost): string {
  if (!sweptUdp(plan)) return plan.privileged ? '' : ' (no UDP: UDP sweeps need raw sockets)';
  const count = unansweredUdp(host);
  if (count === 0) return '';
  return (
    `; ${count} UDP port${count === 1 ? '' : 's'} gave no reply (open|filtered): ` +
    'a service may listen there unseen, so this is no proof that nothing does'
  );
}

/** UDP services known to reflect far more than they receive, by the name nmap gives an open port. */
const AMPLIFYING_SERVICES: ReadonlyMap<string, string> = new Map([
  ['upnp', 'SSDP (UPnP discovery)'],
  ['ssdp', 'SSDP (UPnP discovery)'],
  ['memcache', 'memcached'],
  ['memcached', 'memcached'],
  ['ldap', 'CLDAP (connectionless LDAP)'],
  ['cldap', 'CLDAP (connectionless LDAP)'],
  ['chargen', 'chargen'],
  ['qotd', 'QOTD'],
]);

const QUERY_SERVICE: Record<AmplifierQuery['kind'], string> = {
  'dns-recursion': 'DNS with open recursion',
  'ntp-mode6': 'NTP answering mode 6 control queries',
};

const QUERY_ASKED: Record<AmplifierQuery['kind'], string> = {
  'dns-recursion': `a recursive query for ${RECURSION_QUERY_NAME}`,
  'ntp-mode6': 'an NTP mode 6 READVAR',
};

/**
 * Amplification-prone UDP services: those nmap found open under a name known to amplify, and those that
 * answered cocoscan's own bounded question (DNS recursion, NTP mode 6) with what an attacker would use.
 */
export function judgeAmplifiers(target: FindingTarget, facts: ExposureFacts, host: NmapHost, plan: Plan, base: BaseEvidence) {
  const swept = describeSwept(plan);
  const expected = 'no UDP service that answers small queries with large replies to any source';
  if (!sweptUdp(plan)) {
    const reason = plan.privileged
      ? 'the sweep covered no UDP port (udpTopPorts is 0 and no UDP port is declared or listed)'
      : 'UDP scanning needs raw sockets: run cocoscan as root (or its container with NET_RAW) to sweep UDP';
    return [{ id: 'exposure.udp-amplifier', target, status: 'not_tested', params: { reason }, evidence: base } satisfies ExposureVerdict];
  }
  if (!gatewayAnswered(host)) {
    const reason = 'the gateway did not answer on any swept port, so the absence of UDP services proves nothing';
    return [{ id: 'exposure.udp-amplifier', target, status: 'error', params: { reason }, evidence: base } satisfies ExposureVerdict];
  }
  const verdicts: ExposureVerdict[] = [];
  const fail = (port: number, service: string, how: string, actual: string, raw?: string): ExposureVerdict => ({
    id: 'exposure.udp-amplifier',
    target: { ...target, port, transport: 'udp' },
    status: 'fail',
    params: { host: target.host, port, service, how },
    evidence: { ...base, expected, actual, ...(raw ? { raw } : {}) },
    data: { port, transport: 'udp', service },
  });
  for (const port of host.ports) {
    if (port.protocol !== 'udp' || port.state !== 'open' || port.service?.name === undefined) continue;
    const service = AMPLIFYING_SERVICES.get(port.service.name);
    if (service === undefined) continue;
    const seen = `nmap found ${port.port}/udp open (${clipServiceField(port.reason)}) as ${clipServiceField(port.service.name)}`;
    verdicts.push(fail(port.port, service, seen, seen));
  }
  const queries = facts.amplifierQueries ?? [];
  for (const query of queries) {
    if (query.failure !== undefined) {
      verdicts.push({
        id: 'exposure.udp-amplifier',
        target: { ...target, port: query.port, transport: 'udp' },
        status: 'error',
        params: { reason: `${QUERY_ASKED[query.kind]} to ${query.port}/udp could not be sent: ${query.failure}` },
        evidence: { ...base, expected, actual: query.failure },
      });
    } else if (query.amplifies) {
      const how = `${query.detail ?? 'answered'}: ${query.replyBytes ?? 0} bytes back for ${query.sentBytes} sent to ${QUERY_ASKED[query.kind]}`;
      verdicts.push(fail(query.port, QUERY_SERVICE[query.kind], how, how));
    }
  }
  if (verdicts.length > 0) return verdicts;
  const asked = queries.map((q) => `${q.port}/udp: ${q.replyBytes === undefined ? 'no reply' : (q.detail ?? 'answered')}`);
  const checked = asked.length > 0 ? `; asked ${asked.join(', ')}` : '';
  return [
    {
      id: 'exposure.udp-amplifier',
      target,
      status: 'pass',
      params: { host: target.host, swept, checked, unanswered: describeUnanswered(plan, host) },
      evidence: { ...base, expected, actual: `no amplification-prone UDP service answered among ${swept}${checked}` },
    } satisfies ExposureVerdict,
  ];
}
