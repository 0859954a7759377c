import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { connectionFileSchema, type Gateway } from '../../src/connection/schema.ts';
import { readArtefact } from '../../src/evidence-store.ts';
import { exec as realExec, type Exec, type ExecResult } from '../../src/exec.ts';
import type { FactDeps } from '../../src/facts/facts.ts';
import { collectSweeps } from '../../src/facts/sweep.ts';
import { factDeps } from '../helpers/fact-deps.ts';

const fixture = readFileSync(new URL('../fixtures/nmap/open-gateway.xml', import.meta.url), 'utf8');
const RECORDED = /<address addr="([^"]+)" addrtype="ipv4"\/>/.exec(fixture)![1]!;
const HOST = /<host [\s\S]*<\/host>/.exec(fixture)![0];
const ADDRESSES = ['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4'];

/** nmap's XML for these hosts, each as the fixture's open gateway. */
const xmlFor = (hosts: string[]) => fixture.replace(HOST, hosts.map((h) => HOST.replaceAll(RECORDED, h)).join('\n'));

const result = (args: readonly string[], extra: Partial<ExecResult> = {}): ExecResult => ({
  command: 'nmap',
  args,
  exitCode: 0,
  signal: null,
  stdout: '',
  stderr: '',
  durationMs: 1,
  ...extra,
});

function deps(exec: Exec, scan: Record<string, unknown> = {}, extra: Partial<FactDeps> = {}): FactDeps {
  const connection = connectionFileSchema.parse({
    connection: { name: 'split', mojSystem: 'M', thirdPartySystem: 'T', organisation: 'O' },
    gateways: ADDRESSES.map((host, i) => ({ name: `gw${i + 1}`, host })),
    flows: [{ name: 'web', protocol: 'https', port: 443 }],
    scan: { udpTopPorts: 0, tcpPorts: '1-1024,8080', ...scan },
  });
  return factDeps(connection, exec, { nmapVersion: '7.93', cores: 2, ...extra });
}

/** An nmap that sweeps what it is given, announcing 22 on every host; discovery of `failing` hosts exits 1. */
function scriptedNmap(calls: string[][], failing: string[] = []): Exec {
  return (_command, args, options) => {
    calls.push([...args]);
    const hosts = args.slice(args.indexOf('--') + 1);
    if (!args.includes('-sV') && hosts.some((h) => failing.includes(h)))
      return Promise.resolve(result(args, { exitCode: 1, stderr: 'QUITTING!' }));
    writeFileSync(args[args.indexOf('-oX') + 1]!, xmlFor(hosts));
    if (!args.includes('-sV')) options.onStdout?.(hosts.map((h) => `Discovered open port 22/tcp on ${h}\n`).join(''));
    return Promise.resolve(result(args));
  };
}

