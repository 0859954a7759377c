import { mkdtempSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { readSafeText } from '../input/safe-read.ts';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeExecFailure, type Exec, type ExecResult } from '../exec.ts';
import { NmapXmlError, parseNmapXml, type NmapRun } from './parse.ts';
import { cappedServiceProbes } from './service-probes.ts';
import { CocoscanError, describeCause, INTERNAL_FAULT } from '../errors.ts';

export interface SweepPlan {
  /** One nmap run covers all of these (all IPv4/names, or all IPv6). */
  hosts: string[];
  /** Empty: no TCP scan (the UDP run of a sweep). */
  tcpPorts: string;
  /** Empty or undefined: no UDP scan. */
  udpPorts?: string;
  /** How many of nmap's most common UDP services udpPorts includes (the first N of NMAP_TOP_UDP_PORTS). */
  udpTop?: number;
  /** The UDP ports udpPorts includes besides the top ones: the declared UDP flows and the configured udpPorts. */
  udpNamed?: string;
  timing: number;
  hostTimeoutSeconds: number;
  serviceDetection: boolean;
  /** Raw-socket SYN/UDP scans (root, or nmap with NET_RAW: privilege.ts); otherwise a TCP connect scan. */
  privileged: boolean;
  /** nmap --max-rate and --min-rate (packets per second) and --max-retries, when set. */
  maxRate?: number;
  minRate?: number;
  /** nmap --min-rate for the whole run as it is (discovery's share of the run's rate); minRate is ignored when set. */
  minRateTotal?: number;
  maxRetries?: number;
  /** How many hosts nmap scans in parallel. */
  hostGroup?: number;
  /** -sV's --version-intensity, when not nmap's default (7). */
  versionIntensity?: number;
  /** Each service probe's wait at most (see service-probes.ts), when -sV gets a capped copy of nmap's probe database. */
  serviceProbeWaitMs?: number;
  /** Ports -sV probes at once across the run (--min-parallelism), when more than nmap's own choice (about 20 at -T4). */
  serviceParallelism?: number;
}

/**
 * nmap's argument vector. The hosts always come after `--`, so a host that looks like an option can never
 * be read as one (the connection schema refuses such hosts too). XML goes to a file and the verbose normal
 * output to stdout, where open ports are announced as they are found.
 */
export function buildNmapArgs(plan: SweepPlan, xmlFile: string, versionDb?: string): string[] {
  const udp = plan.privileged && plan.udpPorts ? plan.udpPorts : '';
  const tcp = plan.tcpPorts;
  const portSpec = [tcp ? `T:${tcp}` : '', udp ? `U:${udp}` : ''].filter(Boolean).join(',');
  const group = plan.hostGroup ?? plan.hosts.length;
  return [
    '-oX',
    xmlFile,
    '-v',
    '-Pn',
    '-n',
    ...(tcp ? (plan.privileged ? ['-sS'] : ['-sT', '--unprivileged']) : []),
    ...(udp ? ['-sU'] : []),
    ...(plan.serviceDetection ? ['-sV'] : []),
    // A UDP-only run probes each silent port only with the probes written for that port: at the default intensity
    // nmap tries every UDP probe on every open|filtered port, minutes per firewalled gateway (425 s for 100 in the lab).
    ...(plan.serviceDetection && udp && !tcp ? ['--version-intensity', '0'] : []),
    ...(plan.serviceDetection && tcp && plan.versionIntensity !== undefined ? ['--version-intensity', String(plan.versionIntensity)] : []),
    ...(plan.serviceDetection && versionDb ? ['--versiondb', versionDb] : []),
    ...(plan.serviceDetection && plan.serviceParallelism ? ['--min-parallelism', String(plan.serviceParallelism)] : []),
    '-p',
    portSpec,
    `-T${plan.timing}`,
    '--host-timeout',
    `${plan.hostTimeoutSeconds}s`,
    '--stats-every',
    '2s',
    ...(plan.maxRate ? ['--max-rate', String(plan.maxRate)] : []),
    // The minimum rate is per gateway: nmap's is for the whole run, so it grows with the hosts swept together.
    ...(plan.minRateTotal
      ? ['--min-rate', String(plan.minRateTotal)]
      : plan.minRate
        ? ['--min-rate', String(plan.minRate * Math.min(group, plan.hosts.length))]
        : []),
    ...(plan.maxRetries !== undefined ? ['--max-retries', String(plan.maxRetries)] : []),
    ...(plan.hosts.length > 1 ? ['--min-hostgroup', String(Math.min(group, plan.hosts.length)), '--max-hostgroup', String(group)] : []),
    ...(plan.hosts.some((h) => isIP(h) === 6) ? ['-6'] : []),
    '--',
    ...plan.hosts,
  ];
}

export type NmapOutcome =
  { ok: true; run: NmapRun; xml: string; exec: ExecResult } | { ok: false; reason: string; xml: string; exec: ExecResult };

/** The outcome of an nmap run whose runner itself failed (not nmap's exit): that run's failure, and no other's. */
export function runnerFailed(error: unknown, nmapPath = 'nmap'): NmapOutcome {
  return {
    ok: false,
    reason: `the nmap sweep failed: ${describeCause(error).slice(0, 300)}`,
    xml: '',
    exec: { command: nmapPath, args: [], exitCode: null, signal: null, stdout: '', stderr: '', durationMs: 0 },
  };
}

