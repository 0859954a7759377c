import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionFileSchema } from '../../src/connection/schema.ts';
import { readArtefact } from '../../src/evidence-store.ts';
import { exec } from '../../src/exec.ts';
import type { FactDeps } from '../../src/facts/facts.ts';
import { collectSweeps, type SweepFact } from '../../src/facts/sweep.ts';
import { nmapVersion } from '../../src/nmap/run.ts';
import { labGateway, runLabCheck } from './check-run.ts';
import { labAvailability, startLabGateway, type LabGateway } from './lab.ts';
import { factDeps } from '../helpers/fact-deps.ts';

const lab = await labAvailability();
if (!lab.ok) console.warn(`[lab] skipping the discovery engine lab test: ${lab.reason}`);

/** Three sweeps of 4 × 10,000 ports at the default (internet) pace and the gateways' start, on a loaded 2-core machine. */
const LOADED_MACHINE_MS = 240_000;

/** The ports the lab's daemons listen on, by gateway: the truth discovery must find, no more, no less. */
const PORTS = '1-10000';
/**
 * The IPv6 gateway's discovery (its firewall covers IPv4 only, so it resets every other port): nmap, since masscan
 * sweeps IPv4 only, and a second look with nmap pacing itself, since a held rate loses replies (see secondLook).
 */
const V6_SOURCE = /^nmap .*\(IPv6: masscan sweeps IPv4 only\); again for fw6, which answered more than 4000 ports: .*\(no --min-rate\)$/;
const TRUTH: Record<string, number[]> = { fw: [22, 8080], fw2: [80, 2222], open: [8000] };

