import { expect, it } from 'vitest';
import { judgeFiltering, observeFiltering, type FilteringFacts } from '../../probes/firewall/judge.ts';
import { judgeTable } from '../helpers/judge-table.ts';
import { nmapHost as host, type ExtraSpec, type PortSpec } from '../helpers/nmap-host.ts';

const open = (port: number): PortSpec => [port, 'open', 'syn-ack'];
const facts = (ports: PortSpec[] | undefined, extra: ExtraSpec[] = [], failure?: string): FilteringFacts => ({
  target: { gateway: 'gw', host: '192.0.2.1' },
  declaredTcp: [22, 443],
  ...(ports ? { host: host(ports, extra) } : {}),
  ...(failure ? { failure } : {}),
  source: { name: 'nmap 7.93 -sS', time: '2026-11-30T10:00:00.000Z', artefact: 'evidence/nmap-sweep.xml' },
});
const resets = (count: number): ExtraSpec => ({ state: 'closed', reason: 'reset', count, proto: 'tcp' });
const drops = (count: number, reason = 'no-response'): ExtraSpec => ({ state: 'filtered', reason, count, proto: 'tcp' });
const sshReached = { port: 22, transport: 'tcp', probe: 'ssh', protocol: 'ssh', proof: 'its SSH identification' } as const;
const rateLimited = (reached: FilteringFacts['reached']): FilteringFacts => ({ ...facts([], [drops(1024)]), reached });

judgeTable('firewall.filtering', {
  judge: (f: FilteringFacts, t: { minFilteredShare: number }) => [judgeFiltering(f, t)],
  thresholds: { minFilteredShare: 0.9 },
  now: new Date('2026-11-30T10:00:00Z'),
  valid: [
    { name: 'a rate-limited gateway the SSH probe reached', facts: rateLimited([sshReached]) },
    { name: 'undeclared ports dropped', facts: facts([open(22), open(443)], [drops(1022)]) },
    { name: 'undeclared ports refused with ICMP admin-prohibited', facts: facts([open(443)], [drops(1023, 'admin-prohibited')]) },
    { name: 'a share just at the threshold', facts: facts([open(443)], [drops(90), resets(10)]) },
    {
      name: 'a lower share with a laxer profile',
      facts: facts([open(443)], [drops(60), resets(40)]),
      thresholds: { minFilteredShare: 0.5 },
    },
  ],
  invalid: [
    {
      name: 'undeclared ports reset',
      facts: facts([open(443)], [resets(1023)]),
      verdicts: [{ id: 'firewall.filtering', status: 'fail', params: { filtered: 0, reset: 1023 } }],
    },
    {
      name: 'a share just below the threshold',
      facts: facts([open(443)], [drops(89), resets(11)]),
      verdicts: [{ id: 'firewall.filtering', status: 'fail', params: { share: '89.0%' } }],
    },
    {
      name: 'silence on every port, declared ones too',
      facts: facts([], [drops(1024)]),
      verdicts: [{ id: 'firewall.filtering', status: 'error', params: { reason: /answered on no port/ } }],
    },
    {
      name: 'silence on every port, but the SSH probe completed on 22 before the sweep (a rate limit it used up)',
      facts: rateLimited([sshReached]),
      verdicts: [
        {
          id: 'firewall.filtering',
          status: 'pass',
          params: { filtered: 1024, total: 1024 },
          actual: /the sweep heard no answer, but the ssh probe received its SSH identification on 22\/tcp$/,
        },
      ],
    },
    {
      name: 'silence on every port; only a UDP exchange reached the gateway, which says nothing of TCP filtering',
      facts: rateLimited([{ port: 161, transport: 'udp', probe: 'snmp', protocol: 'snmp', proof: 'an SNMP response' }]),
      verdicts: [{ id: 'firewall.filtering', status: 'error', params: { reason: /answered on no port/ } }],
    },
    {
      name: 'silence on every port and no probe reached it',
      facts: rateLimited([]),
      verdicts: [{ id: 'firewall.filtering', status: 'error', params: { reason: /answered on no port/ } }],
    },
    {
      name: 'silence plus host-unreachable from a router',
      facts: facts([], [drops(1000), drops(24, 'host-unreach')]),
      verdicts: [{ id: 'firewall.filtering', status: 'error' }],
    },
    {
      name: 'sweep unreadable',
      facts: facts(undefined, [], 'nmap XML is malformed'),
      verdicts: [{ id: 'firewall.filtering', status: 'error', params: { reason: 'nmap XML is malformed' } }],
    },
    { name: 'no host record', facts: facts(undefined), verdicts: [{ id: 'firewall.filtering', status: 'error' }] },
    {
      name: 'closed for no-response is not a drop',
      facts: facts([open(443)], [{ state: 'closed', reason: 'no-response', count: 1023, proto: 'tcp' }]),
      verdicts: [{ id: 'firewall.filtering', status: 'fail' }],
    },
    {
      name: 'a reason named __proto__ is not a filter',
      facts: facts([open(443)], [drops(1023, '__proto__')]),
      verdicts: [{ id: 'firewall.filtering', status: 'fail' }],
    },
    {
      name: 'only declared ports swept',
      facts: facts([open(22), open(443)]),
      verdicts: [{ id: 'firewall.filtering', status: 'not_tested', params: { reason: /widen scan.tcpPorts/ } }],
    },
    {
      name: 'UDP silence does not count for TCP filtering',
      facts: facts([open(443)], [resets(1023), { state: 'open|filtered', reason: 'no-response', count: 60000, proto: 'udp' }]),
      verdicts: [{ id: 'firewall.filtering', status: 'fail' }],
    },
    {
      name: 'names at most 50 reset ports, however many nmap lists one by one',
      facts: facts([open(443), ...Array.from({ length: 5000 }, (_, i): PortSpec => [i + 1000, 'closed', 'reset'])]),
      verdicts: [{ id: 'firewall.filtering', status: 'fail', params: { resetList: /^ \([^)]{1,90}, …\)$/ } }],
    },
  ],
});

it('observes the external firewall verdict and its counts, and nothing for a sweep it could not judge', () => {
  expect(observeFiltering(facts([open(443)], [drops(97), resets(3)]), { minFilteredShare: 0.9 })).toEqual([
    { kind: 'firewall', gateway: 'gw', view: 'external', verdict: 'pass', detail: '97 of 100 undeclared TCP ports filtered' },
  ]);
  expect(observeFiltering(facts(undefined, [], 'unreadable'), { minFilteredShare: 0.9 })).toEqual([]);
});
