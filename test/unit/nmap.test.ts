import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NmapXmlError, parseNmapXml, portStateOf } from '../../src/nmap/parse.ts';
import { compressPorts, expandPortList } from '../../src/nmap/ports.ts';
import { matchProtocol } from '../../src/nmap/protocols.ts';
import { buildNmapArgs, runNmap } from '../../src/nmap/run.ts';
import { tallyTcpReplies } from '../../src/facts/sweep-reading.ts';
import type { Exec } from '../../src/exec.ts';

// Recorded from real nmap 7.93 scans of the lab gateways (test/lab/lab.ts).
const fixture = (name: string) => readFileSync(new URL(`../fixtures/nmap/${name}`, import.meta.url), 'utf8');

describe('nmap arguments', () => {
  const plan = {
    hosts: ['192.0.2.10'],
    tcpPorts: '1-65535',
    udpPorts: '161',
    timing: 4,
    hostTimeoutSeconds: 600,
    serviceDetection: true,
    privileged: true,
  };

  it('puts the targets last, after --, each as a single argument', () => {
    const hostile = { ...plan, hosts: ['1.2.3.4 -oN /tmp/x --script=http-title', '192.0.2.11'] };
    const args = buildNmapArgs(hostile, '/tmp/out.xml');
    expect(args.slice(-3)).toEqual(['--', '1.2.3.4 -oN /tmp/x --script=http-title', '192.0.2.11']);
    expect(args.filter((a) => a.startsWith('--script'))).toEqual([]);
    expect(args).toEqual(expect.arrayContaining(['--min-hostgroup', '2']));
  });

  it('uses a SYN scan with UDP as root, a connect scan without UDP otherwise', () => {
    expect(buildNmapArgs(plan, '/tmp/out.xml')).toEqual(
      expect.arrayContaining(['-sS', '-sU', '-sV', '-p', 'T:1-65535,U:161', '-oX', '/tmp/out.xml', '-v', '-Pn', '-T4']),
    );
    const unprivileged = buildNmapArgs({ ...plan, privileged: false }, '/tmp/out.xml');
    expect(unprivileged).toEqual(expect.arrayContaining(['-sT', '--unprivileged']));
    expect(unprivileged).not.toContain('-sU');
    expect(unprivileged).toContain('T:1-65535');
    expect(buildNmapArgs({ ...plan, maxRate: 300 }, '/tmp/out.xml')).toEqual(expect.arrayContaining(['--max-rate', '300']));
  });

  it('adds -6 for IPv6 targets', () => {
    expect(buildNmapArgs({ ...plan, hosts: ['2001:db8::1'] }, '/tmp/out.xml')).toContain('-6');
    expect(buildNmapArgs(plan, '/tmp/out.xml')).not.toContain('-6');
  });
});

describe('nmap XML', () => {
  it('reads open ports with their services and folded states with their reasons', () => {
    const run = parseNmapXml(fixture('open-gateway.xml'));
    const host = run.hosts[0]!;
    expect(run.version).toBe('7.93');
    expect(host.ports.map((p) => [p.port, p.state, p.service?.tunnel ?? '', p.service?.name])).toEqual([
      [22, 'open', '', 'ssh'],
      [443, 'open', 'ssl', 'http'],
      [8080, 'open', '', 'http'],
    ]);
    expect(portStateOf(host, 'tcp', 23)).toEqual({ state: 'closed', reason: 'reset' });
    expect(portStateOf(host, 'udp', 23)).toBeUndefined();
  });

  it('tallies how undeclared ports answered', () => {
    const firewalled = tallyTcpReplies(parseNmapXml(fixture('firewalled-gateway.xml')).hosts[0]!, new Set([22, 443]));
    expect(firewalled.counts).toMatchObject({ dropped: 1023, reset: 0, open: 0 });
    const open = tallyTcpReplies(parseNmapXml(fixture('open-gateway.xml')).hosts[0]!, new Set([22, 443]));
    expect(open.counts).toMatchObject({ dropped: 0, reset: 1022, open: 1 });
    expect(open.openPorts).toEqual([8080]);
  });

  it('reads UDP states', () => {
    const host = parseNmapXml(fixture('open-gateway-udp.xml')).hosts[0]!;
    expect(portStateOf(host, 'udp', 161)).toMatchObject({ state: 'closed', reason: 'port-unreach' });
  });

  it('rejects truncated and foreign XML', () => {
    const xml = fixture('open-gateway.xml');
    expect(() => parseNmapXml(xml.slice(0, xml.length / 2))).toThrow(NmapXmlError);
    expect(() => parseNmapXml('<html><body>hi</body></html>')).toThrow(/no <nmaprun>/);
    expect(() => parseNmapXml(xml.replace(/<runstats>[\s\S]*<\/runstats>/, ''))).toThrow(/did not complete/);
  });
});

