import { describe, expect, it } from 'vitest';
import { snmpAnswerOf } from '../../probes/exposure/gather.ts';
import { localAddressTowards } from '../../src/facts/scanner-address.ts';
import { judgeExposure, MAX_UNDECLARED_LISTED, observeExposure, type ExposureFacts } from '../../probes/exposure/judge.ts';
import type { AmplifierQuery } from '../../probes/exposure/gather-amplifiers.ts';
import type { Flow } from '../../src/connection/schema.ts';
import { describeChange, diffStates } from '../../src/history/diff.ts';
import { observedState } from '../../src/history/state.ts';
import type { NmapService } from '../../src/nmap/parse.ts';
import { matchProtocol } from '../../src/nmap/protocols.ts';
import type { ReportFinding } from '../../src/report/schema.ts';
import { judgeTable } from '../helpers/judge-table.ts';
import exposureProbe from '../../probes/exposure/index.ts';
import { findingBuilder } from '../../src/probe/finding-builder.ts';
import { nmapHost as host, probedService as probed, type ExtraSpec, type PortSpec } from '../helpers/nmap-host.ts';

// The default sweep: TCP and the most common UDP services (here the first four of nmap's list).
const plan = { tcpPorts: '1-1024', udpPorts: '53,123,161,1900', udpTop: 4, udpNamed: '', privileged: true, serviceDetection: true };
const tcpOnly = { ...plan, udpPorts: '', udpTop: 0 };
const udpTop100 = { ...plan, udpPorts: '7,9,17,19,53', udpTop: 100, udpNamed: '53' };
const query = (kind: AmplifierQuery['kind'], port: number, more: Partial<AmplifierQuery> = {}): AmplifierQuery => ({
  kind,
  port,
  sentBytes: 50,
  ...more,
});
const flow = (protocol: string, port: number, transport: 'tcp' | 'udp' = 'tcp'): Flow => ({
  name: `${protocol}-flow`,
  protocol,
  port,
  transport,
});
const https = [flow('https', 443)];
const restricted = (...sources: string[]): Flow[] => [{ ...flow('https', 8443), sources }];
const sshOpen: PortSpec = [22, 'open', 'syn-ack', probed('ssh')];
const restrictedReason = (sources: string, seen: string) =>
  `restricted to ${sources} by design; the scanner is not among them; the ruleset, when read, is the evidence (the sweep saw ${seen})`;
const byDesign = (sources: string, seen: string) =>
  (['exposure.declared-port', 'exposure.protocol-match'] as const).map((id) => ({
    id,
    port: 8443,
    status: 'not_applicable' as const,
    params: { reason: restrictedReason(sources, seen) },
  }));
const sshReached = { port: 22, transport: 'tcp', probe: 'ssh', protocol: 'ssh', proof: 'its SSH identification' } as const;
const sshFlows = [flow('ssh', 22)];
const ikeReached = (port: number) => ({ port, transport: 'udp', probe: 'ike', protocol: 'ipsec', proof: 'an IKE answer' }) as const;
const dnsAndSsh = [flow('ssh', 22), flow('dns', 53, 'udp')];
const dropped = (count: number, ports?: string): ExtraSpec => ({ state: 'filtered', reason: 'no-response', count, proto: 'tcp', ports });

function facts(ports: PortSpec[] | undefined, extra: ExtraSpec[] = [], more: Partial<ExposureFacts> = {}): ExposureFacts {
  return {
    target: { gateway: 'gw', host: '192.0.2.1' },
    flows: https,
    plan,
    ...(ports ? { host: host(ports, extra) } : {}),
    source: { name: 'nmap 7.93 -sS -sV', time: '2026-11-30T10:00:00.000Z', artefact: 'evidence/gateways/gw/nmap-sweep.xml' },
    ...more,
  };
}
const httpsOpen: PortSpec = [443, 'open', 'syn-ack', probed('http', 'ssl')];
const every = (count: number, spec: (port: number) => PortSpec): PortSpec[] => Array.from({ length: count }, (_, i) => spec(i + 1));
const tarpit = facts(every(65535, (port) => [port, 'open', 'syn-ack', probed('tcpwrapped')]));
const longText = 'A'.repeat(100_000);
const longService: NmapService = {
  name: `http${longText}`,
  product: longText,
  version: longText,
  extraInfo: longText,
  method: 'probed',
  fingerprint: longText,
};
const allError = (reason: string | RegExp) =>
  (['exposure.undeclared-port', 'exposure.udp-amplifier', 'exposure.declared-port', 'exposure.protocol-match'] as const).map((id) => ({
    id,
    status: 'error' as const,
    params: { reason },
  }));

