import { isIP } from 'node:net';
import { describeExecFailure, type Exec, type ExecResult } from '../exec.ts';
import { NmapXmlError, parseNmapXml, type NmapRun } from './parse.ts';

export interface SweepPlan {
  host: string;
  tcpPorts: string;
  /** Empty or undefined: no UDP scan. */
  udpPorts?: string;
  timing: number;
  hostTimeoutSeconds: number;
  serviceDetection: boolean;
  /** Raw-socket SYN/UDP scans need root; otherwise a TCP connect scan. */
  privileged: boolean;
}

/**
 * nmap's argument vector for one gateway. The host always comes after `--`, so a host that looks like an
 * option can never be read as one (the connection schema refuses such hosts too).
 */
export function buildNmapArgs(plan: SweepPlan): string[] {
  const udp = plan.privileged && plan.udpPorts ? plan.udpPorts : '';
  const portSpec = [`T:${plan.tcpPorts}`, udp ? `U:${udp}` : ''].filter(Boolean).join(',');
  return [
    '-oX',
    '-',
    '-Pn',
    '-n',
    plan.privileged ? '-sS' : '-sT',
    ...(udp ? ['-sU'] : []),
    ...(plan.serviceDetection ? ['-sV'] : []),
    '-p',
    portSpec,
    `-T${plan.timing}`,
    '--host-timeout',
    `${plan.hostTimeoutSeconds}s`,
    '--stats-every',
    '2s',
    ...(isIP(plan.host) === 6 ? ['-6'] : []),
    '--',
    plan.host,
  ];
}

export type NmapOutcome =
  | { ok: true; run: NmapRun; xml: string; exec: ExecResult }
  | { ok: false; reason: string; xml: string; exec: ExecResult };

export interface NmapProgress {
  task: string;
  percent: number;
}

export async function runNmap(
  exec: Exec,
  plan: SweepPlan,
  options: { signal?: AbortSignal; onProgress?: (progress: NmapProgress) => void; nmapPath?: string },
): Promise<NmapOutcome> {
  const args = buildNmapArgs(plan);
  const result = await exec(options.nmapPath ?? 'nmap', args, {
    // nmap enforces the host timeout itself; this outer bound only catches a wedged process.
    timeoutMs: (plan.hostTimeoutSeconds + 120) * 1000,
    maxOutputBytes: 64 * 1024 * 1024,
    signal: options.signal,
    onStdout: options.onProgress ? progressReader(options.onProgress) : undefined,
  });
  const xml = result.stdout;
  if (result.failure) return { ok: false, reason: describeExecFailure(result), xml, exec: result };
  if (result.exitCode !== 0) return { ok: false, reason: describeExecFailure(result), xml, exec: result };
  let run: NmapRun;
  try {
    run = parseNmapXml(xml);
  } catch (error) {
    const reason = error instanceof NmapXmlError ? error.message : String(error);
    return { ok: false, reason: `${reason}; nmap said: ${lastLines(result.stderr) || 'nothing'}`, xml, exec: result };
  }
  if (run.exit !== 'success') {
    return { ok: false, reason: `nmap reported an error: ${run.errorMessage ?? lastLines(result.stderr)}`, xml, exec: result };
  }
  if (run.hosts.length === 0 && run.hostsDown > 0) {
    return {
      ok: false,
      reason: `${plan.host} did not answer at all (nmap found it down; on a local link that means no ARP reply): check the address and that this scanner can reach it`,
      xml,
      exec: result,
    };
  }
  if (run.hosts.length === 0) {
    const said = lastLines(result.stderr);
    return {
      ok: false,
      reason: `nmap scanned no host for "${plan.host}"${said ? `: ${said}` : ' (the name may not resolve)'}`,
      xml,
      exec: result,
    };
  }
  return { ok: true, run, xml, exec: result };
}

function progressReader(onProgress: (progress: NmapProgress) => void): (chunk: string) => void {
  const pattern = /<taskprogress task="([^"]*)"[^>]*percent="([\d.]+)"/g;
  return (chunk) => {
    for (const match of chunk.matchAll(pattern)) {
      onProgress({ task: match[1] ?? '', percent: Number(match[2]) });
    }
  };
}

function lastLines(text: string): string {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .slice(-3)
    .join(' ');
}

export async function nmapVersion(exec: Exec, nmapPath = 'nmap'): Promise<string | undefined> {
  const result = await exec(nmapPath, ['--version'], { timeoutMs: 10_000, maxOutputBytes: 64 * 1024 });
  if (result.failure || result.exitCode !== 0) return undefined;
  return /Nmap version (\S+)/.exec(result.stdout)?.[1];
}