describe.skipIf(!lab.ok)('discovery engines on lab gateways (real nmap, masscan, sshd, nginx, nftables)', () => {
  const gateways: Record<string, LabGateway> = {};
  let version: string | undefined;
  beforeAll(async () => {
    gateways.fw = await startLabGateway({
      name: 'disc-fw',
      services: [
        { kind: 'sshd', port: 22 },
        { kind: 'nginx-http', port: 8080 },
      ],
      // 9999 is let through with nothing listening: the gateway resets it.
      firewallAllowTcp: [22, 8080, 9999],
      // IPv4 only: the default-drop ruleset would drop neighbour discovery too, and nmap finds an IPv6 host down without it.
      firewallFamily: 'ip',
      ipv6: true,
    });
    gateways.fw2 = await startLabGateway({
      name: 'disc-fw2',
      services: [
        { kind: 'sshd', port: 2222 },
        { kind: 'nginx-http', port: 80 },
      ],
      firewallAllowTcp: [80, 2222],
    });
    gateways.open = await startLabGateway({ name: 'disc-open', services: [{ kind: 'nginx-http', port: 8000 }] });
    version = await nmapVersion(exec);
  }, LOADED_MACHINE_MS);
  afterAll(async () => {
    await Promise.all(Object.values(gateways).map((g) => g.stop()));
  });

  function deps(scan: Record<string, unknown>, extra: Partial<FactDeps> = {}, more: { name: string; host: string }[] = []): FactDeps {
    const connection = connectionFileSchema.parse({
      connection: { name: 'engines', mojSystem: 'M', thirdPartySystem: 'T', organisation: 'O' },
      gateways: [
        ...Object.entries(gateways).map(([name, g]) => ({ name, host: g.address })),
        { name: 'fw6', host: gateways.fw!.address6 },
        ...more,
      ],
      flows: [{ name: 'web', protocol: 'http', port: 8080 }],
      scan: { tcpPorts: PORTS, udpTopPorts: 0, serviceDetection: false, ...scan },
    });
    return factDeps(connection, exec, {
      now: () => new Date(),
      signal: AbortSignal.timeout(LOADED_MACHINE_MS),
      nmapVersion: version,
      cores: 2,
      ...extra,
    });
  }

  const open = (fact: SweepFact | undefined) => fact?.host?.ports.filter((p) => p.state === 'open').map((p) => p.port);

  async function sweep(d: FactDeps) {
    const announced = new Map<string, number[]>();
    const ended: string[] = [];
    const facts = await collectSweeps(
      d,
      d.connection.gateways,
      (g, port) =>
        announced.set(
          g.name,
          [...(announced.get(g.name) ?? []), port.port].sort((a, b) => a - b),
        ),
      { discoveryEnded: (list) => ended.push(...list.map((g) => g.name)) },
    );
    return { facts, announced, ended: ended.sort() };
  }

  it('finds exactly the listening ports with nmap split into processes', { timeout: LOADED_MACHINE_MS }, async () => {
    const { facts, announced, ended } = await sweep(deps({}));
    for (const [name, ports] of Object.entries(TRUTH)) {
      expect(facts.get(name)?.failure).toBeUndefined();
      expect(open(facts.get(name))).toEqual(ports);
      expect(announced.get(name)).toEqual(ports);
    }
    expect(open(facts.get('fw6'))).toEqual(TRUTH.fw);
    expect(ended).toEqual(['fw', 'fw2', 'fw6', 'open']);
    // Three IPv4 gateways on two cores: two nmap processes (and one for IPv6), each at a third of the total.
    const sources = new Set(['fw', 'fw2', 'open'].map((n) => facts.get(n)!.source));
    expect(sources.size).toBe(2);
    for (const source of sources)
      expect(source).toMatch(/^nmap \S+ -sS -p T:1-10000 --max-rate 6666 --min-rate 6666 --max-retries 2 \(discovery run [12] of 2/);
  });

  it(
    'finds exactly the listening ports with masscan, one process per route, IPv6 left to nmap',
    { timeout: LOADED_MACHINE_MS },
    async () => {
      const d = deps({ engine: 'masscan' });
      const { facts, announced, ended } = await sweep(d);
      for (const [name, ports] of Object.entries(TRUTH)) {
        expect(facts.get(name)?.failure).toBeUndefined();
        expect(open(facts.get(name))).toEqual(ports);
        expect(announced.get(name)).toEqual(ports);
        expect(facts.get(name)!.source).toMatch(/^masscan 1\.\S+ -p 1-10000 --rate 5000 --retries 2 --wait 3 --adapter \S+ --router-ip /);
        expect(facts.get(name)!.artefact).toBe(`evidence/gateways/${name}/masscan.json`);
      }
      // The reset on 9999 reads as a reset, the rest of the firewalled gateway as silence; the open one resets everything else.
      expect(facts.get('fw')!.host!.extraPorts).toEqual([
        { state: 'closed', count: 1, reasons: [{ reason: 'reset', count: 1, ports: '9999' }] },
        { state: 'filtered', count: 9_997, reasons: [{ reason: 'no-response', count: 9_997 }] },
      ]);
      // masscan keeps no state per port: a reset lost on the way every time it asked reads as silence, never as open.
      const [closed, silent] = facts.get('open')!.host!.extraPorts;
      expect(closed).toMatchObject({ state: 'closed' });
      expect(closed!.count).toBeGreaterThan(9_900);
      expect(closed!.count + (silent?.count ?? 0)).toBe(9_999);
      expect(open(facts.get('fw6'))).toEqual(TRUTH.fw);
      expect(facts.get('fw6')!.source).toMatch(V6_SOURCE);
      expect(ended).toEqual(['fw', 'fw2', 'fw6', 'open']);
      expect(readArtefact(d.evidence.list().find((a) => a.path === 'evidence/gateways/fw2/masscan.json')!).toString()).toContain(
        '"port": 2222',
      );
    },
  );

  it('fails every IPv4 gateway with what to do when masscan is missing', { timeout: LOADED_MACHINE_MS }, async () => {
    const { facts } = await sweep(deps({ engine: 'masscan' }, { masscanPath: '/nonexistent/masscan' }));
    for (const name of Object.keys(TRUTH)) {
      expect(facts.get(name)!.host).toBeUndefined();
      expect(facts.get(name)!.failure).toMatch(/^masscan is not installed .*: install masscan .* or set scan\.engine: nmap$/);
    }
    expect(facts.get('fw6')!.source).toMatch(V6_SOURCE);
  });

  it(
    'fails a gateway that does not answer ARP with masscan, never reading its silence as filtered ports',
    { timeout: LOADED_MACHINE_MS },
    async () => {
      const gone = { name: 'gone', host: gateways.fw!.silentAddress };
      const { facts } = await sweep(deps({ engine: 'masscan', tcpPorts: '1-1024' }, {}, [gone]));
      expect(facts.get('gone')!.host).toBeUndefined();
      expect(facts.get('gone')!.failure).toMatch(
        /^the next hop \S+ did not answer ARP on \S+, so masscan sent nothing .*check the address/,
      );
      expect(open(facts.get('fw2'))).toEqual([80]);
    },
  );

  it('judges exposure from a masscan sweep in a whole check', { timeout: LOADED_MACHINE_MS }, async () => {
    const { finding, report } = await runLabCheck({
      name: 'masscan-check',
      gateways: [labGateway(gateways.fw!, { name: 'fw' }), labGateway(gateways.open!, { name: 'open' })],
      flows: ['{ name: admin, protocol: ssh, port: 22 }', '{ name: web, protocol: http, port: 8080 }'],
      tcpPorts: PORTS,
      // Read as part of the scan section, which the lab's connection file ends with.
      extra: '  engine: masscan\n  serviceDetection: false\n',
    });
    expect(finding('exposure.undeclared-port', 'open')).toMatchObject({ status: 'fail', target: { port: 8000 } });
    expect(finding('exposure.undeclared-port', 'fw')).toMatchObject({ status: 'pass' });
    expect(finding('exposure.undeclared-port', 'fw')?.evidence.source).toMatch(/^masscan 1\.\S+ -p 1-10000 --rate \d+ --retries 2 /);
    expect(report.artefacts.map((a) => a.path)).toContain('evidence/gateways/fw/masscan.json');
  });
});
