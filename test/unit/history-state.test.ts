import { parseTestProfile } from '../helpers/test-profile.ts';
import { describe, expect, it } from 'vitest';
import { connectionFileSchema } from '../../src/connection/schema.ts';
import { describeChange, diffReports, diffStates } from '../../src/history/diff.ts';
import type { Observation } from '../../src/history/observation.ts';
import { observedState } from '../../src/history/state.ts';
import { parseStoredReport, type ReportFinding, type RunReport } from '../../src/report/schema.ts';
import { runCheck } from '../../src/run-check.ts';
import { fakeNmap } from '../helpers/fake-nmap.ts';

const NOW = new Date('2026-11-22T10:00:00Z');
const LEAF = { sha256: 'ab'.repeat(32), subject: 'CN=gw', issuer: 'CN=ca', notAfter: '2027-06-01T00:00:00.000Z' };

/** One of each kind, as the probes observe a gateway. */
const observations = (gateway = 'gw'): Observation[] => [
  { kind: 'open-port', gateway, port: 443, transport: 'tcp', service: 'https' },
  { kind: 'open-port', gateway, port: 161, transport: 'udp', service: 'snmp' },
  { kind: 'tls-offer', gateway, port: 443, accepted: ['TLSv1.2', 'TLSv1.3'], suites: ['TLS_AES_128_GCM_SHA256'], leaf: LEAF },
  { kind: 'ssh-host-key', gateway, port: 22, type: 'ssh-ed25519', fingerprint: 'SHA256:one' },
  { kind: 'ssh-algorithms', gateway, port: 22, family: 'kex', offered: ['curve25519-sha256'] },
  { kind: 'firewall', gateway, view: 'external', verdict: 'pass', detail: '97 of 100 undeclared TCP ports filtered' },
  { kind: 'firewall', gateway, view: 'host', verdict: 'pass', detail: 'default policy drop' },
  { kind: 'pending-updates', gateway, pending: 3, securityPending: 1 },
  { kind: 'swept', gateway, tcp: '1-65535', udp: '161' },
];

/** The findings a run before 0.2 wrote for the same gateway, with the `data` its history read. */
const legacyFindings = (gateway = 'gw'): ReportFinding[] => {
  const f = (
    id: string,
    status: ReportFinding['status'],
    message: string,
    data: Record<string, unknown>,
    port?: number,
    transport?: 'tcp' | 'udp',
  ): ReportFinding => ({
    id,
    key: `${id}@${gateway}${port ? `/${port}/${transport ?? 'tcp'}` : ''}`,
    probe: id.split('.')[0]!,
    target: { gateway, host: '192.0.2.1', ...(port ? { port } : {}), ...(transport ? { transport } : {}) },
    status,
    severity: 'high',
    message,
    evidence: { source: 'test', time: NOW.toISOString() },
    data,
  });
  return [
    f('exposure.declared-port', 'pass', `${gateway}: 443/tcp open`, { state: 'open', service: 'https' }, 443, 'tcp'),
    f('exposure.undeclared-port', 'fail', `${gateway}: 161/udp open`, { service: { name: 'snmp' } }, 161, 'udp'),
    f(
      'tls.protocols',
      'pass',
      `${gateway}: TLS 1.2+`,
      { accepted: ['TLSv1.2', 'TLSv1.3'], suites: ['TLS_AES_128_GCM_SHA256'], leaf: LEAF },
      443,
    ),
    f('ssh.host-keys', 'pass', `${gateway}: strong`, { hostKeys: [{ type: 'ssh-ed25519', fingerprint: 'SHA256:one' }] }, 22),
    f('ssh.kex', 'pass', `${gateway}: fine`, { offered: ['curve25519-sha256'] }, 22),
    f('firewall.filtering', 'pass', `${gateway}: 97 of 100 undeclared TCP ports filtered`, {}),
    f('host.firewall-policy', 'pass', `${gateway}: default policy drop`, {}),
    f('patch.overdue-updates', 'fail', `${gateway}: 3 pending`, { pending: 3, securityPending: 1 }),
  ];
};

const fromObservations = (list: Observation[], findings: ReportFinding[] = []) => ({ findings, rows: [], observations: list });

