import type { FilteringFacts } from '../../probes/firewall/judge.ts';
import { judgeRateLimit } from '../../probes/firewall/rate-limit.ts';
import type { ReachedPort } from '../../src/facts/shared.ts';
import { judgeTable } from '../helpers/judge-table.ts';
import { nmapHost as host, type ExtraSpec, type PortSpec } from '../helpers/nmap-host.ts';

const drops = (count: number, ports?: string): ExtraSpec => ({ state: 'filtered', reason: 'no-response', count, proto: 'tcp', ports });
const reach = (port: number, probe = 'ssh', transport: 'tcp' | 'udp' = 'tcp'): ReachedPort => ({
  port,
  transport,
  probe,
  protocol: probe,
  proof: probe === 'ssh' ? 'its SSH identification' : 'a TLS handshake',
});
const facts = (ports: PortSpec[] | undefined, extra: ExtraSpec[], reached: ReachedPort[], failure?: string): FilteringFacts => ({
  target: { gateway: 'gw', host: '192.0.2.1' },
  declaredTcp: [22, 443],
  ...(ports ? { host: host(ports, extra) } : {}),
  ...(failure ? { failure } : {}),
  source: { name: 'nmap 7.93 -sS', time: '2026-11-30T10:00:00.000Z', artefact: 'evidence/nmap-sweep.xml' },
  reached,
});

judgeTable('firewall.rate-limit', {
  judge: (f: FilteringFacts) => [judgeRateLimit(f)],
  thresholds: {},
  now: new Date('2026-11-30T10:00:00Z'),
  valid: [
    { name: 'the port the SSH probe reached is open to nmap too', facts: facts([[22, 'open', 'syn-ack']], [drops(1023)], [reach(22)]) },
    {
      name: 'open to discovery and again to service detection',
      facts: {
        ...facts([[22, 'open', 'syn-ack']], [drops(1023)], [reach(22)]),
        rechecked: [{ port: 22, state: 'open', reason: 'syn-ack' }],
      },
    },
    {
      name: 'service detection gave no state for the port (it ran out of its budget): discovery decides',
      facts: { ...facts([[22, 'open', 'syn-ack']], [drops(1023)], [reach(22)]), rechecked: [] },
    },
    {
      name: 'closed when service detection came back (the service stopped): not a drop',
      facts: {
        ...facts([[22, 'open', 'syn-ack']], [drops(1023)], [reach(22)]),
        rechecked: [{ port: 22, state: 'closed', reason: 'reset' }],
      },
    },
    {
      name: 'a recheck of a port no probe reached is not compared',
      facts: {
        ...facts([[22, 'open', 'syn-ack']], [drops(1023)], [reach(22)]),
        rechecked: [
          { port: 80, state: 'filtered', reason: 'no-response' },
          { port: 22, state: 'open', reason: 'syn-ack' },
        ],
      },
    },
    { name: 'no probe reached a TCP port: nothing to compare', facts: facts([], [drops(1024)], []) },
    { name: 'only a UDP exchange: not a TCP comparison', facts: facts([], [drops(1024)], [reach(161, 'snmp', 'udp')]) },
  ],
  invalid: [
    {
      name: 'SSH reached on 22, nmap saw it filtered (a rate limit the probes used up)',
      facts: facts([[22, 'filtered', 'no-response']], [drops(1023)], [reach(22)]),
      verdicts: [
        {
          id: 'firewall.rate-limit',
          status: 'fail',
          params: { ports: '22', proof: 'the ssh probe received its SSH identification on 22/tcp' },
          actual: '22/tcp filtered (no-response) to nmap; the ssh probe received its SSH identification on 22/tcp',
        },
      ],
    },
    {
      name: 'open to discovery, dropped when nmap came back for -sV after the probes (a real limit rate 3/minute)',
      facts: {
        ...facts([[22, 'open', 'syn-ack']], [drops(1023)], [reach(22)]),
        rechecked: [{ port: 22, state: 'filtered', reason: 'no-response' }],
      },
      verdicts: [
        {
          id: 'firewall.rate-limit',
          status: 'fail',
          params: { ports: '22', effect: /^dropped nmap's service detection after cocoscan's probes/ },
          actual:
            "22/tcp open to nmap's discovery, then filtered (no-response) to its service detection; " +
            'the ssh probe received its SSH identification on 22/tcp',
        },
      ],
    },
    {
      name: 'one port hidden from discovery, another only from service detection: the sweep-level effect is named',
      facts: {
        ...facts(
          [
            [22, 'open', 'syn-ack'],
            [443, 'filtered', 'no-response'],
          ],
          [drops(1022)],
          [reach(22), reach(443, 'tls')],
        ),
        rechecked: [{ port: 22, state: 'filtered', reason: 'no-response' }],
      },
      verdicts: [{ id: 'firewall.rate-limit', status: 'fail', params: { ports: '22,443', effect: /^hides these ports from the sweep/ } }],
    },
    {
      name: 'reached ports folded into extraports, and a port nmap never reported',
      facts: facts([[80, 'closed', 'reset']], [drops(1000, '1-79,81-1000')], [reach(22), reach(22), reach(443, 'tls'), reach(8443, 'tls')]),
      verdicts: [
        {
          id: 'firewall.rate-limit',
          status: 'fail',
          params: { ports: '22,443,8443' },
          actual: /^22\/tcp filtered \(no-response\) to nmap, 443\/tcp filtered \(no-response\) to nmap, 8443\/tcp not reported to nmap;/,
        },
      ],
    },
    {
      name: 'one reached port open to nmap, another hidden: only the hidden one is named',
      facts: facts(
        [
          [22, 'open', 'syn-ack'],
          [443, 'filtered', 'no-response'],
        ],
        [drops(1022)],
        [reach(22), reach(443, 'tls')],
      ),
      verdicts: [
        { id: 'firewall.rate-limit', status: 'fail', params: { ports: '443', proof: 'the tls probe received a TLS handshake on 443/tcp' } },
      ],
    },
    {
      name: 'an unreadable sweep is an error, never a pass',
      facts: facts(undefined, [], [reach(22)], 'nmap XML is malformed'),
      verdicts: [{ id: 'firewall.rate-limit', status: 'error', params: { reason: 'nmap XML is malformed' } }],
    },
    {
      name: 'no host record',
      facts: facts(undefined, [], [reach(22)]),
      verdicts: [{ id: 'firewall.rate-limit', status: 'error', params: { reason: 'no host record' } }],
    },
    {
      name: 'nothing reached',
      facts: facts([], [drops(1024)], []),
      verdicts: [{ id: 'firewall.rate-limit', status: 'not_applicable', params: { reason: /no probe of this run/ } }],
    },
  ],
});
