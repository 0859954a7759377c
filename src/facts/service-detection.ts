import type { NmapHost, NmapPort } from '../nmap/parse.ts';
import { compressPorts, expandPortList } from '../nmap/ports.ts';
import type { NmapOutcome, SweepPlan } from '../nmap/run.ts';
import { probeWaitMs, SERVICE_VERSION_INTENSITY, type TcpServiceProbe } from '../nmap/service-probes.ts';

/** Most ports -sV probes at once (nmap's own ceiling for service detection). */
export const MAX_SERVICE_PARALLELISM = 100;

/** The service detection budgets of a connection file's scan settings. */
export interface ServiceBudgets {
  /** The whole run on one gateway (nmap's --host-timeout): past it, nmap drops every name of the gateway. */
  serviceDetectionSeconds: number;
  /** One port that answers none of nmap's probes (the probes' waits are capped to share it). */
  servicePortSeconds: number;
}

/**
 * The second phase of a TCP sweep: `nmap -sV` on the ports discovery found open, on the hosts they were found on, at
 * --version-light, with each probe's wait capped (given nmap's probe database) so that a silent port costs its
 * budget (scan.servicePortSeconds), and the whole gateway at most scan.serviceDetectionSeconds.
 * Undefined when discovery found nothing open (or failed): there is nothing to identify.
 */
export function servicePlanFor(
  plan: SweepPlan,
  discovery: NmapOutcome,
  budgets: ServiceBudgets,
  probes?: readonly TcpServiceProbe[],
): SweepPlan | undefined {
  if (!discovery.ok || !plan.serviceDetection) return undefined;
  const hosts: string[] = [];
  const ports = new Set<number>();
  let services = 0;
  for (const host of discovery.run.hosts) {
    const open = openTcp(host);
    const address = host.addresses.find((a) => plan.hosts.includes(a)) ?? host.addresses[0];
    if (open.length === 0 || address === undefined) continue;
    hosts.push(address);
    services += open.length;
    for (const port of open) ports.add(port.port);
  }
  if (hosts.length === 0) return undefined;
  return {
    ...plan,
    // -sV connects anyway; as root, nmap would scan gateways on different interfaces or source addresses one hostgroup
    // each, one after another (32 lab gateways: 83 s instead of 3); a connect scan (--unprivileged) takes them together.
    privileged: false,
    hosts,
    tcpPorts: compressPorts(ports),
    udpPorts: '',
    udpTop: 0,
    udpNamed: '',
    hostTimeoutSeconds: Math.min(plan.hostTimeoutSeconds, budgets.serviceDetectionSeconds),
    versionIntensity: SERVICE_VERSION_INTENSITY,
    // nmap probes about 20 ports at once at -T4: silent ports past that wait their turn, a budget each, in rounds.
    ...(services > 20 ? { serviceParallelism: Math.min(services, MAX_SERVICE_PARALLELISM) } : {}),
    ...(probes && probes.length > 0
      ? { serviceProbeWaitMs: probeWaitMs(probes, [...ports], portBudgetSeconds(budgets), SERVICE_VERSION_INTENSITY) }
      : {}),
  };
}

/**
 * A port's budget within the gateway's: at most half of it, since nmap tries its probes again through TLS on a port
 * it finds speaking TLS, and a gateway past its budget loses every name.
 */
export function portBudgetSeconds(budgets: ServiceBudgets): number {
  return Math.min(budgets.servicePortSeconds, budgets.serviceDetectionSeconds / 2);
}

function openTcp(host: NmapHost): NmapPort[] {
  return host.ports.filter((p) => p.protocol === 'tcp' && p.state === 'open');
}

/**
 * Discovery's port states with the service names the service run read. States always come from discovery: the
 * service run scans the ports again, and a rate limit the probes used up in between makes it see them filtered.
 */
export function withServices(discovery: NmapOutcome, services: NmapOutcome | undefined): NmapOutcome {
  if (!discovery.ok || !services?.ok) return discovery;
  const hosts = discovery.run.hosts.map((host) => {
    const other = services.run.hosts.find((h) => h.addresses.some((a) => host.addresses.includes(a)));
    if (!other) return host;
    const identified = new Map(
      other.ports.filter((p) => p.state === 'open' && p.service).map((p) => [`${p.protocol}/${p.port}`, p.service!]),
    );
    const ports = host.ports.map((port) => {
      const service = port.state === 'open' ? identified.get(`${port.protocol}/${port.port}`) : undefined;
      return service ? { ...port, service } : port;
    });
    return { ...host, ports };
  });
  return { ...discovery, run: { ...discovery.run, hosts } };
}

/** Why a host got no service names from the service run, when it got none it should have; undefined otherwise. */
export function serviceDetectionGap(services: NmapOutcome | undefined, address: string, budgetSeconds: number): string | undefined {
  if (!services) return undefined;
  if (!services.ok) return `nmap's service detection failed: ${services.reason}`;
  const host = services.run.hosts.find((h) => h.addresses.includes(address));
  if (host?.timedOut)
    return `nmap's service detection ran out of its ${budgetSeconds} s budget (scan.serviceDetectionSeconds), so it named no service`;
  return undefined;
}

/** One open port the service run left without a name, and why. */
export interface UnnamedPort {
  port: number;
  reason: string;
}

/**
 * The gateway's open TCP ports (as discovery found them) that a service run which did finish on the gateway left
 * without a name, each with why: it answered none of nmap's probes within its budget, it answered something no
 * signature matches, or the run saw it other than open. Empty when the run failed or ran out of its gateway budget:
 * serviceDetectionGap says why for the whole gateway.
 */
export function unnamedPorts(discovery: NmapHost | undefined, service: NmapHost | undefined, plan: SweepPlan): UnnamedPort[] {
  if (!discovery || !service || service.timedOut) return [];
  const swept = new Set(expandPortList(plan.tcpPorts));
  const seen = new Map(service.ports.filter((p) => p.protocol === 'tcp').map((p) => [p.port, p]));
  const budget =
    plan.serviceProbeWaitMs === undefined
      ? "at nmap's own probe waits"
      : `within its budget (scan.servicePortSeconds; each probe waited ${plan.serviceProbeWaitMs} ms)`;
  const unnamed: UnnamedPort[] = [];
  for (const port of openTcp(discovery)) {
    if (!swept.has(port.port)) continue;
    const again = seen.get(port.port);
    if (again && again.state !== 'open') {
      unnamed.push({ port: port.port, reason: `nmap's service detection found the port ${again.state.slice(0, 40)}, so it named nothing` });
      continue;
    }
    const service = again?.service;
    if (service?.method === 'probed' && service.name && service.name !== 'unknown') continue;
    unnamed.push({
      port: port.port,
      reason: service?.fingerprint
        ? "the port answered nmap's probes, but with nothing any signature in nmap's database matches"
        : `the port accepted connections but answered none of nmap's probes ${budget}`,
    });
  }
  return unnamed;
}
