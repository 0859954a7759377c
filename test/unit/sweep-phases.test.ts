import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { connectionFileSchema } from '../../src/connection/schema.ts';
import type { Exec } from '../../src/exec.ts';
import { Facts, type FactDeps } from '../../src/facts/facts.ts';
import { PortTurns } from '../../src/facts/port-turns.ts';
import { serviceDetectionGap, servicePlanFor, withServices } from '../../src/facts/service-detection.ts';
import { sweepPlanFor } from '../../src/facts/sweep.ts';
import { parseNmapXml } from '../../src/nmap/parse.ts';
import { buildNmapArgs, type NmapOutcome } from '../../src/nmap/run.ts';
import { factDeps } from '../helpers/fact-deps.ts';

const fixture = readFileSync(new URL('../fixtures/nmap/open-gateway.xml', import.meta.url), 'utf8');
const RECORDED = /<address addr="([^"]+)" addrtype="ipv4"\/>/.exec(fixture)![1]!;
const execResult = { command: 'nmap', args: [], exitCode: 0, signal: null, stdout: '', stderr: '', durationMs: 1 };
const ok = (xml: string): NmapOutcome => ({ ok: true, run: parseNmapXml(xml), xml, exec: execResult });

function connection(scan: Record<string, unknown> = {}) {
  return connectionFileSchema.parse({
    connection: { name: 'phases', mojSystem: 'M', thirdPartySystem: 'T', organisation: 'O' },
    gateways: [{ name: 'gw', host: RECORDED }],
    flows: [{ name: 'web', protocol: 'https', port: 443 }],
    scan: { udpTopPorts: 0, probeTimeoutSeconds: 1, ...scan },
  });
}

const settled = async (promise: Promise<unknown>) => {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setImmediate(resolve));
  return done;
};

