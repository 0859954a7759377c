/**
 * `npm run bench -- fleet` (issue 18): one check of many firewalled lab gateways against one, against the packet rate
 * this machine reaches in the same run, under 2 % induced loss, against the sweep alone, and with a silent open port.
 * COCOSCAN_BENCH_FLEET_GATEWAYS sets how many gateways (32 unless set; figures are named after the count used);
 * COCOSCAN_BENCH_FLEET_LOSS_ONLY=1 measures only the misses under loss.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { LabGateway } from '../test/lab/lab.ts';
import { spawnInNamespace, stopChild, waitForListeners } from '../test/lab/processes.ts';
import { benchConnectionFile, benchGateway, stopOnExit } from './bench-lab.ts';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..');
type Line = (name: string, value: string, target: string) => void;

/**
 * The scan block of the connection files for the timed figures, a clean lab link: cocoscan's `lan` pace (100,000
 * packets a second for the whole run, one retry).
 */
const FLEET_SCAN = process.env.COCOSCAN_BENCH_FLEET_SCAN ?? 'tcpPorts: "1-65535", udpTopPorts: 0, pace: lan';
/** The scan block for the loss figure: cocoscan's defaults, only the port range and UDP list as in the timed checks. */
const LOSS_SCAN = process.env.COCOSCAN_BENCH_FLEET_LOSS_SCAN ?? 'tcpPorts: "1-65535", udpTopPorts: 0';
/** How long the loss check may take before it is stopped and reported unfinished (nmap's pacing can collapse under loss). */
const LOSS_MINUTES = Number(process.env.COCOSCAN_BENCH_FLEET_LOSS_MINUTES ?? 30);
const TCP_PORTS = 65_535;
/** What each bench gateway really has open: listening and let through by its firewall (benchGateway in bench-lab.ts). */
const TRUTH = ['tcp/22', 'tcp/443', 'udp/161'];
const SILENT_PORT = 8443;

/** Packets the scanner put on the gateways' links so far (the veth ends in this namespace). */
async function txPackets(gateways: LabGateway[]): Promise<number> {
  const counts = await Promise.all(
    gateways.map(async (g) => Number(await readFile(`/sys/class/net/${g.hostInterface}/statistics/tx_packets`, 'utf8'))),
  );
  return counts.reduce((a, b) => a + b, 0);
}

/** A check stopped at the bench's deadline: how long it ran and what it had sent by then. */
class UnfinishedCheck extends Error {
  constructor(
    readonly seconds: number,
    readonly packets: number,
  ) {
    super(`the check did not finish within ${seconds.toFixed(0)} s`);
  }
}

interface CheckRun {
  seconds: number;
  /** The check itself, without starting Node and loading the code (measure-check.ts). */
  checkSeconds: number;
  rssMb: number;
  packets: number;
  report: { observations?: { kind: string; gateway: string; port?: number; transport?: string }[] };
}

/** A whole `cocoscan check` in a process of its own (scripts/measure-check.ts), its wall time, peak RSS and report.json. */
async function check(file: string, dir: string, gateways: LabGateway[], deadlineMinutes?: number): Promise<CheckRun> {
  const out = join(dir, `out-${Date.now()}`);
  const before = await txPackets(gateways);
  const started = performance.now();
  const output = await run(
    join(root, 'node_modules/.bin/tsx'),
    [join(root, 'scripts/measure-check.ts'), 'check', file, '--out', out, '--no-progress', '--no-history'],
    // At the deadline (30 minutes unless given) the check gets SIGTERM, on which cocoscan stops within 5 s with its nmap.
    { maxBuffer: 64 * 1024 * 1024, timeout: (deadlineMinutes ?? 30) * 60_000, killSignal: 'SIGTERM' as const },
  ).catch(async (error: { stderr?: string; code?: number; killed?: boolean }) => {
    if (error.code === 1 || error.code === 4) return { stderr: error.stderr ?? '' }; // 1 and 4 are verdicts, not failures
    if (error.killed) throw new UnfinishedCheck((performance.now() - started) / 1000, (await txPackets(gateways)) - before);
    throw error;
  });
  const seconds = (performance.now() - started) / 1000;
  const packets = (await txPackets(gateways)) - before;
  const rssMb = Number(/maxrss_kb=(\d+)/.exec(output.stderr)?.[1] ?? Number.NaN) / 1024;
  const checkSeconds = Number(/check_seconds=([\d.]+)/.exec(output.stderr)?.[1] ?? Number.NaN);
  return {
    seconds,
    checkSeconds,
    rssMb,
    packets,
    report: JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as CheckRun['report'],
  };
}

