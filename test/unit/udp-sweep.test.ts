import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { connectionFileSchema } from '../../src/connection/schema.ts';
import type { FactDeps } from '../../src/facts/facts.ts';
import { collectSweeps, mergeOutcomes, sweepPlanFor } from '../../src/facts/sweep.ts';
import { sweepFailureReason } from '../../src/facts/sweep-reading.ts';
import { parseNmapXml } from '../../src/nmap/parse.ts';
import { buildNmapArgs, type NmapOutcome } from '../../src/nmap/run.ts';
import { NMAP_TOP_UDP_PORTS, topUdpPorts } from '../../src/nmap/udp-top-ports.ts';
import { expandPortList } from '../../src/nmap/ports.ts';
import { fakeNmap } from '../helpers/fake-nmap.ts';
import { factDeps } from '../helpers/fact-deps.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/nmap/${name}`, import.meta.url), 'utf8');

function deps(scan: Record<string, unknown> = {}, privileged = true, exec = fakeNmap('open-gateway.xml')): FactDeps {
  const connection = connectionFileSchema.parse({
    connection: { name: 'udp', mojSystem: 'M', thirdPartySystem: 'T', organisation: 'O' },
    gateways: [{ name: 'gw', host: '192.0.2.1' }],
    flows: [
      { name: 'web', protocol: 'https', port: 443 },
      { name: 'names', protocol: 'dns', port: 53, transport: 'udp' },
      { name: 'traps', protocol: 'snmp', port: 40162, transport: 'udp' },
    ],
    scan,
  });
  return factDeps(connection, exec, { privileged });
}

describe("nmap's most common UDP services", () => {
  it('are 100 distinct ports, most frequent first, echo and mDNS among them', () => {
    expect(NMAP_TOP_UDP_PORTS).toHaveLength(100);
    expect(new Set(NMAP_TOP_UDP_PORTS).size).toBe(100);
    expect(topUdpPorts(3)).toEqual([631, 161, 137]);
    expect(topUdpPorts(100)).toEqual(expect.arrayContaining([7, 53, 123, 1900, 5353]));
    expect(topUdpPorts(0)).toEqual([]);
    expect(topUdpPorts(-1)).toEqual([]);
    expect(topUdpPorts(1000)).toHaveLength(100);
  });
});

describe('the sweep plan', () => {
  it('sweeps the top 100 UDP services by default, beside the declared UDP flows and the listed UDP ports', () => {
    const plan = sweepPlanFor(deps({ udpPorts: '9999' }), ['192.0.2.1']);
    expect(plan.udpTop).toBe(100);
    expect(plan.udpNamed).toBe('53,9999,40162');
    const ports = expandPortList(plan.udpPorts!);
    expect(ports).toHaveLength(102);
    expect(ports).toEqual(expect.arrayContaining([7, 5353, 9999, 40162]));
  });

  it('sweeps only the declared UDP flows with udpTopPorts 0, as before', () => {
    const plan = sweepPlanFor(deps({ udpTopPorts: 0 }), ['192.0.2.1']);
    expect(plan).toMatchObject({ udpPorts: '53,40162', udpTop: 0, udpNamed: '53,40162' });
  });

  it('refuses a top count out of range', () => {
    for (const udpTopPorts of [-1, 101, 1.5, '100']) expect(() => deps({ udpTopPorts })).toThrow();
  });

  it('runs UDP as nmap runs of its own: TCP with -sS -sV, UDP with -sU and light service probes', () => {
    const plan = sweepPlanFor(deps(), ['192.0.2.1']);
    const tcp = buildNmapArgs({ ...plan, udpPorts: '' }, '/tmp/t.xml');
    expect(tcp).toEqual(expect.arrayContaining(['-sS', '-sV', '-p', 'T:1-65535']));
    expect(tcp).not.toContain('-sU');
    expect(tcp).not.toContain('--version-intensity');
    const udp = buildNmapArgs({ ...plan, tcpPorts: '' }, '/tmp/u.xml');
    expect(udp).toEqual(expect.arrayContaining(['-sU', '-sV', '--version-intensity', '0', '-p', `U:${plan.udpPorts}`]));
    expect(udp).not.toContain('-sS');
    expect(buildNmapArgs({ ...plan, tcpPorts: '', serviceDetection: false }, '/tmp/u.xml')).not.toContain('--version-intensity');
  });
});

