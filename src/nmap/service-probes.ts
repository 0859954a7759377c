import { dirname, join } from 'node:path';
import { readSafeText } from '../input/safe-read.ts';
import { expandPortList } from './ports.ts';

/**
 * How cocoscan bounds nmap's service detection per port. nmap 7.93 has no per-port timeout, and its --host-timeout
 * drops every result of a host that runs over it, so the bound comes from the probe database instead: a port that
 * answers no probe costs nmap the sum of its probes' waits (each probe's `totalwaitms`, 5 s when the database gives
 * none: DEFAULT_SERVICEWAITMS in nmap's service_scan.h). cocoscan hands nmap a copy of its own nmap-service-probes,
 * made in the run's temporary folder, with every wait capped so that the probes one port gets fit its budget.
 */

/** --version-light: probes of rarity 1 and 2, and every probe nmap's database writes for the port (its `ports` line). */
export const SERVICE_VERSION_INTENSITY = 2;
/** The shortest wait a probe is given, whatever the budget: under it a loaded link loses answers that do come. */
export const MIN_PROBE_WAIT_MS = 500;
/** nmap's wait for a probe with no totalwaitms line (DEFAULT_SERVICEWAITMS in nmap's service_scan.h). */
const NMAP_DEFAULT_WAIT_MS = 5000;
/** nmap's rarity for a probe with no rarity line is treated as rare: only its `ports` line brings it in. */
const UNSTATED_RARITY = 9;
/** nmap's own database has 148 probes; a file with far more is not one cocoscan reads as such. */
const MAX_PROBES = 2000;

export interface TcpServiceProbe {
  name: string;
  rarity: number;
  ports: ReadonlySet<number>;
}

export interface ServiceProbeDatabase {
  path: string;
  text: string;
  tcp: TcpServiceProbe[];
}

/** The TCP probes of an nmap-service-probes text: each probe's name, rarity and the ports it is written for. */
export function tcpProbesOf(text: string): TcpServiceProbe[] {
  const probes: { name: string; rarity: number; ports: Set<number> }[] = [];
  let current: (typeof probes)[number] | undefined;
  for (const line of text.split('\n')) {
    const probe = /^Probe (TCP|UDP) (\S{1,100})/.exec(line);
    if (probe) {
      if (probes.length >= MAX_PROBES) break;
      current = probe[1] === 'TCP' ? { name: probe[2]!, rarity: UNSTATED_RARITY, ports: new Set() } : undefined;
      if (current) probes.push(current);
      continue;
    }
    if (!current) continue;
    const rarity = /^rarity ([1-9])\s*$/.exec(line);
    if (rarity) current.rarity = Number(rarity[1]);
    const ports = /^ports (\S+)/.exec(line);
    if (ports) for (const port of expandPortList(ports[1]!)) current.ports.add(port);
  }
  return probes;
}

/** How many probes nmap sends a port that answers none of them, at this intensity (the NULL probe always). */
export function probesTriedOn(probes: readonly TcpServiceProbe[], port: number, intensity: number): number {
  return probes.filter((p) => p.name === 'NULL' || p.rarity <= intensity || p.ports.has(port)).length;
}

/**
 * The wait each probe gets so that a silent port, among these, costs at most its budget: the budget shared among the
 * probes of the port that gets most of them. Never under MIN_PROBE_WAIT_MS (a port with that many probes then costs
 * more than the budget, which the source of the sweep says).
 */
export function probeWaitMs(
  probes: readonly TcpServiceProbe[],
  ports: readonly number[],
  budgetSeconds: number,
  intensity: number,
): number {
  const most = Math.max(1, ...ports.map((port) => probesTriedOn(probes, port, intensity)));
  return Math.max(MIN_PROBE_WAIT_MS, Math.floor((budgetSeconds * 1000) / most));
}

/**
 * nmap's probe database with every probe's wait (totalwaitms) and the NULL probe's tcpwrapped window (tcpwrappedms)
 * at most `waitMs`; every other line as nmap wrote it.
 */
export function cappedServiceProbes(text: string, waitMs: number): string {
  const lines = text.split('\n');
  const starts = lines.flatMap((line, index) => (line.startsWith('Probe ') ? [index] : []));
  const out = lines.slice(0, starts[0] ?? lines.length);
  starts.forEach((start, k) => {
    const section = lines.slice(start, starts[k + 1] ?? lines.length);
    const wait = directive(section, 'totalwaitms') ?? NMAP_DEFAULT_WAIT_MS;
    const wrapped = directive(section, 'tcpwrappedms');
    out.push(section[0]!, `totalwaitms ${Math.min(wait, waitMs)}`);
    if (wrapped !== undefined) out.push(`tcpwrappedms ${Math.min(wrapped, waitMs)}`);
    out.push(...section.slice(1).filter((line) => !/^(totalwaitms|tcpwrappedms)\b/.test(line)));
  });
  return out.join('\n');
}

function directive(section: readonly string[], name: string): number | undefined {
  for (const line of section) {
    const found = new RegExp(`^${name} (\\d{1,7})\\s*$`).exec(line);
    if (found) return Number(found[1]);
  }
  return undefined;
}

/** Where nmap keeps nmap-service-probes: $NMAPDIR, beside the nmap binary given, then the usual install folders. */
export function serviceProbePaths(nmapPath: string | undefined, env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs = [
    ...(env.NMAPDIR ? [env.NMAPDIR] : []),
    ...(nmapPath?.startsWith('/') ? [join(dirname(nmapPath), '..', 'share', 'nmap')] : []),
    '/usr/share/nmap',
    '/usr/local/share/nmap',
  ];
  return [...new Set(dirs)].map((dir) => join(dir, 'nmap-service-probes'));
}

/** nmap's probe database, read from the first place it is found; undefined when none holds a readable one. */
export async function loadServiceProbes(nmapPath?: string): Promise<ServiceProbeDatabase | undefined> {
  for (const path of serviceProbePaths(nmapPath)) {
    const text = await readSafeText(path, { kind: 'nmap-service-probes' }).catch(() => undefined);
    if (text === undefined) continue;
    const tcp = tcpProbesOf(text);
    if (tcp.some((p) => p.name === 'NULL')) return { path, text, tcp };
  }
  return undefined;
}