/**
 * The machine's packet rate: SYNs to every TCP port of every gateway, one nmap process per CPU over its share of the
 * gateways, no retries, asking for far more than the machine can send. Counted on the links (the veths' tx_packets,
 * what really left, ARP included); nmap's own "Raw packets sent" is printed beside it.
 */
async function packetRate(gateways: LabGateway[]): Promise<{ pps: number; packets: number; nmapPackets: number; seconds: number }> {
  const processes = Math.min(os.cpus().length, gateways.length);
  const shares = Array.from({ length: processes }, (_, i) => gateways.filter((_, j) => j % processes === i));
  const before = await txPackets(gateways);
  const started = performance.now();
  const outputs = await Promise.all(
    shares.map((share) =>
      run(
        'nmap',
        [
          ...['-v', '-n', '-Pn', '-sS', '-T4', '-p', `1-${TCP_PORTS}`, '--max-retries', '0'],
          ...['--min-rate', String(Math.ceil(1_000_000 / processes)), '--min-hostgroup', String(share.length), '-oX', '/dev/null'],
          '--',
          ...share.map((g) => g.address),
        ],
        { maxBuffer: 64 * 1024 * 1024 },
      ),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  const packets = (await txPackets(gateways)) - before;
  const nmapPackets = outputs.map((o) => Number(/Raw packets sent: (\d+)/.exec(o.stdout)?.[1] ?? Number.NaN)).reduce((a, b) => a + b, 0);
  return { pps: packets / seconds, packets, nmapPackets, seconds };
}

/** The truth's ports the check's report.json does not list as open, per gateway name (`gw3 tcp/443`). */
function missed(report: CheckRun['report'], count: number): string[] {
  const found = new Set(
    (report.observations ?? []).filter((o) => o.kind === 'open-port').map((o) => `${o.gateway} ${o.transport}/${o.port}`),
  );
  return Array.from({ length: count }, (_, i) => TRUTH.map((t) => `gw${i} ${t}`))
    .flat()
    .filter((p) => !found.has(p));
}

/** A listener that accepts and never speaks (nor closes), in the gateway's namespace, let through its firewall. */
async function startSilentPort(gateway: LabGateway): Promise<() => Promise<void>> {
  const script =
    'import socket,time\n' +
    's=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n' +
    `s.bind(('${gateway.address}', ${SILENT_PORT})); s.listen(128); held=[]\n` +
    'while True: held.append(s.accept()[0])\n';
  const child = spawnInNamespace(gateway.namespace, 'python3', ['-c', script]);
  const stop = () => stopChild(child);
  const unregister = stopOnExit(stop);
  await run('ip', [
    'netns',
    'exec',
    gateway.namespace,
    'nft',
    'insert',
    'rule',
    'inet',
    'cocoscan_lab',
    'input',
    'tcp',
    'dport',
    String(SILENT_PORT),
    'accept',
  ]);
  await waitForListeners(gateway.namespace, [SILENT_PORT], 'the silent listener');
  return async () => {
    unregister();
    await stop();
  };
}

/**
 * 2 % of the packets from the scanner to each gateway dropped at random: `tc … netem loss 2%` on the scanner's end of
 * each link, or, where the kernel has no netem (no sch_netem module), an nftables rule dropping the same share as the
 * packets enter the gateway's namespace (`numgen random mod 100 < 2`, before its firewall).
 */
async function induceLoss(gateways: LabGateway[]): Promise<{ how: string; remove: () => Promise<void> }> {
  const netem = await run('tc', ['qdisc', 'add', 'dev', gateways[0]!.hostInterface, 'root', 'netem', 'loss', '2%']).then(
    () => true,
    (error: { stderr?: string }) => {
      if (/unknown/i.test(error.stderr ?? '')) return false;
      throw error;
    },
  );
  if (netem) {
    await Promise.all(gateways.slice(1).map((g) => run('tc', ['qdisc', 'add', 'dev', g.hostInterface, 'root', 'netem', 'loss', '2%'])));
    return {
      how: 'netem on the scanner side of each link',
      remove: async () => {
        await Promise.all(gateways.map((g) => run('tc', ['qdisc', 'del', 'dev', g.hostInterface, 'root']).catch(() => undefined)));
      },
    };
  }
  const ruleset =
    'table inet bench_loss {\n  chain prerouting {\n    type filter hook prerouting priority -300;\n' +
    '    numgen random mod 100 < 2 drop\n  }\n}\n';
  await Promise.all(
    gateways.map(async (g) => {
      await writeFile(join(g.dir, 'loss.nft'), ruleset);
      await run('ip', ['netns', 'exec', g.namespace, 'nft', '-f', join(g.dir, 'loss.nft')]);
    }),
  );
  return {
    how: "nftables in each gateway's namespace (this kernel has no netem)",
    remove: async () => {
      await Promise.all(
        gateways.map((g) =>
          run('ip', ['netns', 'exec', g.namespace, 'nft', 'delete', 'table', 'inet', 'bench_loss']).catch(() => undefined),
        ),
      );
    },
  };
}

const ONE_GATEWAY_RUNS = 3;

/** The sweep of a connection file alone (scripts/measure-sweep.ts), timed in its process without its start. */
async function sweepSeconds(file: string): Promise<number> {
  const sweep = await run(join(root, 'node_modules/.bin/tsx'), [join(root, 'scripts/measure-sweep.ts'), file]);
  return Number(/sweep_seconds=([\d.]+)/.exec(sweep.stderr)?.[1] ?? Number.NaN);
}

/** The middle one by `key` (of an odd number). */
function median<T>(items: T[], key: (item: T) => number): T {
  return [...items].sort((a, b) => key(a) - key(b))[Math.floor(items.length / 2)]!;
}

const spread = (values: number[]) => values.map((v) => v.toFixed(2)).join(', ');

/** Every figure but the loss one, in one run: the packet rate, the checks of 1 and of all gateways, the sweep alone, a silent port. */
async function timedFigures(line: Line, dir: string, gateways: LabGateway[]): Promise<void> {
  const count = gateways.length;
  const n = String(count);
  const rate = await packetRate(gateways);
  line(
    'packet-rate-pps',
    rate.pps.toFixed(0),
    `reference: ${rate.packets} packets on the links in ${rate.seconds.toFixed(1)} s (nmap counted ${rate.nmapPackets}), ` +
      `${Math.min(os.cpus().length, count)} nmap -sS --max-retries 0 processes to all ${TCP_PORTS} ports of ${n} gateways`,
  );

  // The one-gateway figures are ratios of runs of a few seconds: each is the median of ONE_GATEWAY_RUNS runs, the check
  // and the sweep alone taking turns so that a slow moment of the machine weighs on both alike.
  const oneFile = await benchConnectionFile(dir, '1', gateways.slice(0, 1), FLEET_SCAN);
  const sweepFile = await benchConnectionFile(dir, 'sweep', gateways.slice(0, 1), FLEET_SCAN);
  const ones: CheckRun[] = [];
  const sweeps: number[] = [];
  for (let i = 0; i < ONE_GATEWAY_RUNS; i++) {
    ones.push(await check(oneFile, dir, gateways.slice(0, 1)));
    sweeps.push(await sweepSeconds(sweepFile));
  }
  const one = median(ones, (r) => r.seconds);
  const oneCheckSeconds = median(ones, (r) => r.checkSeconds).checkSeconds;
  const sweepMedian = median(sweeps, (s) => s);
  line(
    'gateways-1-seconds',
    one.seconds.toFixed(1),
    `reference: one check of 1 gateway, median of ${ONE_GATEWAY_RUNS} (${spread(ones.map((r) => r.seconds))}), peak RSS ${one.rssMb.toFixed(1)} MB`,
  );
  const all = await check(await benchConnectionFile(dir, n, gateways, FLEET_SCAN), dir, gateways);
  line(`gateways-${n}-seconds`, all.seconds.toFixed(1), `reference: one check of ${n} gateways, ${all.packets} packets on the links`);
  const limit = (count * TCP_PORTS) / rate.pps;
  line(`gateways-${n}-over-1`, (all.seconds / one.seconds).toFixed(3), 'target <= 2.5');
  line(
    `gateways-${n}-over-limit`,
    (all.seconds / limit).toFixed(3),
    `target <= 4; limit ${limit.toFixed(1)} s = ${count * TCP_PORTS} probes / ${rate.pps.toFixed(0)} pps`,
  );
  line(`peak-rss-mb-${n}`, all.rssMb.toFixed(1), 'target <= 200');
  const allMissed = missed(all.report, count);
  line(
    `missed-ports-clean-${n}`,
    String(allMissed.length),
    `target 0; of ${count * TRUTH.length} open, in the ${n}-gateway check above (its pace on a clean link)` +
      (allMissed.length ? `; missed ${allMissed.slice(0, 8).join(', ')}` : ''),
  );

  line(
    'sweep-1-seconds',
    sweepMedian.toFixed(2),
    `reference: the check's discovery and service detection alone, 1 gateway, median of ${ONE_GATEWAY_RUNS} (${spread(sweeps)})`,
  );
  line(
    'check-over-sweep',
    (oneCheckSeconds / sweepMedian).toFixed(3),
    `target <= 1.05; the check ${oneCheckSeconds.toFixed(2)} s (median of ${ONE_GATEWAY_RUNS}: ` +
      `${spread(ones.map((r) => r.checkSeconds))}), both timed in their process without its start ` +
      `(Node and loading the code: ${(one.seconds - one.checkSeconds).toFixed(1)} s more for the check)`,
  );
  const stopSilent = await startSilentPort(gateways[0]!);
  try {
    const silent = await check(await benchConnectionFile(dir, 'silent', gateways.slice(0, 1), FLEET_SCAN), dir, gateways.slice(0, 1));
    line(
      'silent-port-seconds',
      (silent.seconds - one.seconds).toFixed(1),
      `target <= 15; ${silent.seconds.toFixed(1)} s with a silent open port on ${SILENT_PORT}, ${one.seconds.toFixed(1)} s without`,
    );
  } finally {
    await stopSilent(); // the port is closed from now on, so the truth below is unchanged
  }
}

export async function benchFleet(line: Line): Promise<void> {
  const count = Number(process.env.COCOSCAN_BENCH_FLEET_GATEWAYS ?? 32);
  if (!Number.isInteger(count) || count < 2 || count > 200) throw new Error('COCOSCAN_BENCH_FLEET_GATEWAYS: a whole number from 2 to 200');
  const dir = await mkdtemp(join(tmpdir(), 'cocoscan-bench-fleet-'));
  const gateways: LabGateway[] = [];
  try {
    // Started a few at a time: every one is tracked by bench-lab.ts from the moment it starts, so a signal removes it.
    for (let i = 0; i < count; i += 4)
      gateways.push(...(await Promise.all(Array.from({ length: Math.min(4, count - i) }, (_, j) => benchGateway(`bf${i + j}`)))));
    line('fleet-scan', `{ ${FLEET_SCAN} }`, `reference: the scan block of the timed checks; loss: { ${LOSS_SCAN} }`);

    if (process.env.COCOSCAN_BENCH_FLEET_LOSS_ONLY !== '1') await timedFigures(line, dir, gateways);

    const loss = await induceLoss(gateways);
    try {
      const file = await benchConnectionFile(dir, 'loss', gateways, LOSS_SCAN);
      const lossy = await check(file, dir, gateways, LOSS_MINUTES).catch((error: unknown) => {
        if (!(error instanceof UnfinishedCheck)) throw error;
        line(
          'missed-ports-loss-2pct',
          'not measured',
          `target 0; 2 % loss by ${loss.how}: ${error.message} (COCOSCAN_BENCH_FLEET_LOSS_MINUTES), ` +
            `${error.packets} packets on the links by then, ${(error.packets / error.seconds).toFixed(0)} pps`,
        );
        return undefined;
      });
      if (!lossy) return;
      const lost = missed(lossy.report, count);
      line(
        'missed-ports-loss-2pct',
        String(lost.length),
        `target 0; of ${count * TRUTH.length} open (${TRUTH.join(', ')} on each), 2 % loss by ${loss.how}, ` +
          `check took ${lossy.seconds.toFixed(1)} s` +
          (lost.length ? `; missed ${lost.slice(0, 8).join(', ')}` : ''),
      );
    } finally {
      await loss.remove();
    }
  } finally {
    await Promise.all(gateways.map((g) => g.stop()));
    await rm(dir, { recursive: true, force: true });
  }
}