judgeTable('exposure', {
  judge: (f: ExposureFacts) => judgeExposure(f),
  thresholds: {},
  now: new Date('2026-11-30T10:00:00Z'),
  valid: [
    { name: 'declared https open, rest dropped', facts: facts([httpsOpen], [dropped(1023, '1-442,444-1024')]) },
    {
      name: 'declared https open, rest reset',
      facts: facts([httpsOpen], [{ state: 'closed', reason: 'reset', count: 1023, proto: 'tcp' }]),
    },
    {
      name: 'implicit-TLS FTP declared as ftps',
      facts: facts([[990, 'open', 'syn-ack', probed('ftp', 'ssl')]], [], { flows: [flow('ftps', 990)] }),
    },
    { name: 'https guessed from a proxy name with an ssl tunnel', facts: facts([[443, 'open', 'syn-ack', probed('http-proxy', 'ssl')]]) },
    { name: 'no flow declared and nothing open, the gateway resets', facts: facts([[1, 'closed', 'reset']], [], { flows: [] }) },
    {
      name: 'declared DNS over UDP and SSH, every other UDP port closed, DNS refuses recursion',
      facts: facts(
        [
          [22, 'open', 'syn-ack', probed('ssh')],
          [53, 'open', 'udp-response', probed('domain'), 'udp'],
        ],
        [{ state: 'closed', reason: 'port-unreach', count: 99, proto: 'udp' }],
        {
          flows: dnsAndSsh,
          plan: udpTop100,
          amplifierQueries: [query('dns-recursion', 53, { replyBytes: 50, detail: 'no recursion (RA clear), REFUSED', amplifies: false })],
        },
      ),
    },
  ],
  invalid: [
    {
      name: 'a flow restricted to 10.99.0.0/16 that the sweep saw filtered: not reachable by design',
      facts: facts([sshOpen, [8443, 'filtered', 'no-response']], [], { flows: [flow('ssh', 22), ...restricted('10.99.0.0/16')] }),
      verdicts: [
        { id: 'exposure.undeclared-port', status: 'pass', params: { silent: '; declared but not seen open: 8443/tcp' } },
        ...byDesign('10.99.0.0/16', 'filtered'),
      ],
    },
    {
      name: 'a flow restricted to sources that rejects the scanner with a reset: by design, not a missing service',
      facts: facts([sshOpen, [8443, 'closed', 'reset']], [], { flows: [flow('ssh', 22), ...restricted('10.99.0.0/16', '192.0.2.0/24')] }),
      verdicts: byDesign('10.99.0.0/16, 192.0.2.0/24', 'closed'),
    },
    {
      name: 'a flow restricted to an IPv6 block, not seen open',
      facts: facts([sshOpen, [8443, 'filtered', 'admin-prohibited']], [], { flows: [flow('ssh', 22), ...restricted('fd00:99::/64')] }),
      verdicts: byDesign('fd00:99::/64', 'filtered'),
    },
    {
      name: 'a restricted flow whose sources hold the scanner is judged as today: it should have answered',
      facts: facts([sshOpen, [8443, 'filtered', 'no-response']], [], {
        flows: [flow('ssh', 22), ...restricted('fd00:99::/64', '10.99.0.0/16')],
        scannerAddress: '10.99.3.4',
      }),
      verdicts: [
        { id: 'exposure.declared-port', port: 8443, status: 'error', params: { reason: /no answer from the declared port \(filtered/ } },
        { id: 'exposure.protocol-match', port: 8443, status: 'error' },
      ],
    },
    {
      name: 'a restricted flow, the scanner known and outside its sources',
      facts: facts([sshOpen, [8443, 'filtered', 'no-response']], [], {
        flows: [flow('ssh', 22), ...restricted('10.99.0.0/16')],
        scannerAddress: '10.213.7.1',
      }),
      verdicts: byDesign('10.99.0.0/16', 'filtered'),
    },
    {
      name: 'a scanner address that is no address is ignored',
      facts: facts([sshOpen, [8443, 'filtered', 'no-response']], [], {
        flows: [flow('ssh', 22), ...restricted('10.99.0.0/16')],
        scannerAddress: '__proto__',
      }),
      verdicts: byDesign('10.99.0.0/16', 'filtered'),
    },
    {
      name: 'a restricted flow that answers anyway is judged as any open flow',
      facts: facts([[8443, 'open', 'syn-ack', probed('http', 'ssl')]], [], { flows: restricted('10.99.0.0/16') }),
      verdicts: [
        { id: 'exposure.declared-port', port: 8443, status: 'pass' },
        { id: 'exposure.protocol-match', port: 8443, status: 'pass' },
      ],
    },
    {
      name: 'a restricted flow the sweep has no record of is still an error',
      facts: facts([sshOpen], [], { flows: [flow('ssh', 22), ...restricted('10.99.0.0/16')] }),
      verdicts: [
        { id: 'exposure.declared-port', port: 8443, status: 'error', params: { reason: 'nmap reported nothing for 8443/tcp' } },
        { id: 'exposure.protocol-match', port: 8443, status: 'error' },
      ],
    },
    {
      name: 'undeclared 8080 open',
      facts: facts([httpsOpen, [8080, 'open', 'syn-ack', probed('http')]]),
      verdicts: [
        {
          id: 'exposure.undeclared-port',
          port: 8080,
          status: 'fail',
          params: { what: 'port 8080/tcp is', service: 'http' },
          actual: '8080/tcp open (syn-ack)',
        },
        { id: 'exposure.declared-port', port: 443, status: 'pass' },
        { id: 'exposure.protocol-match', port: 443, status: 'pass', params: { seen: 'ssl/http' } },
      ],
    },
    {
      name: 'sweep failed',
      facts: facts(undefined, [], { failure: 'nmap XML is malformed at line 20' }),
      verdicts: allError('nmap XML is malformed at line 20'),
    },
    { name: 'no host record', facts: facts(undefined), verdicts: allError('nmap returned no host record') },
    {
      name: 'sweep that could not be read at all (no plan, no artefact)',
      facts: {
        target: { gateway: 'gw', host: 'h' },
        flows: https,
        failure: 'the sweep of this gateway could not be read (x)',
        source: { name: 'nmap', time: 't' },
      },
      verdicts: allError(/could not be read/),
    },
    {
      name: 'silence everywhere',
      facts: facts([], [dropped(1024)]),
      verdicts: allError(/did not answer on any swept port|nmap reported|no answer/),
    },
    {
      name: 'only ICMP host-unreachable from the path',
      facts: facts([], [{ state: 'filtered', reason: 'host-unreach', count: 1024, proto: 'tcp' }]),
      verdicts: allError(/./),
    },
    {
      name: 'only a reason cocoscan does not know',
      facts: facts([], [{ state: 'filtered', reason: 'constructor', count: 1024, proto: 'tcp' }]),
      verdicts: allError(/./),
    },
    {
      name: 'declared port closed',
      facts: facts([], [{ state: 'closed', reason: 'reset', count: 1024, proto: 'tcp', ports: '1-1024' }]),
      verdicts: [
        {
          id: 'exposure.undeclared-port',
          status: 'pass',
          params: { declared: 'none of them open', silent: '; declared but not seen open: 443/tcp', swept: 'T:1-1024 U:top 4' },
        },
        { id: 'exposure.declared-port', status: 'fail', params: { reason: /the gateway refused the connection \(reset\)/ } },
        { id: 'exposure.protocol-match', status: 'not_tested' },
      ],
    },
    {
      name: 'two declared ports, one answers: the pass names only the one that answered and the silent one apart',
      facts: facts([httpsOpen, [8443, 'filtered', 'no-response']], [dropped(1022)], { flows: [...https, flow('https', 8443)] }),
      verdicts: [
        {
          id: 'exposure.undeclared-port',
          status: 'pass',
          params: { declared: '443/tcp', silent: '; declared but not seen open: 8443/tcp' },
        },
      ],
    },
    {
      name: 'every declared port answers: nothing said of silent ones',
      facts: facts([httpsOpen], [dropped(1023)]),
      verdicts: [{ id: 'exposure.undeclared-port', status: 'pass', params: { declared: '443/tcp', silent: '' } }],
    },
    {
      name: 'rate-limited SSH: the sweep heard nothing, but the SSH probe completed on 22 first',
      facts: facts([[22, 'filtered', 'no-response']], [dropped(1023)], { flows: sshFlows, reached: [sshReached] }),
      verdicts: [
        {
          id: 'exposure.undeclared-port',
          status: 'pass',
          params: { declared: '22/tcp', silent: '' },
          actual: /the sweep heard no answer, but the ssh probe received its SSH identification on 22\/tcp/,
        },
        {
          id: 'exposure.declared-port',
          status: 'pass',
          actual: 'filtered (no-response) to nmap, but the ssh probe received its SSH identification there',
        },
        { id: 'exposure.protocol-match', status: 'pass', params: { seen: 'ssh (cocoscan ssh probe)' } },
      ],
    },
    {
      name: 'rate-limited SSH: open to discovery, but -sV after the probes read nothing: the probe names the service',
      facts: facts([[22, 'open', 'syn-ack', { name: 'ssh', method: 'table' }]], [dropped(1023)], {
        flows: sshFlows,
        reached: [sshReached],
      }),
      verdicts: [
        { id: 'exposure.declared-port', status: 'pass', actual: 'open (syn-ack)' },
        {
          id: 'exposure.protocol-match',
          status: 'pass',
          params: { seen: 'ssh (guessed from the port number); ssh (cocoscan ssh probe: its SSH identification)' },
        },
      ],
    },
    {
      name: 'open but unidentified, and the probe that reached it found another protocol: still not tested',
      facts: facts([[22, 'open', 'syn-ack', { name: 'ssh', method: 'table' }]], [dropped(1023)], {
        flows: [flow('sftp', 22)],
        reached: [sshReached],
      }),
      verdicts: [{ id: 'exposure.protocol-match', status: 'not_tested', params: { reason: /nmap could not identify the service/ } }],
    },
    {
      name: 'open and unidentified with no probe exchange: not tested, as before',
      facts: facts([[22, 'open', 'syn-ack', { name: 'ssh', method: 'table' }]], [dropped(1023)], { flows: sshFlows, reached: [] }),
      verdicts: [{ id: 'exposure.protocol-match', status: 'not_tested', params: { reason: /nmap could not identify the service/ } }],
    },
    {
      name: 'a probe exchange never overrides what nmap identified: a mismatch stays a fail',
      facts: facts([[22, 'open', 'syn-ack', probed('http')]], [dropped(1023)], { flows: sshFlows, reached: [sshReached] }),
      verdicts: [{ id: 'exposure.protocol-match', status: 'fail' }],
    },
    {
      name: 'a probe reached the declared port speaking another protocol than declared',
      facts: facts([[22, 'filtered', 'no-response']], [dropped(1023)], {
        flows: [flow('sftp', 22)],
        reached: [sshReached],
      }),
      verdicts: [
        { id: 'exposure.declared-port', status: 'pass' },
        { id: 'exposure.protocol-match', status: 'not_tested', params: { reason: /nmap saw the port filtered; the ssh probe found ssh/ } },
      ],
    },
    {
      name: 'an IKE responder on an undeclared UDP port the sweep did not list open: exposure, once, beside the nmap ones',
      facts: facts(
        [sshOpen, [4500, 'open|filtered', 'no-response', undefined, 'udp'], [7, 'open', 'udp-response', probed('echo'), 'udp']],
        [dropped(1022)],
        {
          flows: [flow('ssh', 22), flow('ipsec', 500, 'udp')],
          reached: [ikeReached(500), ikeReached(4500), ikeReached(4500), { ...ikeReached(7), probe: 'other' }],
        },
      ),
      verdicts: [
        {
          id: 'exposure.undeclared-port',
          status: 'fail',
          port: 4500,
          params: { service: 'ipsec (the ike probe received an IKE answer there; nmap saw it open|filtered)' },
          actual: '4500/udp answered the ike probe: an IKE answer',
        },
        { id: 'exposure.undeclared-port', status: 'fail', port: 7, params: { service: 'echo' } },
      ],
    },
    {
      name: 'an IKE responder on an undeclared UDP port outside the sweep is the only undeclared one',
      facts: facts([sshOpen], [dropped(1023)], { flows: sshFlows, reached: [ikeReached(500)] }),
      verdicts: [
        {
          id: 'exposure.undeclared-port',
          status: 'fail',
          port: 500,
          params: { what: 'port 500/udp is', service: 'ipsec (the ike probe received an IKE answer there; not in the sweep)' },
        },
      ],
    },
    {
      name: 'silence everywhere and no probe reached the gateway',
      facts: facts([[22, 'filtered', 'no-response']], [dropped(1023)], { flows: sshFlows, reached: [] }),
      verdicts: [
        { id: 'exposure.undeclared-port', status: 'error', params: { reason: /did not answer on any swept port/ } },
        { id: 'exposure.declared-port', status: 'error' },
      ],
    },
    {
      name: 'declared port filtered while another answers',
      facts: facts([[22, 'closed', 'reset']], [dropped(1023, '1-21,23-1024')]),
      verdicts: [
        { id: 'exposure.declared-port', status: 'error', params: { reason: /no answer from the declared port \(filtered, no-response\)/ } },
        { id: 'exposure.protocol-match', status: 'error' },
      ],
    },
    {
      name: 'the declared port missing from a host that timed out',
      facts: facts([[22, 'closed', 'reset']], [], { host: host([[22, 'closed', 'reset']], [], { timedOut: true }) }),
      verdicts: [
        { id: 'exposure.declared-port', status: 'error', params: { reason: 'nmap reported nothing for 443/tcp (the host timed out)' } },
      ],
    },
    {
      name: 'service named constructor on https',
      facts: facts([[443, 'open', 'syn-ack', probed('constructor')]]),
      verdicts: [{ id: 'exposure.protocol-match', status: 'fail', params: { seen: 'constructor' } }],
    },
    {
      name: 'service named __proto__ with an ssl tunnel',
      facts: facts([[443, 'open', 'syn-ack', probed('__proto__', 'ssl')]]),
      verdicts: [
        { id: 'exposure.declared-port', status: 'pass' },
        { id: 'exposure.protocol-match', status: 'fail', params: { seen: 'ssl/__proto__' } },
      ],
    },
    {
      name: 'an undeclared service named __proto__',
      facts: facts([httpsOpen, [8443, 'open', 'syn-ack', probed('__proto__')]]),
      verdicts: [{ id: 'exposure.undeclared-port', port: 8443, status: 'fail', params: { service: '__proto__' } }],
    },
    {
      name: 'flow declared as toString, service toString',
      facts: facts([[443, 'open', 'syn-ack', probed('toString')]], [], { flows: [flow('toString', 443)] }),
      verdicts: [
        {
          id: 'exposure.protocol-match',
          status: 'not_tested',
          params: { reason: 'cocoscan has no service signature for protocol "toString"' },
        },
      ],
    },
    {
      name: 'flow declared as constructor',
      facts: facts([[443, 'open', 'syn-ack', probed('constructor')]], [], { flows: [flow('constructor', 443)] }),
      verdicts: [{ id: 'exposure.protocol-match', status: 'not_tested' }],
    },
    {
      name: 'UDP flow without root',
      facts: facts([[22, 'open', 'syn-ack']], [], { flows: [flow('snmp', 161, 'udp')], plan: { ...plan, privileged: false } }),
      verdicts: [
        { id: 'exposure.undeclared-port', port: 22, status: 'fail', params: { service: 'unidentified service' } },
        {
          id: 'exposure.declared-port',
          status: 'not_tested',
          params: { reason: /UDP scanning needs raw sockets: run cocoscan as root \(or its container with NET_RAW\)/ },
          actual: 'not scanned',
        },
        { id: 'exposure.protocol-match', status: 'not_tested' },
      ],
    },
    {
      name: 'UDP open|filtered: no reply cannot tell open from filtered',
      facts: facts([httpsOpen, [161, 'open|filtered', 'no-response', undefined, 'udp']], [], {
        flows: [...https, flow('snmp', 161, 'udp')],
      }),
      verdicts: [
        {
          id: 'exposure.declared-port',
          port: 161,
          status: 'not_tested',
          params: { reason: /no UDP answer/ },
          actual: 'open|filtered (no-response)',
        },
        { id: 'exposure.protocol-match', port: 161, status: 'not_tested' },
      ],
    },
    {
      name: 'UDP swept only as root: the plan says so',
      facts: facts([httpsOpen], [], { plan: { ...tcpOnly, udpPorts: '161' } }),
      verdicts: [{ id: 'exposure.undeclared-port', status: 'pass', params: { swept: 'T:1-1024 U:161' } }],
    },
    {
      name: 'ftps declared, plain ftp answers (an AUTH TLS upgrade may be cleartext)',
      facts: facts([[990, 'open', 'syn-ack', probed('ftp')]], [], { flows: [flow('ftps', 990)] }),
      verdicts: [{ id: 'exposure.protocol-match', status: 'fail', params: { seen: 'ftp' } }],
    },
    {
      name: 'declared https open, service unidentified',
      facts: facts([[443, 'open', 'syn-ack']]),
      verdicts: [
        { id: 'exposure.declared-port', status: 'pass', actual: 'open (syn-ack)' },
        {
          id: 'exposure.protocol-match',
          status: 'not_tested',
          params: { reason: 'nmap could not identify the service (unidentified service)', seen: 'unidentified service' },
        },
      ],
    },
    {
      name: '-sV ran out of its budget on the gateway: the unidentified service says why, not that nmap could not tell',
      facts: facts([[443, 'open', 'syn-ack']], [], {
        plan: { ...plan, serviceDetectionFailure: 'nmap -sV did not finish within scan.serviceDetectionSeconds (30 s)' },
      }),
      verdicts: [
        {
          id: 'exposure.protocol-match',
          status: 'not_tested',
          params: { reason: /named nothing on this gateway: nmap -sV did not finish within scan\.serviceDetectionSeconds/ },
        },
      ],
    },
    {
      name: 'issue 18: a silent declared port -sV left unnamed within its budget says so, not that nmap could not tell',
      facts: facts([[443, 'open', 'syn-ack']], [], {
        plan: {
          ...plan,
          unnamedPorts: [
            { port: 8443, reason: 'another port' },
            { port: 443, reason: "the port accepted connections but answered none of nmap's probes within its budget" },
          ],
        },
      }),
      verdicts: [
        {
          id: 'exposure.protocol-match',
          status: 'not_tested',
          params: {
            reason:
              "nmap's service detection named no service on port 443: the port accepted connections but answered none of nmap's probes within its budget",
          },
        },
      ],
    },
    {
      name: 'an unnamed TCP port says nothing about a UDP flow on the same number',
      facts: facts([[161, 'open', 'udp-response', undefined, 'udp']], [], {
        flows: [flow('snmp', 161, 'udp')],
        plan: { ...plan, unnamedPorts: [{ port: 161, reason: 'silent' }] },
      }),
      verdicts: [{ id: 'exposure.protocol-match', status: 'not_tested', params: { reason: /^nmap could not identify the service/ } }],
    },
    {
      name: 'issue 16 item 13: SNMP nmap could not identify (its probes use "public") but the SNMP probe was answered there',
      facts: facts([[161, 'open', 'udp-response', undefined, 'udp']], [], {
        flows: [flow('snmp', 161, 'udp')],
        snmpAnswer: { port: 161, evidence: "cocoscan's SNMP probe: SNMPv3 engine discovery answered with engine id 80001f88" },
      }),
      verdicts: [
        {
          id: 'exposure.protocol-match',
          status: 'pass',
          params: {
            seen: "unidentified service; cocoscan's SNMP probe: SNMPv3 engine discovery answered with engine id 80001f88",
          },
        },
      ],
    },
    {
      name: 'the SNMP probe answered on another port than the declared SNMP flow: nmap alone decides',
      facts: facts([[1161, 'open', 'udp-response', undefined, 'udp']], [], {
        flows: [flow('snmp', 1161, 'udp')],
        snmpAnswer: { port: 161, evidence: "cocoscan's SNMP probe: a community string was accepted" },
      }),
      verdicts: [{ id: 'exposure.protocol-match', status: 'not_tested', params: { reason: /nmap could not identify the service/ } }],
    },
    {
      name: 'an SNMP answer says nothing about an unidentified https flow',
      facts: facts([[443, 'open', 'syn-ack']], [], {
        snmpAnswer: { port: 443, evidence: "cocoscan's SNMP probe: a community string was accepted" },
      }),
      verdicts: [{ id: 'exposure.protocol-match', status: 'not_tested', params: { reason: /nmap could not identify the service/ } }],
    },
    {
      name: 'service detection turned off',
      facts: facts([httpsOpen], [], { plan: { ...plan, serviceDetection: false } }),
      verdicts: [
        {
          id: 'exposure.protocol-match',
          status: 'not_tested',
          params: { reason: 'service detection (-sV) was turned off in scan settings' },
        },
      ],
    },
    {
      name: 'a tarpit open on all 65535 ports: 200 listed, the rest summed up',
      facts: tarpit,
      verdicts: [
        { id: 'exposure.undeclared-port', port: 1, status: 'fail' },
        { id: 'exposure.undeclared-port', port: MAX_UNDECLARED_LISTED, status: 'fail' },
        { id: 'exposure.declared-port', status: 'pass' },
      ],
    },
    {
      name: 'every banner field a server chose is clipped',
      facts: facts([
        [443, 'open', 'syn-ack', longService],
        [8080, 'open', 'syn-ack', longService],
      ]),
      verdicts: [{ id: 'exposure.undeclared-port', port: 8080, status: 'fail', params: { service: /more characters in the nmap XML/ } }],
    },
    // Issue 16 item 2: the UDP sweep, open|filtered said plainly, amplification-prone services.
    {
      name: 'undeclared UDP echo on 7 and a service on 5353 beside the declared DNS flow',
      facts: facts(
        [
          [22, 'open', 'syn-ack', probed('ssh')],
          [7, 'open', 'udp-response', { name: 'echo', method: 'probed' }, 'udp'],
          [53, 'open', 'udp-response', probed('domain'), 'udp'],
          [5353, 'open', 'udp-response', { name: 'zeroconf', method: 'table' }, 'udp'],
        ],
        [{ state: 'open|filtered', reason: 'no-response', count: 97, proto: 'udp' }],
        { flows: dnsAndSsh, plan: udpTop100 },
      ),
      verdicts: [
        { id: 'exposure.undeclared-port', port: 7, status: 'fail', params: { what: 'port 7/udp is', service: 'echo' } },
        { id: 'exposure.undeclared-port', port: 5353, status: 'fail', actual: '5353/udp open (udp-response)' },
        {
          id: 'exposure.udp-amplifier',
          status: 'pass',
          params: { swept: 'T:1-1024 U:top 100 + 53', unanswered: /97 UDP ports gave no reply/ },
        },
        { id: 'exposure.declared-port', port: 53, status: 'pass' },
      ],
    },
    {
      name: 'only declared ports open, most UDP ports silent: the pass names the sweep and says silence proves nothing',
      facts: facts(
        [
          [22, 'open', 'syn-ack', probed('ssh')],
          [53, 'open', 'udp-response', probed('domain'), 'udp'],
        ],
        [{ state: 'open|filtered', reason: 'no-response', count: 99, proto: 'udp' }],
        { flows: dnsAndSsh, plan: udpTop100 },
      ),
      verdicts: [
        {
          id: 'exposure.undeclared-port',
          status: 'pass',
          params: {
            swept: 'T:1-1024 U:top 100 + 53',
            unanswered:
              '; 99 UDP ports gave no reply (open|filtered): a service may listen there unseen, so this is no proof that nothing does',
          },
        },
      ],
    },
    {
      name: 'an undeclared UDP port that stayed silent (open|filtered) is not called open',
      facts: facts([httpsOpen, [7, 'open|filtered', 'no-response', undefined, 'udp']]),
      verdicts: [{ id: 'exposure.undeclared-port', status: 'pass', params: { unanswered: /^; 1 UDP port gave no reply/ } }],
    },
    {
      name: 'open DNS recursion on the declared DNS flow',
      facts: facts(
        [
          [22, 'open', 'syn-ack', probed('ssh')],
          [53, 'open', 'udp-response', probed('domain'), 'udp'],
        ],
        [],
        {
          flows: dnsAndSsh,
          plan: udpTop100,
          amplifierQueries: [query('dns-recursion', 53, { replyBytes: 50, detail: 'recursion available, NXDOMAIN', amplifies: true })],
        },
      ),
      verdicts: [
        {
          id: 'exposure.udp-amplifier',
          port: 53,
          status: 'fail',
          params: {
            service: 'DNS with open recursion',
            how: 'recursion available, NXDOMAIN: 50 bytes back for 50 sent to a recursive query for cocoscan-recursion-check.invalid',
          },
        },
        { id: 'exposure.undeclared-port', status: 'pass' },
        { id: 'exposure.declared-port', port: 53, status: 'pass' },
      ],
    },
    {
      name: 'DNS that refuses recursion, NTP silent to mode 6: named in the pass',
      facts: facts(
        [
          [53, 'open', 'udp-response', probed('domain'), 'udp'],
          [123, 'open', 'udp-response', probed('ntp'), 'udp'],
        ],
        [],
        {
          flows: [flow('dns', 53, 'udp'), flow('ntp', 123, 'udp')],
          amplifierQueries: [
            query('dns-recursion', 53, { replyBytes: 50, detail: 'no recursion (RA clear), REFUSED', amplifies: false }),
            query('ntp-mode6', 123),
          ],
        },
      ),
      verdicts: [
        {
          id: 'exposure.udp-amplifier',
          status: 'pass',
          params: { checked: '; asked 53/udp: no recursion (RA clear), REFUSED, 123/udp: no reply' },
        },
      ],
    },
    {
      name: 'NTP answering mode 6 control queries',
      facts: facts([[123, 'open', 'udp-response', probed('ntp'), 'udp']], [], {
        flows: [flow('ntp', 123, 'udp')],
        amplifierQueries: [query('ntp-mode6', 123, { sentBytes: 12, replyBytes: 468, detail: 'mode 6 READVAR answered', amplifies: true })],
      }),
      verdicts: [
        {
          id: 'exposure.udp-amplifier',
          port: 123,
          status: 'fail',
          params: { service: 'NTP answering mode 6 control queries', how: /^mode 6 READVAR answered: 468 bytes back for 12 sent/ },
        },
      ],
    },
    ...(
      [
        [1900, 'upnp', 'SSDP (UPnP discovery)'],
        [11211, 'memcache', 'memcached'],
        [389, 'ldap', 'CLDAP (connectionless LDAP)'],
        [19, 'chargen', 'chargen'],
      ] as const
    ).map(([port, name, service]) => ({
      name: `${service} answering on ${port}/udp, found by the sweep's service name`,
      facts: facts([httpsOpen, [port, 'open', 'udp-response', { name, method: 'table' }, 'udp']]),
      verdicts: [
        { id: 'exposure.udp-amplifier' as const, port, status: 'fail' as const, params: { service, how: new RegExp(`as ${name}$`) } },
        { id: 'exposure.undeclared-port' as const, port, status: 'fail' as const },
      ],
    })),
    {
      name: 'SSDP silent (open|filtered) is not called an amplifier',
      facts: facts([httpsOpen, [1900, 'open|filtered', 'no-response', { name: 'upnp', method: 'table' }, 'udp']]),
      verdicts: [{ id: 'exposure.udp-amplifier', status: 'pass' }],
    },
    {
      name: 'UDP services named like prototype members are no amplifiers',
      facts: facts([
        httpsOpen,
        [9001, 'open', 'udp-response', { name: '__proto__', method: 'probed' }, 'udp'],
        [9002, 'open', 'udp-response', { name: 'constructor', method: 'probed' }, 'udp'],
        [9003, 'open', 'udp-response', { name: 'toString', method: 'probed' }, 'udp'],
      ]),
      verdicts: [
        { id: 'exposure.udp-amplifier', status: 'pass' },
        { id: 'exposure.undeclared-port', port: 9001, status: 'fail' },
      ],
    },
    {
      name: 'a recursion question that could not be sent is an error on that port',
      facts: facts([[53, 'open', 'udp-response', probed('domain'), 'udp']], [], {
        flows: [flow('dns', 53, 'udp')],
        amplifierQueries: [query('dns-recursion', 53, { failure: 'the UDP question could not be asked (EHOSTUNREACH)' })],
      }),
      verdicts: [{ id: 'exposure.udp-amplifier', port: 53, status: 'error', params: { reason: /could not be sent: .*EHOSTUNREACH/ } }],
    },
    {
      name: 'a reply that is no DNS answer (an echo of the query) is not recursion',
      facts: facts([[53, 'open', 'udp-response', probed('echo'), 'udp']], [], {
        flows: [flow('dns', 53, 'udp')],
        amplifierQueries: [
          query('dns-recursion', 53, { replyBytes: 50, detail: 'a reply that is not an answer to the query', amplifies: false }),
        ],
      }),
      verdicts: [{ id: 'exposure.udp-amplifier', status: 'pass' }],
    },
    {
      name: 'no UDP swept (udpTopPorts 0, no UDP flow): the amplifier check is not tested, the pass names TCP only',
      facts: facts([httpsOpen], [], { plan: tcpOnly }),
      verdicts: [
        { id: 'exposure.udp-amplifier', status: 'not_tested', params: { reason: /covered no UDP port/ } },
        { id: 'exposure.undeclared-port', status: 'pass', params: { swept: 'T:1-1024', unanswered: '' } },
      ],
    },
    {
      name: 'without root: no UDP, and the pass says so',
      facts: facts([httpsOpen], [], { plan: { ...plan, privileged: false } }),
      verdicts: [
        {
          id: 'exposure.udp-amplifier',
          status: 'not_tested',
          params: { reason: /needs raw sockets: run cocoscan as root \(or its container with NET_RAW\) to sweep UDP/ },
        },
        {
          id: 'exposure.undeclared-port',
          status: 'pass',
          params: { swept: 'T:1-1024', unanswered: ' (no UDP: UDP sweeps need raw sockets)' },
        },
      ],
    },
    {
      name: 'a huge count of silent UDP ports is said as a number',
      facts: facts([httpsOpen], [{ state: 'open|filtered', reason: 'no-response', count: 65535, proto: 'udp' }]),
      verdicts: [{ id: 'exposure.undeclared-port', status: 'pass', params: { unanswered: /^; 65535 UDP ports gave no reply/ } }],
    },
  ],
});

describe('exposure: bounded output', () => {
  it('lists at most MAX_UNDECLARED_LISTED ports one by one and sums up the rest of a gateway open on every port', () => {
    const undeclared = judgeExposure(tarpit).filter((f) => f.id === 'exposure.undeclared-port');
    expect(undeclared).toHaveLength(MAX_UNDECLARED_LISTED + 1);
    expect(undeclared.every((f) => f.status === 'fail')).toBe(true);
    const summary = undeclared.at(-1)!;
    expect(summary.target.port).toBeUndefined();
    expect(summary.params?.service).toContain(`and ${65534 - MAX_UNDECLARED_LISTED} more`);
    expect(summary.data).toEqual({ moreOpenPorts: 65534 - MAX_UNDECLARED_LISTED, listedOpenPorts: MAX_UNDECLARED_LISTED });
    expect(JSON.stringify(judgeExposure(tarpit)).length).toBeLessThan(200_000);
  });

  it('keeps the summary short when the open ports alternate (no range to compress)', () => {
    const alternate = facts(every(32000, (i) => [2 * i - 1, 'open', 'syn-ack']));
    const summary = judgeExposure(alternate)
      .filter((f) => f.id === 'exposure.undeclared-port')
      .at(-1)!;
    expect(String(summary.params?.what).length).toBeLessThan(500);
    expect(String(summary.evidence.actual).length).toBeLessThan(700);
  });

  it('keeps the verdicts small whatever the banners', () => {
    expect(
      JSON.stringify(
        judgeExposure(
          facts([
            [443, 'open', 'syn-ack', longService],
            [8080, 'open', 'syn-ack', longService],
          ]),
        ),
      ).length,
    ).toBeLessThan(10_000);
  });

  it('cites the sweep and its XML in every verdict', () => {
    for (const v of judgeExposure(facts([httpsOpen, [8080, 'open', 'syn-ack']]))) {
      expect(v.evidence).toMatchObject({
        source: 'nmap 7.93 -sS -sV',
        time: '2026-11-30T10:00:00.000Z',
        artefacts: ['evidence/gateways/gw/nmap-sweep.xml'],
      });
    }
  });
});

describe('exposure: protocol table', () => {
  it('names no prototype member as a known protocol or service', () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
      expect(matchProtocol(name, probed(name)).verdict).toBe('unknown-protocol');
      expect(matchProtocol('https', probed(name)).verdict).toBe('mismatch');
    }
  });

  it('counts only implicit-TLS FTP as ftps, never plain ftp', () => {
    expect(matchProtocol('ftps', probed('ftp')).verdict).toBe('mismatch');
    expect(matchProtocol('ftps', probed('ftp', 'ssl')).verdict).toBe('match');
    expect(matchProtocol('ftps', probed('ftps')).verdict).toBe('match');
  });
});

