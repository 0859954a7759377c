import { describe, expect, it } from 'vitest';
import { judgeExposure, MAX_UNDECLARED_LISTED, observeExposure, type ExposureFacts } from '../../probes/exposure/judge.ts';
import type { Flow } from '../../src/connection/schema.ts';
import { observedState } from '../../src/history/state.ts';
import type { NmapService } from '../../src/nmap/parse.ts';
import { matchProtocol } from '../../src/nmap/protocols.ts';
import type { ReportFinding } from '../../src/report/schema.ts';
import { judgeTable } from '../helpers/judge-table.ts';
import { nmapHost as host, probedService as probed, type ExtraSpec, type PortSpec } from '../helpers/nmap-host.ts';

// The default sweep: TCP and the most common UDP services (here the first four of nmap's list).
const plan = { tcpPorts: '1-1024', udpPorts: '53,123,161,1900', udpTop: 4, udpNamed: '', privileged: true, serviceDetection: true };
const tcpOnly = { ...plan, udpPorts: '', udpTop: 0 };
const flow = (protocol: string, port: number, transport: 'tcp' | 'udp' = 'tcp'): Flow => ({
  name: `${protocol}-flow`,
  protocol,
  port,
  transport,
});
const https = [flow('https', 443)];
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
  ],
  invalid: [
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
        { id: 'exposure.undeclared-port', status: 'pass', params: { declared: '443/tcp', swept: 'T:1-1024 U:top 4' } },
        { id: 'exposure.declared-port', status: 'fail', params: { reason: /the gateway refused the connection \(reset\)/ } },
        { id: 'exposure.protocol-match', status: 'not_tested' },
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
        { id: 'exposure.declared-port', status: 'not_tested', params: { reason: /UDP scanning needs root/ }, actual: 'not scanned' },
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
  return { ...observedState({ findings, rows: [] }).ports };
}
const portsObserved = (f: ExposureFacts) =>
  Object.fromEntries(observeExposure(f).map((o) => (o.kind === 'open-port' ? [`gw ${o.port}/${o.transport}`, o.service] : ['', ''])));

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
    it(`gives the open ports the findings gave: ${name}`, () => expect(portsObserved(f)).toEqual(portsFromFindings(f)));

  it('observes each undeclared port by its service name, a declared one by its service', () => {
    expect(observeExposure(facts([httpsOpen, [8080, 'open', 'syn-ack', probed('__proto__')], [9000, 'open', 'syn-ack']]))).toEqual([
      { kind: 'open-port', gateway: 'gw', port: 8080, transport: 'tcp', service: '__proto__' },
      { kind: 'open-port', gateway: 'gw', port: 9000, transport: 'tcp', service: 'unknown' },
      { kind: 'open-port', gateway: 'gw', port: 443, transport: 'tcp', service: 'ssl/http' },
    ]);
  });

  it('observes the ports of a tarpit listed one by one, not the ones summed up', () => {
    expect(observeExposure(tarpit)).toHaveLength(MAX_UNDECLARED_LISTED + 1); // and the declared 443
  });
});