describe('the state history compares, from typed observations', () => {
  it('keys every kind as the changes name their subject', () => {
    const state = observedState(fromObservations(observations()));
    expect({ ...state.ports }).toEqual({
      'gw 443/tcp': { gateway: 'gw', port: 443, transport: 'tcp', service: 'https' },
      'gw 161/udp': { gateway: 'gw', port: 161, transport: 'udp', service: 'snmp' },
    });
    expect({ ...state.swept }).toEqual({ gw: { tcp: '1-65535', udp: '161' } });
    expect({ ...state.tls }).toEqual({
      'gw 443/tcp': { accepted: ['TLSv1.2', 'TLSv1.3'], suites: ['TLS_AES_128_GCM_SHA256'], leaf: LEAF },
    });
    expect({ ...state.sshHostKeys }).toEqual({ 'gw 22/tcp ssh-ed25519': { port: 'gw 22/tcp', fingerprint: 'SHA256:one' } });
    expect({ ...state.sshAlgorithms }).toEqual({ 'gw 22/tcp kex': ['curve25519-sha256'] });
    expect({ ...state.firewall }).toEqual({
      'gw external view': { verdict: 'pass', detail: '97 of 100 undeclared TCP ports filtered' },
      'gw host ruleset': { verdict: 'pass', detail: 'default policy drop' },
    });
    expect({ ...state.patch }).toEqual({ gw: { pending: 3, securityPending: 1 } });
  });

  it('the rows compared are the automated ones not left out', () => {
    const rows = [
      { ref: 'A-1', method: 'automated', compliance: 'Yes' },
      { ref: 'A-2', method: 'automated', compliance: null },
      { ref: 'M-1', method: 'manual', compliance: null },
      { ref: 'CoCo-2', method: 'automated', compliance: 'Partial' },
    ] as RunReport['rows'];
    expect({ ...observedState({ findings: [], rows, observations: [] }, new Set(['CoCo-2'])).rows }).toEqual({
      'A-1': 'Yes',
      'A-2': 'null',
    });
  });

  it('every kind of change, described', () => {
    const before = observations();
    const after: Observation[] = [
      { kind: 'open-port', gateway: 'gw', port: 443, transport: 'tcp', service: 'http' },
      { kind: 'open-port', gateway: 'gw', port: 8080, transport: 'tcp', service: 'http-proxy' },
      {
        kind: 'tls-offer',
        gateway: 'gw',
        port: 443,
        accepted: ['TLSv1.0', 'TLSv1.2', 'TLSv1.3'],
        suites: ['TLS_AES_128_GCM_SHA256'],
        leaf: { ...LEAF, sha256: 'cd'.repeat(32) },
      },
      { kind: 'ssh-host-key', gateway: 'gw', port: 22, type: 'ssh-ed25519', fingerprint: 'SHA256:two' },
      { kind: 'ssh-algorithms', gateway: 'gw', port: 22, family: 'kex', offered: ['curve25519-sha256', 'diffie-hellman-group1-sha1'] },
      { kind: 'firewall', gateway: 'gw', view: 'external', verdict: 'fail', detail: '3 of 100 undeclared TCP ports filtered' },
      { kind: 'firewall', gateway: 'gw', view: 'host', verdict: 'pass', detail: 'default policy drop, reworded' },
      { kind: 'pending-updates', gateway: 'gw', pending: 5, securityPending: 2 },
      { kind: 'swept', gateway: 'gw', tcp: '1-65535', udp: '161' },
    ];
    const changes = diffStates(observedState(fromObservations(before)), observedState(fromObservations(after)));
    expect(changes.map((c) => [describeChange(c), c.regression])).toEqual([
      ['port closed: gw 161/udp (was snmp)', false],
      ['service changed: gw 443/tcp (was https) (now http)', false],
      ['port opened: gw 8080/tcp (now http-proxy)', true],
      [
        `tls certificate replaced: gw 443/tcp (was ${'ab'.repeat(8)}… CN=gw, issuer CN=ca, expires 2027-06-01) ` +
          `(now ${'cd'.repeat(8)}… CN=gw, issuer CN=ca, expires 2027-06-01)`,
        false,
      ],
      ['tls offer changed: gw 443/tcp (was TLSv1.2, TLSv1.3; 1 suites) (now TLSv1.0, TLSv1.2, TLSv1.3; 1 suites)', true],
      ['ssh host key changed: gw 22/tcp ssh-ed25519 (was SHA256:one) (now SHA256:two)', false],
      ['ssh algorithms changed: gw 22/tcp kex (now added diffie-hellman-group1-sha1)', true],
      [
        'firewall changed: gw external view (was pass: 97 of 100 undeclared TCP ports filtered) (now fail: 3 of 100 undeclared TCP ports filtered)',
        true,
      ],
      ['patch count changed: gw (was 3 pending, 1 security) (now 5 pending, 2 security)', true],
    ]);
  });

  it('a reworded message or reshaped finding data changes nothing: only observations and verdicts count', () => {
    const findings = legacyFindings();
    const reworded = findings.map((f) => ({
      ...f,
      message: `${f.message} (reworded)`,
      data: { pending: 99, offered: ['none'], hostKeys: [], state: 'closed' },
    }));
    const before = observedState(fromObservations(observations(), findings));
    const after = observedState(fromObservations(observations(), reworded));
    expect(diffStates(before, after)).toEqual([]);
    const swept: Observation[] = [{ kind: 'swept', gateway: 'gw', tcp: '1-65535', udp: '' }];
    expect(observedState(fromObservations(swept, findings))).toEqual(observedState(fromObservations(swept)));
  });

  it('a report from before observations is read from its findings, and compares with one that has them', () => {
    const legacy = observedState({ findings: legacyFindings(), rows: [] });
    const typed = observedState(fromObservations(observations()));
    // The same, but that the old report does not say which ports its sweep covered.
    expect(legacy).toEqual({ ...typed, swept: Object.assign(Object.create(null), { gw: null }) });
    expect(diffStates(legacy, typed)).toEqual([]);
    const firewallFailed = observations().map((o) =>
      o.kind === 'firewall' && o.view === 'host' ? { ...o, verdict: 'fail' as const, detail: 'policy accept' } : o,
    );
    expect(diffStates(legacy, observedState(fromObservations(firewallFailed))).map(describeChange)).toEqual([
      'firewall changed: gw host ruleset (was pass: default policy drop) (now fail: policy accept)',
    ]);
  });

  it('a service one run did not identify is not changed; a port observed before that was recorded compares as it did', () => {
    const port = (service: string, identified?: boolean): Observation[] => [
      { kind: 'open-port', gateway: 'gw', port: 443, transport: 'tcp', service, ...(identified !== undefined ? { identified } : {}) },
      { kind: 'swept', gateway: 'gw', tcp: '1-1024', udp: '' },
    ];
    const changes = (a: Observation[], b: Observation[]) =>
      diffStates(observedState(fromObservations(a)), observedState(fromObservations(b))).map(describeChange);
    expect(changes(port('ssl/http nginx 1.22.1', true), port('https (guessed from the port number)', false))).toEqual([]);
    expect(changes(port('unidentified service', false), port('ssl/http nginx 1.22.1'))).toEqual([]);
    expect(changes(port('ssl/http nginx 1.22.1'), port('ssh OpenSSH 9.2p1', true))).toEqual([
      'service changed: gw 443/tcp (was ssl/http nginx 1.22.1) (now ssh OpenSSH 9.2p1)',
    ]);
  });

  it('prototype names as gateway, port service and row names are plain keys', () => {
    const names = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'];
    const before = observedState(fromObservations(names.flatMap((n) => observations(n))));
    const after = observedState({
      findings: [],
      rows: names.map((ref) => ({ ref, method: 'automated', compliance: 'No' })) as RunReport['rows'],
      observations: names.flatMap((n) => observations(n).map((o) => (o.kind === 'pending-updates' ? { ...o, pending: 4 } : o))),
    });
    expect(Object.keys(before.patch).sort()).toEqual([...names].sort());
    expect(Object.getPrototypeOf(before.patch)).toBeNull();
    expect(({} as Record<string, unknown>).pending).toBeUndefined();
    const changes = diffStates(before, after).map((c) => `${c.kind} ${c.subject}`);
    expect(changes).toEqual([
      ...[...names].sort().map((n) => `patch-count-changed ${n}`),
      ...[...names].sort().map((n) => `verdict-changed ${n}`),
    ]);
    expect(diffStates(before, before)).toEqual([]);
  });
});

