import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { Exec } from '../../src/exec.ts';
import { unnamedPorts } from '../../src/facts/service-detection.ts';
import { parseNmapXml } from '../../src/nmap/parse.ts';
import { buildNmapArgs, runNmap, type SweepPlan } from '../../src/nmap/run.ts';
import {
  cappedServiceProbes,
  loadServiceProbes,
  MIN_PROBE_WAIT_MS,
  probesTriedOn,
  probeWaitMs,
  serviceProbePaths,
  tcpProbesOf,
} from '../../src/nmap/service-probes.ts';

// A probe database shaped as nmap's: directives before, between and after matches; one UDP probe; one without a wait.
const DATABASE = [
  '# nmap-service-probes (a cut of its shape)',
  'Exclude T:9100-9107',
  'Probe TCP NULL q||',
  'totalwaitms 6000',
  'tcpwrappedms 3000',
  'match ssh m|^SSH-([\\d.]+)-| p/OpenSSH/',
  'Probe TCP GetRequest q|GET / HTTP/1.0\\r\\n\\r\\n|',
  'rarity 1',
  'ports 80-85,8080',
  'sslports 443',
  'match http m|^HTTP/1\\.[01] \\d\\d\\d|',
  'Probe UDP DNSVersionBindReq q|\\0\\x06|',
  'rarity 1',
  'ports 53',
  'Probe TCP X11Probe q|l\\0\\x0b|',
  'rarity 8',
  'ports 6000-6009',
  'match X11 m|^\\x01\\0\\x0b|',
  'Probe TCP Slow q|\\r\\n|',
  'rarity 5',
  'totalwaitms 11000',
  'match slow m|^slow|',
  '',
].join('\n');

describe("nmap's probe database, capped to a per-port budget", () => {
  const probes = tcpProbesOf(DATABASE);

  it('reads the TCP probes with their rarity and ports', () => {
    expect(probes.map((p) => `${p.name}:${p.rarity}:${p.ports.size}`)).toEqual(['NULL:9:0', 'GetRequest:1:7', 'X11Probe:8:10', 'Slow:5:0']);
  });

  it('counts the probes a silent port gets: the NULL probe, the common ones, and those written for its port', () => {
    expect(probesTriedOn(probes, 39999, 2)).toBe(2);
    expect(probesTriedOn(probes, 6001, 2)).toBe(3);
    expect(probesTriedOn(probes, 39999, 7)).toBe(3);
  });

  it('shares the budget among the probes of the port that gets most, never under the floor', () => {
    expect(probeWaitMs(probes, [39999, 6001], 9, 2)).toBe(3000);
    expect(probeWaitMs(probes, [39999], 9, 2)).toBe(4500);
    expect(probeWaitMs(probes, [6001], 1, 2)).toBe(MIN_PROBE_WAIT_MS);
    expect(probeWaitMs(probes, [], 10, 2)).toBe(10_000);
  });

  it('caps every wait (a probe without one gets one) and keeps every other line as nmap wrote it', () => {
    const capped = cappedServiceProbes(DATABASE, 1500);
    const directives = capped.split('\n').filter((l) => /^(Probe|totalwaitms|tcpwrappedms)/.test(l));
    expect(directives).toEqual([
      'Probe TCP NULL q||',
      'totalwaitms 1500',
      'tcpwrappedms 1500',
      'Probe TCP GetRequest q|GET / HTTP/1.0\\r\\n\\r\\n|',
      'totalwaitms 1500',
      'Probe UDP DNSVersionBindReq q|\\0\\x06|',
      'totalwaitms 1500',
      'Probe TCP X11Probe q|l\\0\\x0b|',
      'totalwaitms 1500',
      'Probe TCP Slow q|\\r\\n|',
      'totalwaitms 1500',
    ]);
    const rest = (text: string) => text.split('\n').filter((l) => !/^(totalwaitms|tcpwrappedms)/.test(l));
    expect(rest(capped)).toEqual(rest(DATABASE));
    // A wait already under the cap stays as it was.
    expect(cappedServiceProbes(DATABASE, 8000)).toMatch(/NULL q\|\|\ntotalwaitms 6000\ntcpwrappedms 3000\n/);
    expect(cappedServiceProbes(DATABASE, 8000)).toMatch(/Slow q\|\\r\\n\|\ntotalwaitms 8000\n/);
  });

  it('reads no more probes than a probe database can hold, from hostile text', () => {
    const flood = 'Probe TCP P q||\nports 1-65535\n'.repeat(2500);
    expect(tcpProbesOf(flood)).toHaveLength(2000);
    expect(
      tcpProbesOf('Probe TCP\nrarity 1\nports x-y,70000\nProbe TCP A q||\nrarity 99\n').map((p) => [p.name, p.rarity, p.ports.size]),
    ).toEqual([['A', 9, 0]]);
  });

  it('looks for the database under $NMAPDIR, beside the nmap given, then where packages put it', () => {
    expect(serviceProbePaths('/opt/nmap/bin/nmap', { NMAPDIR: '/srv/nmap' })).toEqual([
      '/srv/nmap/nmap-service-probes',
      '/opt/nmap/share/nmap/nmap-service-probes',
      '/usr/share/nmap/nmap-service-probes',
      '/usr/local/share/nmap/nmap-service-probes',
    ]);
    expect(serviceProbePaths('nmap', {})).toEqual(['/usr/share/nmap/nmap-service-probes', '/usr/local/share/nmap/nmap-service-probes']);
  });
});

