/**
 * `npm run bench [-- section …]`: measured figures, printed as `name: value (target)` lines.
 * Sections: sweep (the engine's cost around a full nmap sweep, and peak memory), tls (the TLS probe
 * beside sslscan and testssl.sh on the same endpoints). Builds lab gateways in network namespaces, so it
 * needs root; exits 2 with the reason otherwise.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import pLimit from 'p-limit';
import { buildNmapArgs } from '../src/nmap/run.ts';
import { inspectTlsEndpoint } from '../src/tls/inspect-endpoint.ts';
import { systemTrustStore } from '../src/tls/trust-store.ts';
import { labAvailability, startLabGateway, type LabGateway } from '../test/lab/lab.ts';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..');
const sections = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const wanted = (name: string) => sections.length === 0 || sections.includes(name);

function line(name: string, value: string, target: string): void {
  process.stdout.write(`${name}: ${value} (${target})\n`);
}

async function seconds<T>(work: () => Promise<T>): Promise<[number, T]> {
  const started = performance.now();
  const result = await work();
  return [(performance.now() - started) / 1000, result];
}

async function sweepSection(): Promise<void> {
  const gateway = await startLabGateway({
    name: 'bench',
    services: [
      { kind: 'sshd', port: 22 },
      { kind: 'nginx-https', port: 443 },
    ],
    firewallAllowTcp: [22, 443],
  });
  try {
    const dir = await mkdtemp(join(tmpdir(), 'cocoscan-bench-'));
    const file = join(dir, 'connection.yaml');
    await writeFile(
      file,
      `connection: { name: bench, mojSystem: M, thirdPartySystem: T, organisation: O }
gateways: [ { name: bench-gw, host: ${gateway.address} } ]
flows:
  - { name: web, protocol: https, port: 443 }
  - { name: admin, protocol: ssh, port: 22 }
tls: { trust: [ ${gateway.caFile} ] }
`,
    );
    const nmapArgs = buildNmapArgs({ hosts: [gateway.address], tcpPorts: '1-65535', udpPorts: '', timing: 4, hostTimeoutSeconds: 3600, serviceDetection: true, privileged: true }, join(dir, 'nmap.xml'));
    const [nmapSeconds] = await seconds(() => run('nmap', nmapArgs, { maxBuffer: 64 * 1024 * 1024 }));
    const tsx = join(root, 'node_modules/.bin/tsx');
    const [checkSeconds, output] = await seconds(() =>
      run(tsx, [join(root, 'scripts/measure-check.ts'), 'check', file, '--out', join(dir, 'out'), '--no-progress'], { maxBuffer: 64 * 1024 * 1024 }).catch(
        (error: { stderr?: string; code?: number }) => {
          if (error.code === 1) return { stderr: error.stderr ?? '' }; // exit 1 is a verdict, not a failure
          throw error;
        },
      ),
    );
    const rssMb = Number(/maxrss_kb=(\d+)/.exec(output.stderr)?.[1] ?? Number.NaN) / 1024;
    line('nmap-sweep-seconds', nmapSeconds.toFixed(2), 'reference: nmap alone, all 65535 TCP ports, -sS -sV -T4');
    line('check-seconds', checkSeconds.toFixed(2), 'reference: the whole cocoscan check of the same gateway');
    line('check-over-sweep', (checkSeconds / nmapSeconds).toFixed(3), 'target <= 1.10');
    line('check-peak-rss-mb', rssMb.toFixed(1), 'target <= 250');
  } finally {
    await gateway.stop();
  }
}

async function tlsSection(): Promise<void> {
  const gateways: LabGateway[] = await Promise.all([
    startLabGateway({ name: 'benchtls1', services: [{ kind: 'nginx-https', port: 443, tls: 'modern' }] }),
    startLabGateway({ name: 'benchtls2', services: [{ kind: 'nginx-https', port: 443, tls: 'legacy' }] }),
  ]);
  try {
    for (const [label, gateway] of [['modern', gateways[0]!], ['legacy', gateways[1]!]] as const) {
      const [probe, facts] = await seconds(() =>
        inspectTlsEndpoint(
          { host: gateway.address, port: 443, serverName: gateway.address },
          { timeoutMs: 10_000, budgetMs: 120_000, trust: systemTrustStore(), http: true, limit: pLimit(6), signal: new AbortController().signal },
        ),
      );
      const [sslscan] = await seconds(() => run('sslscan', ['--no-colour', `${gateway.address}:443`], { maxBuffer: 16 * 1024 * 1024 }));
      const [testssl] = await seconds(() =>
        run('testssl', ['--quiet', '--color', '0', '--warnings', 'off', `${gateway.address}:443`], { maxBuffer: 64 * 1024 * 1024, timeout: 900_000 }).catch(
          (error: { code?: number }) => {
            if (typeof error.code === 'number') return; // testssl.sh exits non-zero when it finds problems
            throw error;
          },
        ),
      );
      line(`tls-probe-seconds[${label}]`, probe.toFixed(3), `reference: ${facts.scan.handshakes} ClientHellos and one full handshake`);
      line(`sslscan-seconds[${label}]`, sslscan.toFixed(3), 'reference: sslscan default run');
      line(`testssl-seconds[${label}]`, testssl.toFixed(1), 'reference: testssl.sh default run');
      line(`tls-probe-over-sslscan[${label}]`, (probe / sslscan).toFixed(3), 'target <= 1.5');
      line(`testssl-over-tls-probe[${label}]`, (testssl / probe).toFixed(1), 'target >= 10');
    }
  } finally {
    await Promise.all(gateways.map((g) => g.stop()));
  }
}

const lab = await labAvailability();
if (!lab.ok) {
  process.stderr.write(`bench: cannot build lab gateways: ${lab.reason}\n`);
  process.exit(2);
}
if (wanted('tls')) await tlsSection();
if (wanted('sweep')) await sweepSection();
