/**
 * `npm run bench [-- section …]`: measured figures, printed as `name: value (target)` lines.
 * Sections: tls (the TLS probe beside sslscan and testssl.sh), tls-zoo (the same over the TLS zoo's endpoints:
 * agreement with sslscan and testssl.sh, and time), peers (one gateway: the check against nmap
 * alone and against the peer toolchain run one after another), scale (1, 8 and 32 gateways in one check), fleet (issue 18:
 * 32 gateways against one, the packet rate, 2 % loss, the sweep alone, a silent port; bench-fleet.ts), hostile-ssh
 * (500 hostile SSH ports on 127.0.0.1), snmp-loop (a check against a looping SNMP agent on 127.0.0.1), ssh-agreement (SSH
 * lists against ssh-audit's), udp (undeclared UDP services against nmap's, and the UDP sweep's cost), ike-agreement (the IKE
 * probe against ike-scan on strongSwan responders; bench-ike.ts). The lab sections
 * build gateways in network namespaces, so they need root; exits 2 with the reason otherwise. Lab gateways are
 * stopped on SIGINT, SIGTERM and errors too (bench-lab.ts).
 */
import { execFile } from 'node:child_process';
import os from 'node:os';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import pLimit from 'p-limit';
import { buildNmapArgs } from '../src/nmap/run.ts';
import { inspectTlsEndpoint } from '../src/tls/inspect-endpoint.ts';
import { systemTrustStore } from '../src/tls/trust-store.ts';
import { labAvailability, type LabGateway } from '../test/lab/lab.ts';
import { benchConnectionFile, benchGateway, startLabGateway, stopAllLabGateways } from './bench-lab.ts';
import { benchSshAgreement, benchUdp } from './bench-agreement.ts';
import { benchSnmpLoop } from './bench-snmp-loop.ts';
import { benchHostileSsh } from './bench-hostile-ssh.ts';
import { benchTlsZoo } from './bench-tls-zoo.ts';
import { benchFleet } from './bench-fleet.ts';
import { benchIkeAgreement } from './bench-ike.ts';

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