/** The open ports the old history derived from the findings' data, to check `observe` against. */
function portsFromFindings(f: ExposureFacts): Record<string, string> {
  const findings = judgeExposure(f).map((v) => ({ ...v, message: '' }) as unknown as ReportFinding);
  return Object.fromEntries(Object.entries(observedState({ findings, rows: [] }).ports).map(([key, open]) => [key, open.service]));
}
const portsObserved = (f: ExposureFacts) =>
  Object.fromEntries(observeExposure(f).flatMap((o) => (o.kind === 'open-port' ? [[`gw ${o.port}/${o.transport}`, o.service]] : [])));

describe('exposure: what history compares', () => {
  const cases: [string, ExposureFacts][] = [
    ['declared open, undeclared open', facts([httpsOpen, [8080, 'open', 'syn-ack', probed('http')], [9000, 'open', 'syn-ack']])],
    [
      'an undeclared __proto__ and a declared constructor',
      facts([
        [443, 'open', 'syn-ack', probed('constructor')],
        [8443, 'open', 'syn-ack', probed('__proto__')],
      ]),
    ],
    ['a declared port closed', facts([], [{ state: 'closed', reason: 'reset', count: 1024, proto: 'tcp', ports: '1-1024' }])],
    [
      'a declared UDP port open',
      facts([httpsOpen, [161, 'open', 'udp-response', probed('snmp'), 'udp']], [], { flows: [...https, flow('snmp', 161, 'udp')] }),
    ],
    [
      'a declared UDP port open|filtered',
      facts([[161, 'open|filtered', 'no-response', undefined, 'udp']], [], { flows: [flow('snmp', 161, 'udp')] }),
    ],
    ['a long service name', facts([httpsOpen, [8080, 'open', 'syn-ack', longService]])],
    ['a failed sweep', facts(undefined, [], { failure: 'nmap failed' })],
  ];
  for (const [name, f] of cases)
    it(`gives the open ports the findings gave, and no change against them: ${name}`, () => {
      expect(Object.keys(portsObserved(f))).toEqual(Object.keys(portsFromFindings(f)));
      const findings = judgeExposure(f).map((v) => ({ ...v, message: '' }) as unknown as ReportFinding);
      const [legacy, observed] = [
        observedState({ findings, rows: [] }),
        observedState({ findings, rows: [], observations: observeExposure(f) }),
      ];
      expect(diffStates(legacy, observed)).toEqual([]);
      expect(diffStates(observed, legacy)).toEqual([]);
    });

  it('observes each port, declared or not, by its service in full and its name', () => {
    const nginx: NmapService = { ...probed('http', 'ssl'), product: 'nginx', version: '1.22.1' };
    const ports: PortSpec[] = [
      httpsOpen,
      [8080, 'open', 'syn-ack', probed('__proto__')],
      [9000, 'open', 'syn-ack'],
      [8443, 'open', 'syn-ack', nginx],
    ];
    expect(observeExposure(facts(ports))).toEqual([
      { kind: 'open-port', gateway: 'gw', port: 8080, transport: 'tcp', service: '__proto__', name: '__proto__', identified: true },
      { kind: 'open-port', gateway: 'gw', port: 9000, transport: 'tcp', service: 'unidentified service', identified: false },
      { kind: 'open-port', gateway: 'gw', port: 8443, transport: 'tcp', service: 'ssl/http nginx 1.22.1', name: 'http', identified: true },
      { kind: 'open-port', gateway: 'gw', port: 443, transport: 'tcp', service: 'ssl/http', name: 'http', identified: true },
      { kind: 'swept', gateway: 'gw', tcp: '1-1024', udp: '53,123,161,1900' },
    ]);
  });

  it('observes no sweep, and no port, when the sweep failed or the gateway answered nothing', () => {
    expect(observeExposure(facts(undefined, [], { failure: 'nmap failed' }))).toEqual([]);
    expect(observeExposure(facts([], [dropped(1024, '1-1024')]))).toEqual([]);
    expect(observeExposure(facts([], [dropped(1024, '1-1024')], { reached: [sshReached] }))).toEqual([
      { kind: 'swept', gateway: 'gw', tcp: '1-1024', udp: '53,123,161,1900' },
    ]);
    expect(observeExposure(facts([httpsOpen], [], { plan: { ...plan, privileged: false } })).at(-1)).toEqual({
      kind: 'swept',
      gateway: 'gw',
      tcp: '1-1024',
      udp: '',
    });
  });

  describe('a service nmap did not identify in one run is unknown there, not changed', () => {
    const nginx: NmapService = { name: 'http', tunnel: 'ssl', product: 'nginx', version: '1.22.1', method: 'probed', confidence: 10 };
    const unidentified: [string, NmapService | undefined][] = [
      ['guessed from the port number (-sV ran out of time)', { name: 'https', method: 'table', confidence: 3 }],
      ['not named at all', undefined],
      ['named "unknown"', { name: 'unknown', method: 'probed' }],
      ['tcpwrapped (hung up at once)', probed('tcpwrapped')],
      ['named with a doubt', probed('http?')],
    ];
    const changes = (a: ExposureFacts, b: ExposureFacts) =>
      diffStates(
        observedState({ findings: [], rows: [], observations: observeExposure(a) }),
        observedState({ findings: [], rows: [], observations: observeExposure(b) }),
      ).map(describeChange);
    for (const [name, service] of unidentified) {
      it(`${name}, declared or not`, () => {
        for (const flows of [https, []]) {
          const seen = facts(
            [
              [443, 'open', 'syn-ack', nginx],
              [800, 'open', 'syn-ack', { ...nginx, tunnel: undefined }],
            ],
            [],
            { flows },
          );
          const guessed = facts(
            [
              [443, 'open', 'syn-ack', service],
              [800, 'open', 'syn-ack', service],
            ],
            [],
            { flows },
          );
          expect(changes(seen, guessed)).toEqual([]);
          expect(changes(guessed, seen)).toEqual([]);
        }
      });
    }

    it('a port opened or closed is still reported, and a service identified in both runs is still compared', () => {
      const guessed = facts([httpsOpen, [800, 'open', 'syn-ack', { name: 'http-proxy', method: 'table' }]]);
      expect(changes(facts([httpsOpen]), guessed)).toEqual(['port opened: gw 800/tcp (now http-proxy (guessed from the port number))']);
      expect(changes(guessed, facts([httpsOpen]))).toEqual(['port closed: gw 800/tcp (was http-proxy (guessed from the port number))']);
      expect(changes(facts([httpsOpen]), facts([[443, 'open', 'syn-ack', probed('ssh')]]))).toEqual([
        'service changed: gw 443/tcp (was ssl/http) (now ssh)',
      ]);
    });
  });

  it('observes the ports of a tarpit listed one by one, not the ones summed up', () => {
    expect(observeExposure(tarpit)).toHaveLength(MAX_UNDECLARED_LISTED + 2); // and the declared 443, and the sweep
  });
});

