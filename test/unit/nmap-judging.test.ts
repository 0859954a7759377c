import { describe, expect, it } from 'vitest';
import { judgeExposure, MAX_UNDECLARED_LISTED, type ExposureFacts } from '../../probes/exposure.ts';
import type { Flow } from '../../src/connection/schema.ts';
import type { FindingStatus } from '../../src/findings.ts';
import type { NmapExtraPorts, NmapHost, NmapPort, NmapService } from '../../src/nmap/parse.ts';
import { matchProtocol } from '../../src/nmap/protocols.ts';

type PortSpec = [port: number, state: string, reason: string, service?: NmapService, protocol?: 'tcp' | 'udp'];
type ExtraSpec = { state: string; reason: string; count: number; proto?: string; ports?: string };

/** A small nmap host record: listed ports, folded ports. */
function host(ports: PortSpec[], extra: ExtraSpec[] = [], more: Partial<NmapHost> = {}): NmapHost {
  const listed: NmapPort[] = ports.map(([port, state, reason, service, protocol]) => ({ port, state, reason, service, protocol: protocol ?? 'tcp' }));
  const extraPorts: NmapExtraPorts[] = extra.map((e) => ({ state: e.state, count: e.count, reasons: [{ reason: e.reason, count: e.count, protocol: e.proto, ports: e.ports }] }));
  return { status: 'up', timedOut: false, statusReason: 'user-set', addresses: ['192.0.2.1'], hostnames: [], ports: listed, extraPorts, ...more };
}

const probed = (name: string, tunnel?: string): NmapService => ({ name, tunnel, method: 'probed' });
const plan = { tcpPorts: '1-1024', udpPorts: '', privileged: true, serviceDetection: true };
const target = { gateway: 'gw', host: '192.0.2.1' };
const base = { source: 'nmap test', time: '2026-01-01T00:00:00.000Z', artefacts: ['evidence/gw/nmap-sweep.xml'] };
const flow = (protocol: string, port: number, transport: 'tcp' | 'udp' = 'tcp'): Flow => ({ name: `${protocol}-flow`, protocol, port, transport }) as Flow;