/** Waits, turn of the event loop by turn (no timer: fake timers stay in control), until `done` holds. */
async function until(done: () => boolean): Promise<void> {
  const deadline = performance.now() + 10_000;
  while (!done() && performance.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
  expect(done()).toBe(true);
}

describe('the service detection phase', () => {
  const plan = sweepPlanFor({ connection: connection(), privileged: true } as FactDeps, [RECORDED]);
  const budgets = { serviceDetectionSeconds: 30, servicePortSeconds: 10 };

  it('runs -sV only on the ports discovery found open, within its own budget', () => {
    const services = servicePlanFor(plan, ok(fixture), budgets)!;
    expect(services).toMatchObject({
      hosts: [RECORDED],
      tcpPorts: '22,443,8080',
      udpPorts: '',
      hostTimeoutSeconds: 30,
      versionIntensity: 2,
    });
    // A connect scan: as root, nmap scans gateways on different interfaces one hostgroup after another (83 s for 32).
    expect(services.privileged).toBe(false);
    expect(buildNmapArgs(services, '/x.xml')).toEqual(expect.arrayContaining(['-sT', '--unprivileged', '-sV']));
    expect(buildNmapArgs(services, '/x.xml')).not.toContain('-sS');
    // Without nmap's probe database to cap, the probes keep nmap's own waits.
    expect(services.serviceProbeWaitMs).toBeUndefined();
    // With it, the port that gets most probes shares the port budget among them: at most half the gateway's.
    const probes = [
      { name: 'NULL', rarity: 9, ports: new Set<number>() },
      { name: 'Web', rarity: 1, ports: new Set([8080]) },
    ];
    expect(servicePlanFor(plan, ok(fixture), budgets, probes)?.serviceProbeWaitMs).toBe(5000);
    expect(servicePlanFor(plan, ok(fixture), { serviceDetectionSeconds: 8, servicePortSeconds: 10 }, probes)?.serviceProbeWaitMs).toBe(
      2000,
    );
    // Three services: nmap's own parallelism holds them all at once.
    expect(services.serviceParallelism).toBeUndefined();
    expect(services.serviceDetection).toBe(true);
    expect(servicePlanFor({ ...plan, serviceDetection: false }, ok(fixture), budgets)).toBeUndefined();
    const nothingOpen = fixture.replace(/state="open"/g, 'state="closed"');
    expect(servicePlanFor(plan, ok(nothingOpen), budgets)).toBeUndefined();
    expect(servicePlanFor(plan, { ok: false, reason: 'killed', xml: '', exec: execResult }, budgets)).toBeUndefined();
  });

  it("probes every open port at once, up to nmap's ceiling, so silent ports do not wait in rounds", () => {
    const ports = (count: number) =>
      Array.from({ length: count }, (_, i) => `<port protocol="tcp" portid="${i + 1}"><state state="open" reason="syn-ack"/></port>`).join(
        '',
      );
    const many = (count: number) => fixture.replace(/<ports>[\s\S]*<\/ports>/, `<ports>${ports(count)}</ports>`);
    expect(servicePlanFor(plan, ok(many(20)), budgets)?.serviceParallelism).toBeUndefined();
    expect(servicePlanFor(plan, ok(many(21)), budgets)?.serviceParallelism).toBe(21);
    expect(servicePlanFor(plan, ok(many(500)), budgets)?.serviceParallelism).toBe(100);
  });

  it("keeps discovery's port states and takes the service run's names", () => {
    const discovery = fixture.replace(/<service [^>]*>[\s\S]*?<\/service>/g, '<service name="unknown" method="table" conf="3"/>');
    // The service run saw 443 filtered (a rate limit used up in between) and named 22 and 8080.
    const services = fixture.replace(/(portid="443"><state state=")open(" reason=")syn-ack/, '$1filtered$2no-response');
    const merged = withServices(ok(discovery), ok(services));
    expect(merged.ok).toBe(true);
    if (!merged.ok) return;
    const ports = merged.run.hosts[0]!.ports.map((p) => `${p.port} ${p.state} ${p.service?.name}/${p.service?.method}`);
    expect(ports).toEqual(['22 open ssh/probed', '443 open unknown/table', '8080 open http/probed']);
    expect(merged.xml).toBe(discovery);
    // A failed service run leaves discovery as it was.
    expect(withServices(ok(discovery), { ok: false, reason: 'killed', xml: '', exec: execResult })).toEqual(ok(discovery));
  });

  it('says when the service run ran out of its budget or failed', () => {
    const timedOut = fixture.replace('<host starttime', '<host timedout="true" starttime');
    expect(serviceDetectionGap(ok(timedOut), RECORDED, 30)).toMatch(/ran out of its 30 s budget \(scan\.serviceDetectionSeconds\)/);
    expect(serviceDetectionGap(ok(fixture), RECORDED, 30)).toBeUndefined();
    expect(serviceDetectionGap({ ok: false, reason: 'nmap was killed', xml: '', exec: execResult }, RECORDED, 30)).toMatch(
      /service detection failed: nmap was killed/,
    );
    expect(serviceDetectionGap(undefined, RECORDED, 30)).toBeUndefined();
  });
});

describe('turns on a gateway’s ports', () => {
  it('lets a probe go once discovery ended', async () => {
    const turns = new PortTurns();
    const first = turns.discovered();
    expect(await settled(first)).toBe(false);
    turns.discoveryEnded();
    expect(await settled(first)).toBe(true);
    expect(await settled(turns.discovered())).toBe(true);
  });
});

describe('probes and nmap taking turns on a gateway', () => {
  /** An nmap that announces 443 from discovery, then waits to be told to finish; every step goes in `events`. */
  function scriptedNmap(events: string[]) {
    let finishDiscovery = () => {};
    const exec: Exec = (command, args, options) => {
      const services = args.includes('-sV');
      events.push(services ? `nmap -sV -p ${args[args.indexOf('-p') + 1]}` : 'nmap discovery');
      writeFileSync(args[args.indexOf('-oX') + 1]!, fixture);
      if (services) return Promise.resolve({ ...execResult, args });
      options.onStdout?.(`Discovered open port 443/tcp on ${RECORDED}\n`);
      return new Promise((resolve) => (finishDiscovery = () => resolve({ ...execResult, args })));
    };
    return { exec, finishDiscovery: () => finishDiscovery() };
  }

  function facts(exec: Exec) {
    return new Facts(factDeps(connection(), exec, { nmapVersion: '7.93' }));
  }

  it('starts a probe of a declared port when discovery ends, not when it announces the port, and -sV beside it', async () => {
    const events: string[] = [];
    const nmap = scriptedNmap(events);
    const run = facts(nmap.exec);
    const gw = connection().gateways[0]!;
    const announced: number[] = [];
    run.onOpenPort(gw, (port) => announced.push(port.port));
    let finishProbe = () => {};
    const probe = run.probeSweptPort(gw, () => {
      events.push('tls probe of 443');
      return new Promise<string>((resolve) => (finishProbe = () => resolve('handshake')));
    });
    const sweep = run.sweep(gw);
    await until(() => announced.length > 0);
    expect(await settled(probe)).toBe(false);
    // nmap announced 443, but its scan goes on: a probe now could use up a rate limit nmap is timing its scan on.
    expect(announced).toEqual([443]);
    expect(events).toEqual(['nmap discovery']);
    nmap.finishDiscovery();
    // -sV does not queue behind the probe, which has not finished: the sweep ends while the probe still runs.
    const fact = await sweep;
    expect(events.sort()).toEqual(['nmap -sV -p T:22,443,8080', 'nmap discovery', 'tls probe of 443']);
    expect(await settled(probe)).toBe(false);
    finishProbe();
    await expect(probe).resolves.toBe('handshake');
    // Light version detection; the probe waits are capped when nmap's probe database is installed here.
    const db = String.raw`( --versiondb \(nmap's, probe waits ≤ \d+ ms\))?`;
    expect(fact.source).toMatch(
      new RegExp(
        String.raw`^nmap 7\.93 -sS -p T:1-65535 --max-rate 20000 --min-rate 20000 --max-retries 2; ` +
          String.raw`nmap 7\.93 -sT -sV --version-intensity 2${db} --host-timeout 30s -p T:22,443,8080$`,
      ),
    );
    expect(fact.serviceArtefact).toMatch(/nmap-services\.xml$/);
  });

  it('runs the probe of a gateway the sweep left out (its name gave no address) once the sweep settled', async () => {
    const events: string[] = [];
    const nmap = scriptedNmap(events);
    const run = facts(nmap.exec);
    const unswept = { ...connection().gateways[0]!, name: 'unresolved', host: 'gw.invalid' };
    const probe = run.probeSweptPort(unswept, () => Promise.resolve('refused'));
    await until(() => events.length === 1);
    nmap.finishDiscovery();
    await expect(probe).resolves.toBe('refused');
    await expect(run.probeSweptPort(unswept, () => Promise.resolve('later'))).resolves.toBe('later');
  });

  it('runs a probe at once when the run does not sweep', async () => {
    const run = new Facts({ connection: connection(), sweepEnabled: false } as FactDeps);
    await expect(run.probeSweptPort(connection().gateways[0]!, () => Promise.resolve('now'))).resolves.toBe('now');
  });
});