describe('-sV arguments', () => {
  const plan: SweepPlan = {
    hosts: ['192.0.2.10', '192.0.2.11'],
    tcpPorts: '22,443,39999',
    udpPorts: '',
    timing: 4,
    hostTimeoutSeconds: 30,
    serviceDetection: true,
    privileged: true,
    versionIntensity: 2,
    serviceProbeWaitMs: 2000,
  };

  it('asks for light version detection with the capped database of the run folder', () => {
    const args = buildNmapArgs(plan, '/tmp/run/sweep.xml', '/tmp/run/service-probes');
    expect(args.join(' ')).toContain('-sS -sV --version-intensity 2 --versiondb /tmp/run/service-probes -p T:22,443,39999');
    expect(args.join(' ')).toContain('--host-timeout 30s');
    expect(args.slice(-3)).toEqual(['--', '192.0.2.10', '192.0.2.11']);
  });

  it('probes more ports at once than nmap would only when told to', () => {
    expect(buildNmapArgs({ ...plan, serviceParallelism: 64 }, '/x.xml').join(' ')).toContain('--min-parallelism 64');
    expect(buildNmapArgs(plan, '/x.xml')).not.toContain('--min-parallelism');
  });

  it('gives no database or intensity to a run without service detection, nor a database it was not given', () => {
    expect(buildNmapArgs({ ...plan, serviceDetection: false }, '/x.xml', '/db')).not.toEqual(expect.arrayContaining(['--versiondb']));
    expect(buildNmapArgs({ ...plan, serviceDetection: false }, '/x.xml', '/db')).not.toContain('--version-intensity');
    expect(buildNmapArgs(plan, '/x.xml')).not.toContain('--versiondb');
  });
});