describe('nmap runner outcomes', () => {
  const plan = { hosts: ['192.0.2.10'], tcpPorts: '1-10', timing: 4, hostTimeoutSeconds: 30, serviceDetection: false, privileged: true };
  const fakeExec =
    (result: Partial<Awaited<ReturnType<Exec>>>, xml = ''): Exec =>
    (command, args, options) => {
      if (xml) writeFileSync(args[args.indexOf('-oX') + 1]!, xml);
      options.onStdout?.(result.stdout ?? '');
      return Promise.resolve({ command, args, exitCode: 0, signal: null, stdout: '', stderr: '', durationMs: 1, ...result });
    };

  it('reads open ports as nmap announces them, and its progress', async () => {
    const found: string[] = [];
    const progress: number[] = [];
    const stdout =
      'Discovered open port 22/tcp on 10.213.1.2\nSYN Stealth Scan Timing: About 42.50% done; ETC: 10:00\nDiscovered open port 161/udp on 10.213.1.2\n' +
      'Discovered open port 0/tcp on 10.213.1.2\nDiscovered open port 99999/tcp on 10.213.1.2\nDiscovered open port 1234567/tcp on 10.213.1.2\n';
    const outcome = await runNmap(fakeExec({ stdout }, fixture('open-gateway.xml')), plan, {
      onDiscovered: (p) => found.push(`${p.address} ${p.port}/${p.transport}`),
      onProgress: (p) => progress.push(p.percent),
    });
    expect(outcome.ok).toBe(true);
    expect(found).toEqual(['10.213.1.2 22/tcp', '10.213.1.2 161/udp']);
    expect(progress).toEqual([42.5]);
  });

  it('turns a missing nmap, a timeout and garbage output into reasons', async () => {
    const missing = await runNmap(fakeExec({ failure: 'not-found', exitCode: null }), plan, {});
    expect(!missing.ok && missing.reason).toMatch(/not installed/);
    const timeout = await runNmap(fakeExec({ failure: 'timeout', failureDetail: 'no result after 1 ms', exitCode: null }), plan, {});
    expect(!timeout.ok && timeout.reason).toMatch(/did not finish in time/);
    const garbage = await runNmap(fakeExec({ stderr: 'boom' }, 'Starting Nmap\x00\x01<<<'), plan, {});
    expect(!garbage.ok && garbage.reason).toMatch(/malformed.*boom/);
  });
});

describe('port lists', () => {
  it('expands and compresses', () => {
    expect(expandPortList('1-3,8080')).toEqual([1, 2, 3, 8080]);
    expect(compressPorts([8080, 1, 2, 3, 5])).toBe('1-3,5,8080');
    expect(compressPorts([])).toBe('');
  });
});

describe('protocol matching', () => {
  it('accepts TLS-wrapped http as https and rejects ssh for https', () => {
    expect(matchProtocol('https', { name: 'http', tunnel: 'ssl', method: 'probed' }).verdict).toBe('match');
    expect(matchProtocol('https', { name: 'ssh', method: 'probed' })).toMatchObject({ verdict: 'mismatch', seen: 'ssh' });
    expect(matchProtocol('https', { name: 'http', method: 'probed' })).toMatchObject({ verdict: 'mismatch', seen: 'http' });
  });

  it('never matches on a guess', () => {
    expect(matchProtocol('ssh', { name: 'ssh', method: 'table' }).verdict).toBe('unidentified');
    expect(matchProtocol('ssh', { name: 'tcpwrapped', method: 'probed' }).verdict).toBe('unidentified');
    expect(matchProtocol('ssh', { name: 'ssh?', method: 'probed' }).verdict).toBe('unidentified');
    expect(matchProtocol('ssh', undefined).verdict).toBe('unidentified');
    expect(matchProtocol('gopher', { name: 'gopher', method: 'probed' }).verdict).toBe('unknown-protocol');
  });
});
