/**
 * Discovery (the TCP port scan that finds open ports, before any service detection) as pure decisions: the pace
 * a connection file asks for, how the gateways split into processes, each process's share of the run's rate, and
 * masscan's argument vector. No I/O here: src/discovery/masscan.ts and src/facts/sweep.ts run what this decides.
 */
import { isIP } from 'node:net';
import type { NmapHost } from '../nmap/parse.ts';
import { compressPorts, expandPortList } from '../nmap/ports.ts';

export type DiscoveryEngine = 'nmap' | 'masscan';
export type DiscoveryPaceName = 'internet' | 'lan';

/**
 * internet: a third party's gateways across paths cocoscan does not control. 20,000 packets a second for the whole
 * run (about 10 Mbit/s of SYNs, 625 a second per gateway when 32 share it) and two retries, so that with 2 % loss
 * on the way an open port is missed with a chance of about 0.04³ (6 in 100,000), not 0.04² as with one retry.
 * lan: a clean link (a lab, the same LAN): 200,000 a second, about what a 2-core machine sends (230,000 measured),
 * and no retry: every port is probed once, so a frame dropped on the way is a missed port. Only for a link you trust.
 * Either way nmap holds the rate as a minimum too, as masscan does: its congestion control reads a firewall's silence
 * and a lossy path as congestion and throttles itself to a few thousand packets a second (minutes per gateway).
 */
export const PACES: Readonly<Record<DiscoveryPaceName, { rate: number; retries: number }>> = {
  internet: { rate: 20_000, retries: 2 },
  lan: { rate: 200_000, retries: 0 },
};

export interface PaceSettings {
  pace: DiscoveryPaceName;
  rate?: number;
  retries?: number;
  /** Older names of rate and retries, still read. */
  maxRate?: number;
  maxRetries?: number;
  /** Packets per second per gateway nmap keeps up at least (nmap only). */
  minRate?: number;
}

export interface DiscoveryPace {
  /** Packets per second for the whole run's discovery, shared among its processes. */
  rate: number;
  retries: number;
  /** Packets per second per gateway nmap keeps up at least, when set: below the share, nmap may slow down to it. */
  minRatePerGateway?: number;
}

export function discoveryPace(scan: PaceSettings): DiscoveryPace {
  const preset = PACES[scan.pace];
  return {
    rate: scan.rate ?? scan.maxRate ?? preset.rate,
    retries: scan.retries ?? scan.maxRetries ?? preset.retries,
    ...(scan.minRate !== undefined ? { minRatePerGateway: scan.minRate } : {}),
  };
}

/** Most nmap discovery processes of one address family: one per core, the kernel spreading them. */
export const MAX_NMAP_PROCESSES = 8;
/** Most masscan processes at once (one per route); more routes wait their turn. */
export const MAX_MASSCAN_AT_ONCE = 32;

export function nmapProcessCount(gateways: number, cores: number): number {
  return Math.max(1, Math.min(gateways, Math.max(1, Math.floor(cores)), MAX_NMAP_PROCESSES));
}

/** `items` in at most `parts` consecutive runs whose sizes differ by one at most, none empty. */
export function splitEvenly<T>(items: readonly T[], parts: number): T[][] {
  const count = Math.max(1, Math.min(items.length, Math.floor(parts)));
  const chunks: T[][] = [];
  let start = 0;
  for (let i = 0; i < count; i += 1) {
    const size = Math.floor(items.length / count) + (i < items.length % count ? 1 : 0);
    chunks.push(items.slice(start, start + size));
    start += size;
  }
  return chunks.filter((c) => c.length > 0);
}

/** One process's share of the run's total rate when `processes` send at once: never more than the total together. */
export function rateShare(total: number, processes: number): number {
  return Math.max(1, Math.floor(total / Math.max(1, processes)));
}

/**
 * nmap's --min-rate for one discovery process: its whole share (see PACES), or the configured per-gateway minimum
 * times the gateways it sweeps at once, never above its share (nmap refuses a minimum above the maximum).
 */
export function nmapMinRate(pace: DiscoveryPace, share: number, gatewaysAtOnce: number): number {
  if (pace.minRatePerGateway === undefined) return share;
  return Math.min(share, pace.minRatePerGateway * Math.max(1, gatewaysAtOnce));
}

/** The way out of this machine towards a target: `ip route get`'s answer. */
export interface Route {
  dev: string;
  source: string;
  /** The gateway of the route, or the target itself when it is on the link. */
  nextHop: string;
}

const DEVICE = /^[A-Za-z0-9_][A-Za-z0-9._@-]{0,14}$/;

/** Reads `ip -j route get <address>`; a reason when masscan cannot send that way (a local address, no IPv4 source). */
export function routeFromIpJson(text: string, address: string): Route | { failure: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { failure: `"ip -j route get ${address}" did not answer in JSON` };
  }
  const first = (Array.isArray(parsed) ? parsed[0] : undefined) as Record<string, unknown> | undefined;
  const dev = typeof first?.dev === 'string' ? first.dev : '';
  const source = typeof first?.prefsrc === 'string' ? first.prefsrc : '';
  const via = typeof first?.gateway === 'string' ? first.gateway : address;
  if (first?.type === 'local' || dev === 'lo')
    return { failure: `${address} is an address of this machine, which masscan cannot sweep (it sends on an Ethernet adapter)` };
  if (!DEVICE.test(dev) || isIP(source) !== 4 || isIP(via) !== 4)
    return { failure: `the route towards ${address} names no usable adapter, IPv4 source address and next hop` };
  return { dev, source, nextHop: via };
}