export interface NmapProgress {
  task: string;
  percent: number;
  /** nmap's own estimate of the time left, in seconds (the "(0:01:05 remaining)" of its timing line). */
  remainingSeconds?: number;
}

/** nmap's timing line (--stats-every): "SYN Stealth Scan Timing: About 45.50% done; ETC: 14:32 (0:00:12 remaining)". */
export function parseNmapTiming(line: string): NmapProgress | undefined {
  const progress = /^(.{1,200}?) Timing: About (\d{1,3}(?:\.\d{1,2})?)% done/.exec(line);
  if (!progress) return undefined;
  const percent = Math.min(100, Number(progress[2]));
  const left = /\((\d{1,4}):([0-5]\d):([0-5]\d) remaining\)/.exec(line);
  const remainingSeconds = left ? Number(left[1]) * 3600 + Number(left[2]) * 60 + Number(left[3]) : undefined;
  return { task: progress[1]!, percent, ...(remainingSeconds !== undefined ? { remainingSeconds } : {}) };
}

export interface DiscoveredPort {
  address: string;
  port: number;
  transport: 'tcp' | 'udp';
}

export async function runNmap(
  exec: Exec,
  plan: SweepPlan,
  options: {
    signal?: AbortSignal;
    onProgress?: (progress: NmapProgress) => void;
    onDiscovered?: (port: DiscoveredPort) => void;
    nmapPath?: string;
    /** nmap's nmap-service-probes text, capped into the run's folder when the plan gives a service probe wait. */
    serviceProbes?: string;
  },
): Promise<NmapOutcome> {
  // Made at once (a fraction of a millisecond), so that nothing queued before it delays nmap's start.
  const dir = mkdtempSync(join(tmpdir(), 'cocoscan-nmap-'));
  const xmlFile = join(dir, 'sweep.xml');
  try {
    let versionDb: string | undefined;
    if (plan.serviceDetection && plan.serviceProbeWaitMs !== undefined && options.serviceProbes !== undefined) {
      versionDb = join(dir, 'service-probes');
      await writeFile(versionDb, cappedServiceProbes(options.serviceProbes, plan.serviceProbeWaitMs), { mode: 0o600 });
    }
    const result = await exec(options.nmapPath ?? 'nmap', buildNmapArgs(plan, xmlFile, versionDb), {
      // nmap enforces the host timeout itself; this outer bound only catches a wedged process.
      timeoutMs: (plan.hostTimeoutSeconds * Math.ceil(plan.hosts.length / (plan.hostGroup ?? plan.hosts.length)) + 120) * 1000,
      maxOutputBytes: 64 * 1024 * 1024,
      signal: options.signal,
      onStdout: lineReader((line) => {
        const discovered = /^Discovered open port (\d{1,5})\/(tcp|udp) on (\S{1,253})/.exec(line);
        const port = Number(discovered?.[1]);
        // The line is nmap's, but only a port nmap could have scanned is passed on to the probes.
        if (discovered && port >= 1 && port <= 65535)
          options.onDiscovered?.({ port, transport: discovered[2] as 'tcp' | 'udp', address: discovered[3]! });
        const progress = parseNmapTiming(line);
        if (progress) options.onProgress?.(progress);
      }),
    });
    let unreadable: string | undefined;
    const xml = await readSafeText(xmlFile, { kind: 'nmap-xml', noFollow: true }).catch((error: unknown) => {
      unreadable = error instanceof CocoscanError ? error.message : undefined;
      return '';
    });
    if (result.failure || result.exitCode !== 0) return { ok: false, reason: describeExecFailure(result), xml, exec: result };
    // An XML file cocoscan refused to read (too large, not a regular file) says so, not "the scan was cut short".
    if (unreadable) return { ok: false, reason: `nmap's XML output could not be read: ${unreadable}`, xml, exec: result };
    let run: NmapRun;
    try {
      run = parseNmapXml(xml);
    } catch (error) {
      const reason = error instanceof NmapXmlError ? error.message : `nmap's XML could not be read (${INTERNAL_FAULT})`;
      return { ok: false, reason: `${reason}; nmap said: ${lastLines(result.stderr) || 'nothing'}`, xml, exec: result };
    }
    if (run.exit !== 'success')
      return { ok: false, reason: `nmap reported an error: ${run.errorMessage ?? lastLines(result.stderr)}`, xml, exec: result };
    return { ok: true, run, xml, exec: result };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function lineReader(onLine: (line: string) => void): (chunk: string) => void {
  let rest = '';
  return (chunk) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    if (rest.length > 64 * 1024) rest = '';
    for (const line of lines) onLine(line.trim());
  };
}

export function lastLines(text: string): string {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .slice(-3)
    .join(' ');
}

export async function nmapVersion(exec: Exec, nmapPath = 'nmap', signal?: AbortSignal): Promise<string | undefined> {
  const result = await exec(nmapPath, ['--version'], { timeoutMs: 10_000, maxOutputBytes: 64 * 1024, signal });
  if (result.failure || result.exitCode !== 0) return undefined;
  return /Nmap version (\S+)/.exec(result.stdout)?.[1];
}