describe('exposure judging', () => {
  const https = [flow('https', 443)];
  type Case = { name: string; facts: ExposureFacts; flows?: Flow[]; undeclared: FindingStatus[]; declared?: FindingStatus; protocol?: FindingStatus };
  const cases: Case[] = [
    // valid: the gateway serves the declared flow, drops the rest
    { name: 'declared https open, rest dropped', facts: { plan, host: host([[443, 'open', 'syn-ack', probed('http', 'ssl')]], [{ state: 'filtered', reason: 'no-response', count: 1023, proto: 'tcp', ports: '1-442,444-1024' }]) }, undeclared: ['pass'], declared: 'pass', protocol: 'pass' },
    { name: 'declared https open, rest reset', facts: { plan, host: host([[443, 'open', 'syn-ack', probed('http', 'ssl')]], [{ state: 'closed', reason: 'reset', count: 1023, proto: 'tcp' }]) }, undeclared: ['pass'], declared: 'pass', protocol: 'pass' },
    // invalid: no false Yes
    { name: 'undeclared 8080 open', facts: { plan, host: host([[443, 'open', 'syn-ack', probed('http', 'ssl')], [8080, 'open', 'syn-ack', probed('http')]]) }, undeclared: ['fail'], declared: 'pass', protocol: 'pass' },
    { name: 'sweep failed', facts: { plan, failure: 'nmap XML is malformed at line 20' }, undeclared: ['error'], declared: 'error', protocol: 'error' },
    { name: 'no host record', facts: { plan }, undeclared: ['error'], declared: 'error', protocol: 'error' },
    { name: 'silence everywhere', facts: { plan, host: host([], [{ state: 'filtered', reason: 'no-response', count: 1024, proto: 'tcp' }]) }, undeclared: ['error'], declared: 'error', protocol: 'error' },
    { name: 'only ICMP host-unreachable from the path', facts: { plan, host: host([], [{ state: 'filtered', reason: 'host-unreach', count: 1024, proto: 'tcp' }]) }, undeclared: ['error'], declared: 'error', protocol: 'error' },
    { name: 'only a reason cocoscan does not know', facts: { plan, host: host([], [{ state: 'filtered', reason: 'constructor', count: 1024, proto: 'tcp' }]) }, undeclared: ['error'], declared: 'error', protocol: 'error' },
    { name: 'declared port closed', facts: { plan, host: host([], [{ state: 'closed', reason: 'reset', count: 1024, proto: 'tcp', ports: '1-1024' }]) }, undeclared: ['pass'], declared: 'fail', protocol: 'not_tested' },
    { name: 'service named constructor on https', facts: { plan, host: host([[443, 'open', 'syn-ack', probed('constructor')]]) }, undeclared: ['pass'], declared: 'pass', protocol: 'fail' },
    { name: 'service named __proto__ with an ssl tunnel', facts: { plan, host: host([[443, 'open', 'syn-ack', probed('__proto__', 'ssl')]]) }, undeclared: ['pass'], declared: 'pass', protocol: 'fail' },
    { name: 'flow declared as toString, service toString', flows: [flow('toString', 443)], facts: { plan, host: host([[443, 'open', 'syn-ack', probed('toString')]]) }, undeclared: ['pass'], declared: 'pass', protocol: 'not_tested' },
    { name: 'flow declared as constructor', flows: [flow('constructor', 443)], facts: { plan, host: host([[443, 'open', 'syn-ack', probed('constructor')]]) }, undeclared: ['pass'], declared: 'pass', protocol: 'not_tested' },
    { name: 'UDP flow without root', flows: [flow('snmp', 161, 'udp')], facts: { plan: { ...plan, privileged: false }, host: host([[22, 'open', 'syn-ack']]) }, undeclared: ['fail'], declared: 'not_tested', protocol: 'not_tested' },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const findings = judgeExposure(c.facts, c.flows ?? https, target, base);
      expect(findings.filter((f) => f.id === 'exposure.undeclared-port').map((f) => f.status)).toEqual(c.undeclared);
      if (c.declared) expect(findings.find((f) => f.id === 'exposure.declared-port')?.status).toBe(c.declared);
      if (c.protocol) expect(findings.find((f) => f.id === 'exposure.protocol-match')?.status).toBe(c.protocol);
    });
  }

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
    const findings = judgeExposure({ plan, host: host([[990, 'open', 'syn-ack', probed('ftp')]]) }, [flow('ftps', 990)], target, base);
    expect(findings.find((f) => f.id === 'exposure.protocol-match')?.status).toBe('fail');
  });

  it('lists at most MAX_UNDECLARED_LISTED ports one by one and sums up the rest of a gateway open on every port', () => {
    const all: PortSpec[] = Array.from({ length: 65535 }, (_, i) => [i + 1, 'open', 'syn-ack', probed('tcpwrapped')]);
    const findings = judgeExposure({ plan, host: host(all) }, https, target, base);
    const undeclared = findings.filter((f) => f.id === 'exposure.undeclared-port');
    expect(undeclared).toHaveLength(MAX_UNDECLARED_LISTED + 1);
    expect(undeclared.every((f) => f.status === 'fail')).toBe(true);
    const summary = undeclared.at(-1)!;
    expect(summary.target.port).toBeUndefined();
    expect(summary.params?.service).toContain(`and ${65534 - MAX_UNDECLARED_LISTED} more`);
    expect(summary.data).toEqual({ moreOpenPorts: 65534 - MAX_UNDECLARED_LISTED, listedOpenPorts: MAX_UNDECLARED_LISTED });
    expect(JSON.stringify(findings).length).toBeLessThan(200_000);
  });

  it('keeps the summary short when the open ports alternate (no range to compress)', () => {
    const every2nd: PortSpec[] = Array.from({ length: 32000 }, (_, i) => [2 * i + 1, 'open', 'syn-ack']);
    const summary = judgeExposure({ plan, host: host(every2nd) }, https, target, base).filter((f) => f.id === 'exposure.undeclared-port').at(-1)!;
    expect(String(summary.params?.what).length).toBeLessThan(500);
    expect(String(summary.evidence.actual).length).toBeLessThan(700);
  });

  it('clips every banner field a server chose', () => {
    const long = 'A'.repeat(100_000);
    const service: NmapService = { name: `http${long}`, product: long, version: long, extraInfo: long, method: 'probed', fingerprint: long };
    const findings = judgeExposure({ plan, host: host([[443, 'open', 'syn-ack', service], [8080, 'open', 'syn-ack', service]]) }, https, target, base);
    expect(JSON.stringify(findings).length).toBeLessThan(10_000);
    const fail = findings.find((f) => f.id === 'exposure.undeclared-port')!;
    expect(String(fail.params?.service)).toMatch(/more characters in the nmap XML/);
  });
});