describe('observations in a stored report', () => {
  const PROFILE = parseTestProfile(
    `id: net
version: "1"
title: Network rows
sections:
  - id: c
    title: C
    rows:
      - { ref: CoCo-9, title: Firewall, method: automated, decidedBy: [firewall.filtering] }
`,
    'net.yaml',
  );
  const connection = connectionFileSchema.parse({
    connection: { name: 'cms-acme', mojSystem: 'M', thirdPartySystem: 'T', organisation: 'O' },
    gateways: [{ name: 'acme-gw-1', host: '127.0.0.1' }],
    flows: [{ name: 'case-sync', protocol: 'https', port: 443 }],
    scan: { tcpPorts: '1-1024,8080' },
  });
  const stored = async () =>
    (await runCheck({ connection, profile: PROFILE, exec: fakeNmap('firewalled-gateway.xml'), now: () => NOW, privileged: true })).report;

  it('a real report carries the observations and reads back with them', async () => {
    const report = await stored();
    expect(report.observations).toContainEqual(expect.objectContaining({ kind: 'firewall', gateway: 'acme-gw-1', view: 'external' }));
    const read = parseStoredReport(JSON.stringify(report), 'report.json');
    expect(read.observations).toEqual(report.observations);
    expect(diffReports(read, report, [])).toEqual([]);
  });

  it('a port declared in one run and not in the other (a flow added or removed) is no service change, nor against a report stored before', async () => {
    const profile = parseTestProfile(
      `id: net
version: "1"
title: Network rows
sections:
  - id: c
    title: C
    rows:
      - { ref: CoCo-9, title: Exposure, method: automated, decidedBy: [exposure.undeclared-port, exposure.declared-port] }
`,
      'net.yaml',
    );
    const run = async (flows: typeof connection.flows) =>
      (
        await runCheck({
          connection: { ...connection, flows },
          profile,
          exec: fakeNmap('firewalled-gateway.xml'),
          now: () => NOW,
          privileged: true,
        })
      ).report;
    const undeclared = await run(connection.flows);
    const declared = await run([...connection.flows, { name: 'admin', protocol: 'ssh', port: 22, transport: 'tcp' }]);
    expect(undeclared.observations?.filter((o) => o.kind === 'open-port').map((o) => o.port)).toEqual([22, 443]);
    const ports = (a: RunReport, b: RunReport) =>
      diffReports(a, b, []).filter((c) => c.kind !== 'verdict-changed' && c.kind !== 'firewall-changed');
    expect(ports(undeclared, declared)).toEqual([]);
    expect(ports(declared, undeclared)).toEqual([]);
    // The open ports as cocoscan wrote them before: an undeclared port by its service name only, a declared one in full.
    const oldShape = (report: RunReport, services: Record<number, string>): RunReport =>
      parseStoredReport(
        JSON.stringify({
          ...report,
          observations: report.observations!.map((o) =>
            o.kind === 'open-port'
              ? { kind: o.kind, gateway: o.gateway, port: o.port, transport: o.transport, service: services[o.port] }
              : o,
          ),
        }),
        'report.json',
      );
    const nginx = 'ssl/http nginx 1.22.1';
    const [oldUndeclared, oldDeclared] = [
      oldShape(undeclared, { 22: 'ssh', 443: nginx }),
      oldShape(declared, { 22: 'ssh OpenSSH 9.2p1 Debian 2+deb12u10 (protocol 2.0)', 443: nginx }),
    ];
    // And before 0.2, when history read the findings: the same two forms.
    const findingsOnly = (report: RunReport): RunReport => {
      const { observations: _, ...rest } = report;
      return parseStoredReport(JSON.stringify(rest), 'report.json');
    };
    const older = [oldUndeclared, oldDeclared, findingsOnly(undeclared), findingsOnly(declared)];
    for (const old of older)
      for (const now of [undeclared, declared, ...older]) {
        expect(ports(old, now)).toEqual([]);
        expect(ports(now, old)).toEqual([]);
      }
    const sshd = (o: Observation) => (o.kind === 'open-port' && o.port === 22 ? { ...o, service: 'ssh OpenSSH 9.9p1 (protocol 2.0)' } : o);
    const upgraded = { ...undeclared, observations: undeclared.observations!.map(sshd) };
    expect(ports(undeclared, upgraded).map(describeChange)).toEqual([
      'service changed: acme-gw-1 22/tcp (was ssh OpenSSH 9.2p1 Debian 2+deb12u10 (protocol 2.0)) (now ssh OpenSSH 9.9p1 (protocol 2.0))',
    ]);
    const telnet = {
      ...oldUndeclared,
      observations: oldUndeclared.observations!.map((o) => (o.kind === 'open-port' && o.port === 22 ? { ...o, service: 'telnet' } : o)),
    };
    expect(ports(telnet, declared).map(describeChange)).toEqual([
      'service changed: acme-gw-1 22/tcp (was telnet) (now ssh OpenSSH 9.2p1 Debian 2+deb12u10 (protocol 2.0))',
    ]);
  });

  it.each([
    [
      'a port out of range',
      { kind: 'open-port', gateway: 'gw', port: 70000, transport: 'tcp', service: 'x' },
      /observations\.0\.port: Too big/,
    ],
    ['an unknown kind', { kind: 'open-door', gateway: 'gw' }, /observations\.0\.kind: Invalid discriminator value/],
    [
      'a firewall view that does not exist',
      { kind: 'firewall', gateway: 'gw', view: 'inside', verdict: 'pass', detail: '' },
      /observations\.0\.view: Invalid option/,
    ],
    [
      'a host key without its fingerprint',
      { kind: 'ssh-host-key', gateway: 'gw', port: 22, type: 'ssh-rsa' },
      /observations\.0\.fingerprint/,
    ],
    [
      'a field no observation has',
      { kind: 'pending-updates', gateway: 'gw', pending: 1, securityPending: 0, note: 'x' },
      /observations\.0: Unrecognized key: "note"/,
    ],
    [
      'a negative count',
      { kind: 'pending-updates', gateway: 'gw', pending: -1, securityPending: 0 },
      /observations\.0\.pending: Too small/,
    ],
  ])('an edited report.json with %s is refused, naming the field', async (_, bad, message) => {
    const report = await stored();
    const edited = JSON.stringify({ ...report, observations: [bad, ...(report.observations ?? [])] });
    expect(() => parseStoredReport(edited, '/runs/x/report.json')).toThrow(
      /^\/runs\/x\/report\.json is not a cocoscan report \(schemas\/report\.schema\.json\): /,
    );
    expect(() => parseStoredReport(edited, '/runs/x/report.json')).toThrow(message);
  });

  it('a report without observations still reads and compares', async () => {
    const report = await stored();
    const { observations: _, ...legacy } = report;
    const read = parseStoredReport(JSON.stringify(legacy), 'report.json');
    expect(read.observations).toBeUndefined();
    expect(diffReports(read, report, [])).toEqual([]);
  });
});