describe("exposure: the SNMP probe's evidence it reads", () => {
  const silent = { port: 161, attempts: [{ version: 'v2c' as const, community: 'public', answered: false, reason: 'no answer' }] };
  it('takes an engine id, an accepted community or a served v3 user as proof, never silence', () => {
    expect(snmpAnswerOf(undefined)).toBeUndefined();
    expect(snmpAnswerOf({ ...silent, engine: { reason: 'no answer (timed out)' } })).toBeUndefined();
    expect(snmpAnswerOf({ ...silent, engine: { engineId: '80001f88', reason: 'Report' } })).toEqual({
      port: 161,
      evidence: "cocoscan's SNMP probe: SNMPv3 engine discovery answered with engine id 80001f88",
    });
    expect(snmpAnswerOf({ port: 1161, attempts: [{ version: 'v1', community: 'x', answered: true }] })).toEqual({
      port: 1161,
      evidence: "cocoscan's SNMP probe: a community string was accepted",
    });
  });
});

it('says which declared ports answered and which did not, never a declared port that never answered among those that do', () => {
  const build = findingBuilder(exposureProbe.meta, () => new Date('2026-11-30T10:00:00Z'));
  const twoFlows = facts([httpsOpen, [8443, 'filtered', 'no-response']], [dropped(1022)], { flows: [...https, flow('https', 8443)] });
  const pass = judgeExposure(twoFlows).find((v) => v.id === 'exposure.undeclared-port')!;
  expect(build(pass).message).toBe(
    'Only declared ports answer on 192.0.2.1 (443/tcp); declared but not seen open: 8443/tcp; swept T:1-1024 U:top 4',
  );
});

describe('exposure: the scanner address towards a gateway', () => {
  it('is the local address the route picks, without sending anything; no address for a name', async () => {
    expect(await localAddressTowards('127.0.0.1')).toBe('127.0.0.1');
    expect(await localAddressTowards('gw.example.org')).toBeUndefined();
  });
});