describe('one sweep from the TCP and UDP runs', () => {
  const ok = (xml: string): NmapOutcome => ({
    ok: true,
    run: parseNmapXml(xml),
    xml,
    exec: { command: 'nmap', args: [], exitCode: 0, signal: null, stdout: '', stderr: '', durationMs: 1 },
  });
  const tcpOnly = fixture('open-gateway-udp.xml')
    .replace(/<scaninfo [^>]*protocol="udp"[^>]*\/>\n?/g, '')
    .replace(/<port protocol="udp"[\s\S]*?<\/port>\n?/g, '');
  const udpOnly = fixture('open-gateway-udp.xml')
    .replace(/<scaninfo [^>]*protocol="tcp"[^>]*\/>\n?/g, '')
    .replace(/<port protocol="tcp"[\s\S]*?<\/port>\n?/g, '')
    .replace(/<extraports [^>]*>\s*(<extrareasons [^>]*proto="tcp"[^>]*\/>\s*)+<\/extraports>\n?/g, '');

  it('gives each host the ports of both runs, as the one combined run did', () => {
    const merged = mergeOutcomes(ok(tcpOnly), ok(udpOnly));
    const combined = parseNmapXml(fixture('open-gateway-udp.xml'));
    expect(merged.ok).toBe(true);
    if (!merged.ok) return;
    const key = (p: { protocol: string; port: number; state: string }) => `${p.port}/${p.protocol} ${p.state}`;
    expect(merged.run.hosts[0]!.ports.map(key).sort()).toEqual(combined.hosts[0]!.ports.map(key).sort());
    expect(merged.run.scanTypes.map((s) => s.protocol).sort()).toEqual(['tcp', 'udp']);
  });

  it('fails when either run fails', () => {
    const failed: NmapOutcome = { ok: false, reason: 'nmap was killed', xml: '', exec: ok(tcpOnly).exec };
    expect(mergeOutcomes(ok(tcpOnly), failed)).toMatchObject({ ok: false, reason: 'the UDP sweep failed: nmap was killed' });
    expect(mergeOutcomes(failed, ok(udpOnly))).toMatchObject({ ok: false, reason: 'nmap was killed' });
  });

  it('keeps each run as evidence and names both in the source', async () => {
    const calls: string[][] = [];
    const d = deps({}, true, fakeNmap('open-gateway.xml', calls));
    const sweep = (await collectSweeps(d, d.connection.gateways, () => {})).get('gw')!;
    // TCP discovery, -sV on the TCP ports it found open, and the UDP run.
    expect(calls.filter((c) => c.includes('-oX'))).toHaveLength(3);
    expect(sweep.artefact).toMatch(/nmap-sweep\.xml$/);
    expect(sweep.serviceArtefact).toMatch(/nmap-services\.xml$/);
    expect(sweep.udpArtefact).toMatch(/nmap-sweep-udp\.xml$/);
    expect(withoutProbeWaits(sweep.source)).toBe(
      'nmap 7.93 -sS -p T:1-65535 --max-rate 20000 --min-rate 20000 --max-retries 2; ' +
        'nmap 7.93 -sT -sV --version-intensity 2 --host-timeout 30s -p T:22,443,8080; ' +
        'nmap 7.93 -sU -sV --version-intensity 0 -p U:(top 100)+53,40162',
    );
    expect(sweepFailureReason(sweep)).toBeUndefined();
  });

  it('runs TCP only without root: discovery, then -sV on the open ports', async () => {
    const calls: string[][] = [];
    const d = deps({}, false, fakeNmap('open-gateway.xml', calls));
    const sweep = (await collectSweeps(d, d.connection.gateways, () => {})).get('gw')!;
    expect(calls.filter((c) => c.includes('-oX'))).toHaveLength(2);
    expect(sweep.udpArtefact).toBeUndefined();
    expect(withoutProbeWaits(sweep.source)).toBe(
      'nmap 7.93 -sT -p T:1-65535 --max-rate 20000 --min-rate 20000 --max-retries 2; ' +
        'nmap 7.93 -sT -sV --version-intensity 2 --host-timeout 30s -p T:22,443,8080',
    );
  });
});

/** The source without the capped probe waits, which nmap's probe database installed here decides (service-budget.test.ts). */
function withoutProbeWaits(source: string): string {
  return source.replace(/ --versiondb \(nmap's, probe waits ≤ \d+ ms\)/, '');
}