describe('SSH host keys are compared only where both runs heard the port', () => {
  const ssh = (gateway: string, fingerprint: string): Observation[] => [
    { kind: 'ssh-host-key', gateway, port: 22, type: 'ssh-ed25519', fingerprint },
    { kind: 'ssh-algorithms', gateway, port: 22, family: 'kex', offered: ['curve25519-sha256'] },
  ];
  const state = (list: Observation[]) => observedState(fromObservations(list));

  it('a port that did not answer in one run, or a gateway not in it, changes no host key', () => {
    expect(diffStates(state(ssh('gw', 'SHA256:one')), state([]))).toEqual([]);
    expect(diffStates(state([]), state(ssh('gw', 'SHA256:one')))).toEqual([]);
    expect(diffStates(state([...ssh('gw', 'SHA256:one'), ...ssh('old', 'SHA256:x')]), state(ssh('gw', 'SHA256:one')))).toEqual([]);
  });

  it('a key replaced, or one the answering port no longer has, is a change', () => {
    expect(diffStates(state(ssh('gw', 'SHA256:one')), state(ssh('gw', 'SHA256:two'))).map(describeChange)).toEqual([
      'ssh host key changed: gw 22/tcp ssh-ed25519 (was SHA256:one) (now SHA256:two)',
    ]);
    const keyGone = ssh('gw', 'SHA256:one').filter((o) => o.kind !== 'ssh-host-key');
    expect(diffStates(state(ssh('gw', 'SHA256:one')), state(keyGone)).map(describeChange)).toEqual([
      'ssh host key changed: gw 22/tcp ssh-ed25519 (was SHA256:one)',
    ]);
  });
});