async function tlsSection(): Promise<void> {
  const gateways: LabGateway[] = await Promise.all([
    startLabGateway({ name: 'benchtls1', services: [{ kind: 'nginx-https', port: 443, tls: 'modern' }] }),
    startLabGateway({ name: 'benchtls2', services: [{ kind: 'nginx-https', port: 443, tls: 'legacy' }] }),
  ]);
  try {
    for (const [label, gateway] of [
      ['modern', gateways[0]!],
      ['legacy', gateways[1]!],
    ] as const) {
      const [probe, facts] = await seconds(() =>
        inspectTlsEndpoint(
          { host: gateway.address, port: 443, serverName: gateway.address },
          {
            timeoutMs: 10_000,
            budgetMs: 120_000,
            trust: systemTrustStore(),
            http: { timeoutMs: 10_000, maxBytes: 32 * 1024 },
            limit: pLimit(6),
            signal: new AbortController().signal,
          },
        ),
      );
      const [sslscan] = await seconds(() => run('sslscan', ['--no-colour', `${gateway.address}:443`], { maxBuffer: 16 * 1024 * 1024 }));
      const [testssl] = await seconds(() =>
        run('testssl', ['--quiet', '--color', '0', '--warnings', 'off', `${gateway.address}:443`], {
          maxBuffer: 64 * 1024 * 1024,
          timeout: 900_000,
        }).catch((error: { code?: number }) => {
          if (typeof error.code === 'number') return; // testssl.sh exits non-zero when it finds problems
          throw error;
        }),
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

interface Timing {
  label: string;
  scan: string;
  nmapExtra: string[];
}

/** Default timing (-T4, nmap's own rates) and a LAN timing for clean links (fixed minimum rate, one retry). */
const TIMINGS: Timing[] = [
  { label: 'default', scan: '', nmapExtra: [] },
  // cocoscan's lan pace: 100000 packets/s for the whole discovery, shared among its processes, one retry (scan.pace).
  { label: 'lan', scan: 'pace: lan, ', nmapExtra: ['--min-rate', '5000', '--max-retries', '1'] },
];

function connectionFor(dir: string, gateways: LabGateway[], timing: Timing): Promise<string> {
  return benchConnectionFile(dir, `${timing.label}-${gateways.length}`, gateways, `${timing.scan}tcpPorts: "1-65535", udpTopPorts: 0`);
}

async function timedCheck(file: string, dir: string): Promise<{ seconds: number; rssMb: number }> {
  const tsx = join(root, 'node_modules/.bin/tsx');
  const [secondsTaken, output] = await seconds(() =>
    run(
      tsx,
      [join(root, 'scripts/measure-check.ts'), 'check', file, '--out', join(dir, `out-${Date.now()}`), '--no-progress', '--no-history'],
      { maxBuffer: 64 * 1024 * 1024 },
    ).catch((error: { stderr?: string; code?: number }) => {
      if (error.code === 1 || error.code === 4) return { stderr: error.stderr ?? '' }; // exit 1 or 4 is a verdict, not a failure
      throw error;
    }),
  );
  return { seconds: secondsTaken, rssMb: Number(/maxrss_kb=(\d+)/.exec(output.stderr)?.[1] ?? Number.NaN) / 1024 };
}

/** Figures 1 and 2: one gateway, the check against nmap alone and against the peer toolchain run one after another. */
async function peersSection(): Promise<void> {
  const gateway = await benchGateway('bpeer');
  const dir = await mkdtemp(join(tmpdir(), 'cocoscan-bench-'));
  try {
    const tool = (command: string, args: string[]) =>
      seconds(() =>
        run(command, args, { maxBuffer: 64 * 1024 * 1024, timeout: 900_000 }).catch((error: { code?: number }) => {
          if (typeof error.code === 'number') return; // the peers exit non-zero when they find problems
          throw error;
        }),
      ).then(([s]) => s);
    const testssl = await tool('testssl', ['--quiet', '--color', '0', '--warnings', 'off', `${gateway.address}:443`]);
    const sslscan = await tool('sslscan', ['--no-colour', `${gateway.address}:443`]);
    const sshAudit = await tool('ssh-audit', ['-n', gateway.address]);
    const snmpwalk = await tool('snmpwalk', ['-v2c', '-c', 'public', '-t', '1', '-r', '1', gateway.address, 'system']);
    for (const timing of TIMINGS) {
      const nmapArgs = buildNmapArgs(
        {
          hosts: [gateway.address],
          tcpPorts: '1-65535',
          udpPorts: '161',
          timing: 4,
          hostTimeoutSeconds: 3600,
          serviceDetection: true,
          privileged: true,
        },
        join(dir, 'nmap.xml'),
      );
      const nmap = await tool('nmap', [...nmapArgs.slice(0, -2), ...timing.nmapExtra, ...nmapArgs.slice(-2)]);
      const check = await timedCheck(await connectionFor(dir, [gateway], timing), dir);
      const peersTestssl = nmap + testssl + sshAudit + snmpwalk;
      const peersSslscan = nmap + sslscan + sshAudit + snmpwalk;
      line(
        `[${timing.label}] nmap-sweep-seconds`,
        nmap.toFixed(1),
        'reference: nmap alone, all 65535 TCP ports and UDP 161, -sS -sU -sV -T4',
      );
      line(`[${timing.label}] check-seconds`, check.seconds.toFixed(1), 'reference: the whole cocoscan check of the same gateway');
      line(`[${timing.label}] check-over-sweep`, (check.seconds / nmap).toFixed(3), 'target <= 1.10');
      line(
        `[${timing.label}] check-over-peers-testssl`,
        (check.seconds / peersTestssl).toFixed(3),
        `target <= 0.5; peers: nmap + testssl.sh ${testssl.toFixed(1)} s + ssh-audit ${sshAudit.toFixed(1)} s + snmpwalk ${snmpwalk.toFixed(1)} s`,
      );
      line(
        `[${timing.label}] check-over-peers-sslscan`,
        (check.seconds / peersSslscan).toFixed(3),
        `target <= 1.05; peers: nmap + sslscan ${sslscan.toFixed(1)} s + ssh-audit + snmpwalk`,
      );
    }
  } finally {
    await gateway.stop();
  }
}

/** Figure 3: 1, 8 and 32 gateways in one check; wall time ratio and peak memory. */
async function scaleSection(): Promise<void> {
  const timing = TIMINGS.find((t) => t.label === (process.env.COCOSCAN_BENCH_SCALE_TIMING ?? 'lan'))!;
  const gateways: LabGateway[] = [];
  const dir = await mkdtemp(join(tmpdir(), 'cocoscan-bench-'));
  try {
    for (let i = 0; i < 32; i += 1) gateways.push(await benchGateway(`bs${i}`));
    const results: Record<number, { seconds: number; rssMb: number }> = {};
    for (const count of [1, 8, 32]) {
      results[count] = await timedCheck(await connectionFor(dir, gateways.slice(0, count), timing), dir);
      line(
        `[${timing.label}] gateways-${count}-seconds`,
        results[count].seconds.toFixed(1),
        `reference: one check of ${count} gateway(s), all 65535 TCP ports each`,
      );
    }
    line(`[${timing.label}] wall-32-over-1`, (results[32]!.seconds / results[1]!.seconds).toFixed(3), 'target <= 2.0');
    line(`[${timing.label}] peak-rss-mb-32`, results[32]!.rssMb.toFixed(1), 'target <= 250');
  } finally {
    await Promise.all(gateways.map((g) => g.stop()));
  }
}

const lab = ['tls', 'tls-zoo', 'peers', 'scale', 'fleet', 'ssh-agreement', 'udp', 'ike-agreement'].some(wanted)
  ? await labAvailability()
  : { ok: true as const };
if (!lab.ok) {
  process.stderr.write(`bench: cannot build lab gateways: ${lab.reason}\n`);
  process.exit(2);
}
process.stdout.write(
  `# cocoscan bench, ${new Date().toISOString()}, ${os.cpus().length} CPU(s) ` +
    `${os.cpus()[0]?.model ?? ''}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}\n`,
);
try {
  if (wanted('hostile-ssh')) await benchHostileSsh();
  if (wanted('tls')) await tlsSection();
  if (wanted('tls-zoo')) await benchTlsZoo(line);
  if (wanted('peers')) await peersSection();
  if (wanted('scale')) await scaleSection();
  if (wanted('fleet')) await benchFleet(line);
  if (wanted('snmp-loop')) await benchSnmpLoop(line);
  if (wanted('ssh-agreement')) await benchSshAgreement(line);
  if (wanted('udp')) await benchUdp(line);
  if (wanted('ike-agreement')) await benchIkeAgreement(line);
} finally {
  await stopAllLabGateways();
}