describe('ports the service run left unnamed', () => {
  const fixture = readFileSync(new URL('../fixtures/nmap/open-gateway.xml', import.meta.url), 'utf8');
  const withSilent = (xml: string, service: string) =>
    xml.replace(
      '</ports>',
      `<port protocol="tcp" portid="39999"><state state="open" reason="syn-ack" reason_ttl="64"/>${service}</port></ports>`,
    );
  const discovery = parseNmapXml(withSilent(fixture, '')).hosts[0]!;
  const plan: SweepPlan = {
    hosts: ['192.0.2.10'],
    tcpPorts: '22,443,8080,39999',
    timing: 4,
    hostTimeoutSeconds: 30,
    serviceDetection: true,
    privileged: true,
    serviceProbeWaitMs: 2000,
  };

  it('names a silent port, and only it, with its budget', () => {
    const services = parseNmapXml(withSilent(fixture, '<service name="unknown" method="table" conf="3"/>')).hosts[0]!;
    expect(unnamedPorts(discovery, services, plan)).toEqual([
      {
        port: 39999,
        reason:
          "the port accepted connections but answered none of nmap's probes within its budget " +
          '(scan.servicePortSeconds; each probe waited 2000 ms)',
      },
    ]);
    const noDb = unnamedPorts(discovery, services, { ...plan, serviceProbeWaitMs: undefined });
    expect(noDb[0]?.reason).toMatch(/answered none of nmap's probes at nmap's own probe waits$/);
  });

  it('tells an answer no signature matches from silence, and a port the run saw closed', () => {
    const answered = '<service name="unknown" method="probed" conf="10" servicefp="SF-Port39999-TCP:V=7.93"/>';
    const services = parseNmapXml(
      withSilent(fixture, answered).replace(/(portid="22"><state state=")open(" reason=")syn-ack/, '$1closed$2reset'),
    ).hosts[0]!;
    expect(unnamedPorts(discovery, services, plan)).toEqual([
      { port: 22, reason: "nmap's service detection found the port closed, so it named nothing" },
      { port: 39999, reason: "the port answered nmap's probes, but with nothing any signature in nmap's database matches" },
    ]);
  });

  it('leaves a gateway whose run timed out to the gateway-wide reason, and ports the run did not scan alone', () => {
    const services = parseNmapXml(withSilent(fixture, '')).hosts[0]!;
    expect(unnamedPorts(discovery, { ...services, timedOut: true }, plan)).toEqual([]);
    expect(unnamedPorts(discovery, undefined, plan)).toEqual([]);
    expect(unnamedPorts(discovery, services, { ...plan, tcpPorts: '22,443,8080' })).toEqual([]);
  });
});

describe('the capped database on disk', () => {
  it("is read from $NMAPDIR, written into the run's folder, given to nmap, and gone after the run", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cocoscan-probes-'));
    writeFileSync(join(dir, 'nmap-service-probes'), DATABASE);
    vi.stubEnv('NMAPDIR', dir);
    try {
      const db = await loadServiceProbes('/nowhere/bin/nmap');
      expect(db?.path).toBe(join(dir, 'nmap-service-probes'));
      expect(db?.tcp.map((p) => p.name)).toEqual(['NULL', 'GetRequest', 'X11Probe', 'Slow']);

      let given: { args: readonly string[]; db: string } | undefined;
      const exec: Exec = (command, args) => {
        const file = args[args.indexOf('--versiondb') + 1]!;
        given = { args, db: readFileSync(file, 'utf8') };
        writeFileSync(
          args[args.indexOf('-oX') + 1]!,
          '<nmaprun scanner="nmap" version="7.93"><runstats><finished exit="success"/></runstats></nmaprun>',
        );
        return Promise.resolve({ command, args: [...args], exitCode: 0, signal: null, stdout: '', stderr: '', durationMs: 1 });
      };
      const plan: SweepPlan = {
        hosts: ['192.0.2.10'],
        tcpPorts: '39999',
        timing: 4,
        hostTimeoutSeconds: 30,
        serviceDetection: true,
        privileged: true,
        versionIntensity: 2,
        serviceProbeWaitMs: 1200,
      };
      await runNmap(exec, plan, { serviceProbes: db!.text });
      expect(given?.db).toMatch(/^Probe TCP NULL q\|\|\ntotalwaitms 1200\ntcpwrappedms 1200$/m);
      const file = given!.args[given!.args.indexOf('--versiondb') + 1]!;
      expect(existsSync(file)).toBe(false);
    } finally {
      vi.unstubAllEnvs();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