describe('discovery split among processes', () => {
  it('sweeps the gateways in one nmap per core, each at its share of the total rate, then one -sV on all', async () => {
    const calls: string[][] = [];
    const ended: string[][] = [];
    const announced: string[] = [];
    const d = deps(scriptedNmap(calls));
    const facts = await collectSweeps(d, d.connection.gateways, (g, port) => announced.push(`${g.name}:${port.port}`), {
      discoveryEnded: (gateways: Gateway[]) => ended.push(gateways.map((g) => g.name)),
    });
    const discovery = calls.filter((c) => !c.includes('-sV'));
    expect(discovery.map((c) => c.slice(c.indexOf('--') + 1)).sort()).toEqual([ADDRESSES.slice(0, 2), ADDRESSES.slice(2)]);
    for (const c of discovery) {
      expect(c.join(' ')).toContain('--max-rate 10000 --min-rate 10000 --max-retries 2');
    }
    const services = calls.filter((c) => c.includes('-sV'));
    expect(services.map((c) => c.slice(c.indexOf('--') + 1))).toEqual([ADDRESSES]);
    expect(ended.sort()).toEqual([
      ['gw1', 'gw2'],
      ['gw3', 'gw4'],
    ]);
    expect(announced.sort()).toEqual(['gw1:22', 'gw2:22', 'gw3:22', 'gw4:22']);
    expect(facts.get('gw1')!.artefact).toBe('evidence/nmap-sweep-1.xml');
    expect(facts.get('gw4')!.artefact).toBe('evidence/nmap-sweep-2.xml');
    expect(readArtefact(d.evidence.list().find((a) => a.path === 'evidence/nmap-sweep-2.xml')!).toString()).toContain('192.0.2.4');
    expect(facts.get('gw3')!.source.replace(/ --versiondb \(nmap's, probe waits ≤ \d+ ms\)/, '')).toBe(
      'nmap 7.93 -sS -p T:1-1024,8080 --max-rate 10000 --min-rate 10000 --max-retries 2 (discovery run 2 of 2, 2 gateways); ' +
        'nmap 7.93 -sT -sV --version-intensity 2 --host-timeout 30s -p T:22,443,8080',
    );
    expect([...facts.values()].every((f) => f.host?.ports.some((p) => p.port === 22 && p.state === 'open'))).toBe(true);
  });

  it('shares the lan pace the same way', async () => {
    const calls: string[][] = [];
    const d = deps(scriptedNmap(calls), { pace: 'lan' }, { cores: 4 });
    await collectSweeps(d, d.connection.gateways, () => undefined);
    const discovery = calls.filter((c) => !c.includes('-sV'));
    expect(discovery).toHaveLength(4);
    for (const c of discovery) expect(c.join(' ')).toContain('--max-rate 50000 --min-rate 50000 --max-retries 0');
  });

  it('sweeps again, nmap pacing itself, the gateway that answered too many ports at a held rate, and only that one', async () => {
    const calls: string[][] = [];
    // gw2 resets 60,000 ports: at a held rate some replies may be lost, so its first look cannot stand.
    const answering: Exec = (_command, args) => {
      calls.push([...args]);
      const hosts = args.slice(args.indexOf('--') + 1);
      const xml = xmlFor(hosts).replace(
        new RegExp(`(<address addr="192\\.0\\.2\\.2"[\\s\\S]*?)count="1022"`),
        (_, before: string) => `${before}count="60000"`,
      );
      writeFileSync(
        args[args.indexOf('-oX') + 1]!,
        args.includes('--min-rate') ? xml.replace(/<port protocol="tcp" portid="8080">[\s\S]*?<\/port>/g, '') : xml,
      );
      return Promise.resolve(result(args));
    };
    const d = deps(answering, {}, { cores: 1 });
    const facts = await collectSweeps(d, d.connection.gateways, () => undefined);
    const again = calls.filter((c) => !c.includes('-sV') && !c.includes('--min-rate'));
    expect(again.map((c) => c.slice(c.indexOf('--') + 1))).toEqual([['192.0.2.2']]);
    expect(again[0]!.join(' ')).toContain('--max-rate 20000 --max-retries 2');
    // The second look found 8080, which the first (at its held rate) lost.
    expect(
      facts
        .get('gw2')!
        .host!.ports.filter((p) => p.state === 'open')
        .map((p) => p.port),
    ).toEqual([22, 443, 8080]);
    expect(
      facts
        .get('gw1')!
        .host!.ports.filter((p) => p.state === 'open')
        .map((p) => p.port),
    ).toEqual([22, 443]);
    expect(facts.get('gw2')!.source).toContain(
      '; again for gw2, which answered more than 4000 ports: nmap -sS -p T:1-1024,8080 --max-rate 20000 --max-retries 2 (no --min-rate)',
    );
    expect(d.evidence.list().map((a) => a.path)).toContain('evidence/gateways/gw2/nmap-sweep-second-look.xml');
  });

  it('fails only the gateway whose second look failed, saying what to do', async () => {
    const flaky: Exec = (_command, args) => {
      const hosts = args.slice(args.indexOf('--') + 1);
      if (!args.includes('-sV') && !args.includes('--min-rate')) return Promise.resolve(result(args, { exitCode: 1, stderr: 'QUITTING!' }));
      writeFileSync(args[args.indexOf('-oX') + 1]!, xmlFor(hosts).replace(/count="1022"/g, 'count="60000"'));
      return Promise.resolve(result(args));
    };
    const d = deps(flaky, { tcpPorts: '1-65535' }, { cores: 1 });
    const facts = await collectSweeps(d, d.connection.gateways, () => undefined);
    for (const fact of facts.values()) {
      expect(fact.host).toBeUndefined();
      expect(fact.failure).toMatch(/answered so many ports .* sweeping it again with nmap pacing itself failed .* set a lower scan\.rate/);
    }
  });

  it('fails only the gateways of a process that failed', async () => {
    const calls: string[][] = [];
    const d = deps(scriptedNmap(calls, ['192.0.2.1']));
    const facts = await collectSweeps(d, d.connection.gateways, () => undefined);
    expect(facts.get('gw1')!.failure).toMatch(/exit|QUITTING/);
    expect(facts.get('gw2')!.failure).toBe(facts.get('gw1')!.failure);
    expect(facts.get('gw3')!.failure).toBeUndefined();
    expect(facts.get('gw4')!.host?.status).toBe('up');
  });
});

describe('masscan as the discovery engine', () => {
  /** `ip route get` answers as on a host whose targets are all on eth0's link; everything else runs for real. */
  const routed: Exec = (command, args, options) =>
    command === 'ip'
      ? Promise.resolve(result(args, { stdout: JSON.stringify([{ dst: args[3], dev: 'eth0', prefsrc: '192.0.2.100', flags: [] }]) }))
      : realExec(command, args, options);

  it('fails each gateway with what to do when masscan is not installed, never reading it as closed ports', async () => {
    const d = deps(routed, { engine: 'masscan' }, { masscanPath: '/nonexistent/masscan' });
    const ended: string[] = [];
    const facts = await collectSweeps(d, d.connection.gateways, () => undefined, {
      discoveryEnded: (gateways) => ended.push(...gateways.map((g) => g.name)),
    });
    for (const fact of facts.values()) {
      expect(fact.host).toBeUndefined();
      expect(fact.failure).toMatch(/masscan is not installed \(no \/nonexistent\/masscan\): install masscan .* or set scan\.engine: nmap/);
    }
    expect(ended.sort()).toEqual(['gw1', 'gw2', 'gw3', 'gw4']);
  });

  it('fails the gateways of a route from which masscan saw nothing at all, never reading that as filtered ports', async () => {
    // A masscan that runs, exits 0 and writes no file: what a capture that saw nothing leaves.
    const quiet: Exec = (command, args, options) =>
      command === 'masscan' ? Promise.resolve(result(args, { stderr: 'Starting masscan 1.3.2\n' })) : routed(command, args, options);
    const d = deps(quiet, { engine: 'masscan' });
    const facts = await collectSweeps(d, d.connection.gateways, () => undefined);
    for (const fact of facts.values()) {
      expect(fact.host).toBeUndefined();
      expect(fact.failure).toMatch(/masscan saw no answer at all .* from any gateway on this route/);
    }
  });

  it('needs root, and says so', async () => {
    const d = deps(routed, { engine: 'masscan' }, { privileged: false, masscanPath: '/nonexistent/masscan' });
    const facts = await collectSweeps(d, d.connection.gateways, () => undefined);
    expect(facts.get('gw2')!.failure).toMatch(/needs root: run cocoscan as root, or set scan\.engine: nmap/);
    expect(facts.get('gw2')!.artefact).toBe('evidence/gateways/gw2/masscan-not-run.txt');
  });
});