export function routeKey(route: Route): string {
  return `${route.dev} ${route.source} ${route.nextHop}`;
}

/** Targets grouped by the way out (adapter, source address, next hop): one masscan per group. */
export function groupByRoute<T>(targets: readonly { target: T; route: Route }[]): { route: Route; targets: T[] }[] {
  const groups = new Map<string, { route: Route; targets: T[] }>();
  for (const { target, route } of targets) {
    const key = routeKey(route);
    const group = groups.get(key) ?? { route, targets: [] };
    group.targets.push(target);
    groups.set(key, group);
  }
  return [...groups.values()];
}

export interface MasscanPlan {
  addresses: string[];
  tcpPorts: string;
  rate: number;
  retries: number;
  waitSeconds: number;
  route: Route;
}

/** How long masscan waits for late answers after its last probe. */
export const MASSCAN_WAIT_SECONDS = 3;

/**
 * masscan's argument vector. masscan has no `--` separator, so only IPv4 addresses (checked with net.isIP, never a
 * name or a range) are passed as targets; the adapter, source and next hop come from the routing table, and masscan
 * resolves the next hop's MAC itself by ARP (--router-ip). Closed ports are written too, so that a reset reads as
 * a reset, not as silence.
 */
export function buildMasscanArgs(plan: MasscanPlan, outFile: string): string[] {
  for (const address of [...plan.addresses, plan.route.source, plan.route.nextHop]) {
    if (isIP(address) !== 4) throw new Error(`masscan is given IPv4 addresses only, not ${JSON.stringify(address).slice(0, 60)}`);
  }
  if (!DEVICE.test(plan.route.dev)) throw new Error('masscan is given a network device name only');
  if (!/^\d{1,5}(-\d{1,5})?(,\d{1,5}(-\d{1,5})?)*$/.test(plan.tcpPorts)) throw new Error('masscan is given a port list only');
  return [
    '-p',
    plan.tcpPorts,
    '--rate',
    String(plan.rate),
    '--retries',
    String(plan.retries),
    '--wait',
    String(plan.waitSeconds),
    '--show',
    'closed',
    '-oJ',
    outFile,
    '--adapter',
    plan.route.dev,
    '--adapter-ip',
    plan.route.source,
    '--router-ip',
    plan.route.nextHop,
    ...plan.addresses,
  ];
}

/** How long masscan should take: every probe at its rate, then its wait. */
export function masscanExpectedSeconds(plan: MasscanPlan, portCount: number): number {
  return Math.ceil((plan.addresses.length * portCount * (plan.retries + 1)) / plan.rate) + plan.waitSeconds;
}

/**
 * Replies a gateway may send back to a discovery at a forced rate before its result is not trusted. Held at its rate
 * (--min-rate, or masscan), a scanner sending to a gateway that resets its closed ports must take in a reply for every
 * probe while it sends; on a busy machine some are lost, SYN-ACKs of open ports among them, and a lost reply reads as
 * a filtered port. In the lab (2-core machine, 300 open ports among 65,535 answering ones): 269 of 900 open ports
 * missed at 20,000 packets a second with 2 retries held as a minimum, none with nmap pacing itself. A firewall that
 * drops is silent, so there the forced rate is safe, and needed: nmap's own pacing reads the silence as congestion.
 * A few thousand replies fit in the capture buffer (libpcap's default 2 MB) even when nmap reads none for a while.
 */
export const FORCED_RATE_REPLY_LIMIT = 4000;

/** The ports of a host that answered discovery (open, and closed: each a reset the scanner had to take in). */
export function discoveryReplies(host: NmapHost): number {
  const listed = host.ports.filter((p) => p.protocol === 'tcp' && (p.state === 'open' || p.state === 'closed')).length;
  const folded = host.extraPorts.filter((e) => e.state === 'closed').reduce((sum, e) => sum + e.count, 0);
  return listed + folded;
}

/** Whether a host swept at a forced rate answered too much for its result to stand: it is swept again, nmap pacing itself. */
export function needsSecondLook(host: NmapHost): boolean {
  return host.status === 'up' && discoveryReplies(host) > FORCED_RATE_REPLY_LIMIT;
}

/**
 * The second look's record of a host, with every port the first look saw open kept open: a SYN-ACK is proof, and a
 * port that stopped answering in between is for the history (CoCo-2), not for discovery, to notice.
 */
export function withFirstLook(second: NmapHost, first: NmapHost): NmapHost {
  const openAgain = new Set(second.ports.filter((p) => p.protocol === 'tcp' && p.state === 'open').map((p) => p.port));
  const keep = first.ports.filter((p) => p.protocol === 'tcp' && p.state === 'open' && !openAgain.has(p.port));
  if (keep.length === 0) return second;
  const kept = new Set(keep.map((p) => p.port));
  return {
    ...second,
    ports: [...second.ports.filter((p) => !(p.protocol === 'tcp' && kept.has(p.port))), ...keep].sort((a, b) => a.port - b.port),
    extraPorts: second.extraPorts.map((e) => {
      const reasons = e.reasons.map((r) => {
        if (!r.ports || (r.protocol && r.protocol !== 'tcp')) return r;
        const ports = expandPortList(r.ports).filter((p) => !kept.has(p));
        return { ...r, count: ports.length, ports: compressPorts(ports) };
      });
      const dropped = e.reasons.reduce((n, r, i) => n + (r.count - reasons[i]!.count), 0);
      return { ...e, count: e.count - dropped, reasons };
    }),
  };
}
