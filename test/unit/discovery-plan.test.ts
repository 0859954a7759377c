import { describe, expect, it } from 'vitest';
import { connectionFileSchema } from '../../src/connection/schema.ts';
import { masscanRun } from '../../src/discovery/masscan-output.ts';
import {
  buildMasscanArgs,
  discoveryPace,
  discoveryReplies,
  FORCED_RATE_REPLY_LIMIT,
  groupByRoute,
  needsSecondLook,
  withFirstLook,
  nmapMinRate,
  nmapProcessCount,
  rateShare,
  routeFromIpJson,
  splitEvenly,
  type MasscanPlan,
} from '../../src/discovery/plan.ts';
import { buildNmapArgs } from '../../src/nmap/run.ts';
import type { NmapHost } from '../../src/nmap/parse.ts';

const scanOf = (scan: Record<string, unknown>) =>
  connectionFileSchema.parse({
    connection: { name: 'pace', mojSystem: 'M', thirdPartySystem: 'T', organisation: 'O' },
    gateways: [{ name: 'gw', host: '192.0.2.1' }],
    flows: [{ name: 'web', protocol: 'https', port: 443 }],
    scan,
  }).scan;

describe('the pace of discovery', () => {
  it('is the internet pace by default: a total rate for the run and retries enough for a lossy path', () => {
    const scan = scanOf({});
    expect(scan.engine).toBe('nmap');
    expect(discoveryPace(scan)).toEqual({ rate: 20_000, retries: 2 });
  });

  it('sends faster on a clean link (lan) and lets rate, retries and their older names override the preset', () => {
    expect(discoveryPace(scanOf({ pace: 'lan' }))).toEqual({ rate: 200_000, retries: 0 });
    expect(discoveryPace(scanOf({ pace: 'lan', rate: 5000, retries: 0 }))).toMatchObject({ rate: 5000, retries: 0 });
    expect(discoveryPace(scanOf({ maxRate: 700, maxRetries: 3, minRate: 50 }))).toEqual({
      rate: 700,
      retries: 3,
      minRatePerGateway: 50,
    });
    expect(discoveryPace(scanOf({ rate: 900, maxRate: 700 })).rate).toBe(900);
  });

  it('refuses an unknown engine or pace and a rate out of range', () => {
    expect(() => scanOf({ engine: 'zmap' })).toThrow(/expected \\?"nmap\\?" or \\?"masscan/);
    expect(() => scanOf({ pace: 'fast' })).toThrow(/expected \\?"internet\\?" or \\?"lan/);
    expect(() => scanOf({ rate: 0 })).toThrow(/at least 1 packet/);
    expect(() => scanOf({ retries: 11 })).toThrow(/0 to 10/);
  });
});

describe('splitting discovery among processes', () => {
  it('runs one process per core, never more than gateways, each at a share of the total rate', () => {
    expect(nmapProcessCount(32, 2)).toBe(2);
    expect(nmapProcessCount(1, 2)).toBe(1);
    expect(nmapProcessCount(32, 64)).toBe(8);
    expect(nmapProcessCount(5, 0)).toBe(1);
    expect(splitEvenly([1, 2, 3, 4, 5], 2)).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
    expect(splitEvenly([1], 4)).toEqual([[1]]);
    expect(splitEvenly([], 2)).toEqual([]);
    expect(rateShare(20_000, 3) * 3).toBeLessThanOrEqual(20_000);
    expect(rateShare(5, 16)).toBe(1);
  });

  it('holds nmap at its share, or at a configured minimum within its share', () => {
    const internet = discoveryPace(scanOf({}));
    expect(nmapMinRate(internet, 10_000, 16)).toBe(10_000);
    expect(nmapMinRate({ ...internet, minRatePerGateway: 5000 }, 10_000, 16)).toBe(10_000);
    expect(nmapMinRate({ ...internet, minRatePerGateway: 100 }, 10_000, 16)).toBe(1600);
  });

  it('passes a total minimum rate to nmap as it is', () => {
    const plan = { hosts: ['192.0.2.1', '192.0.2.2'], tcpPorts: '1-10', timing: 4, hostTimeoutSeconds: 60, serviceDetection: false };
    const args = buildNmapArgs({ ...plan, privileged: true, minRate: 10, minRateTotal: 7000, maxRate: 7000, maxRetries: 1 }, 'x.xml');
    expect(args.join(' ')).toContain('--max-rate 7000 --min-rate 7000 --max-retries 1');
  });
});

describe('masscan', () => {
  const route = { dev: 'eth0', source: '192.0.2.100', nextHop: '192.0.2.254' };
  const plan: MasscanPlan = { addresses: ['192.0.2.1'], tcpPorts: '1-65535', rate: 1000, retries: 2, waitSeconds: 3, route };

  it('reads the route out of this machine: adapter, source address, next hop (the target itself on the link)', () => {
    const via = '[{"dst":"203.0.113.5","gateway":"192.0.2.254","dev":"eth0","prefsrc":"192.0.2.100","flags":[],"uid":0}]';
    expect(routeFromIpJson(via, '203.0.113.5')).toEqual(route);
    const onLink = '[{"dst":"10.213.1.2","dev":"veth1","prefsrc":"10.213.1.1","flags":[]}]';
    expect(routeFromIpJson(onLink, '10.213.1.2')).toEqual({ dev: 'veth1', source: '10.213.1.1', nextHop: '10.213.1.2' });
    const local = '[{"type":"local","dst":"127.0.0.1","dev":"lo","prefsrc":"127.0.0.1"}]';
    expect(routeFromIpJson(local, '127.0.0.1')).toMatchObject({ failure: expect.stringMatching(/address of this machine/) });
    expect(routeFromIpJson('[{"dev":"-oX /tmp/x","prefsrc":"192.0.2.100"}]', '192.0.2.1')).toHaveProperty('failure');
    expect(routeFromIpJson('not json', '192.0.2.1')).toHaveProperty('failure');
  });

  it('groups targets by the way out: one masscan per adapter, source and next hop', () => {
    const other = { ...route, nextHop: '192.0.2.253' };
    const groups = groupByRoute([
      { target: 'a', route },
      { target: 'b', route: other },
      { target: 'c', route: { ...route } },
    ]);
    expect(groups).toEqual([
      { route, targets: ['a', 'c'] },
      { route: other, targets: ['b'] },
    ]);
  });

  it('is given addresses only, never a name, a range or an option', () => {
    expect(buildMasscanArgs(plan, '/tmp/out.json')).toEqual([
      '-p',
      '1-65535',
      '--rate',
      '1000',
      '--retries',
      '2',
      '--wait',
      '3',
      '--show',
      'closed',
      '-oJ',
      '/tmp/out.json',
      '--adapter',
      'eth0',
      '--adapter-ip',
      '192.0.2.100',
      '--router-ip',
      '192.0.2.254',
      '192.0.2.1',
    ]);
    for (const bad of ['gw.example', '--echo', '192.0.2.0/24', '192.0.2.1-9', '2001:db8::1'])
      expect(() => buildMasscanArgs({ ...plan, addresses: [bad] }, 'o')).toThrow(/IPv4 addresses only/);
    expect(() => buildMasscanArgs({ ...plan, route: { ...route, dev: '--ping' } }, 'o')).toThrow(/device/);
    expect(() => buildMasscanArgs({ ...plan, tcpPorts: '1-2 --ping' }, 'o')).toThrow(/port list/);
  });

  it('reads its output as host records: open listed, resets closed, the rest filtered, foreign records ignored', () => {
    const output = [
      '[',
      '{   "ip": "192.0.2.1",   "timestamp": "1", "ports": [ {"port": 22, "proto": "tcp", "status": "open", "reason": "syn-ack", "ttl": 64} ] }',
      ',',
      '{   "ip": "192.0.2.1",   "timestamp": "1", "ports": [ {"port": 9999, "proto": "tcp", "status": "closed", "reason": "rst-ack"} ] }',
      ',',
      '{   "ip": "192.0.2.1",   "timestamp": "1", "ports": [ {"port": 22, "proto": "tcp", "status": "closed", "reason": "rst"} ] }',
      '{   "ip": "192.0.2.9",   "timestamp": "1", "ports": [ {"port": 80, "proto": "tcp", "status": "open"} ] }',
      '{   "ip": "192.0.2.1",   "timestamp": "1", "ports": [ {"port": 70000, "proto": "tcp", "status": "open"} ] }',
      '{ "ip": "192.0.2.1", "ports": [ {"port": 23, "proto": "tcp", "status": "open"',
      ']',
    ].join('\n');
    const run = masscanRun(output, ['192.0.2.1', '192.0.2.2'], '1-10000', '1.3.2');
    expect(run.scanTypes).toEqual([{ type: 'syn', protocol: 'tcp', services: '1-10000' }]);
    const [one, two] = run.hosts;
    expect(one).toMatchObject({ status: 'up', addresses: ['192.0.2.1'], ports: [{ port: 22, state: 'open', reason: 'syn-ack' }] });
    expect(one!.extraPorts).toEqual([
      { state: 'closed', count: 1, reasons: [{ reason: 'reset', count: 1, ports: '9999' }] },
      { state: 'filtered', count: 9998, reasons: [{ reason: 'no-response', count: 9998 }] },
    ]);
    expect(two).toMatchObject({ status: 'up', ports: [], extraPorts: [{ state: 'filtered', count: 10000 }] });
    expect(masscanRun('', ['192.0.2.1'], '22', '1.3.2').hosts[0]!.extraPorts).toEqual([
      { state: 'filtered', count: 1, reasons: [{ reason: 'no-response', count: 1 }] },
    ]);
  });
});

describe('a second look at a gateway that answered a forced-rate discovery too much', () => {
  const host = (over: Partial<NmapHost>): NmapHost => ({
    status: 'up',
    timedOut: false,
    statusReason: 'user-set',
    addresses: ['192.0.2.1'],
    hostnames: [],
    ports: [],
    extraPorts: [],
    ...over,
  });
  const open = (port: number) => ({ protocol: 'tcp' as const, port, state: 'open', reason: 'syn-ack' });
  const closedFold = (count: number, ports?: string) => ({
    state: 'closed',
    count,
    reasons: [{ reason: 'reset', count, ...(ports ? { ports } : {}) }],
  });

  it('counts open and reset ports as replies, never filtered ones', () => {
    const filtered = { state: 'filtered', count: 65_000, reasons: [{ reason: 'no-response', count: 65_000 }] };
    expect(discoveryReplies(host({ ports: [open(22), open(443)], extraPorts: [filtered] }))).toBe(2);
    expect(
      discoveryReplies(host({ ports: [open(22), { ...open(23), state: 'closed', reason: 'reset' }], extraPorts: [closedFold(5000)] })),
    ).toBe(5002);
  });

  it('looks again only where the replies pass the limit, and only at a host that is up', () => {
    expect(needsSecondLook(host({ extraPorts: [closedFold(FORCED_RATE_REPLY_LIMIT)] }))).toBe(false);
    expect(needsSecondLook(host({ extraPorts: [closedFold(FORCED_RATE_REPLY_LIMIT + 1)] }))).toBe(true);
    expect(needsSecondLook(host({ status: 'down', extraPorts: [closedFold(60_000)] }))).toBe(false);
    // A silent (dropping) firewall sends nothing back: the forced rate stands there.
    const silent = { state: 'filtered', count: 65_533, reasons: [{ reason: 'no-response', count: 65_533 }] };
    expect(needsSecondLook(host({ ports: [open(22), open(443)], extraPorts: [silent] }))).toBe(false);
  });

  it("keeps every port the first look saw open, taking it out of the second look's folded ports", () => {
    const first = host({ ports: [open(22), open(8080)] });
    const second = host({ ports: [open(22)], extraPorts: [closedFold(65_534, '1-21,23-65535')] });
    const merged = withFirstLook(second, first);
    expect(merged.ports.map((p) => `${p.port} ${p.state}`)).toEqual(['22 open', '8080 open']);
    expect(merged.extraPorts[0]).toMatchObject({ count: 65_533, reasons: [{ count: 65_533, ports: '1-21,23-8079,8081-65535' }] });
    // Nothing to keep: the second look's record as it is.
    expect(withFirstLook(second, host({ ports: [open(22)] }))).toBe(second);
  });
});
