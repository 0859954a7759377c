import type { NmapHost, NmapPort } from '../nmap/parse.ts';
import { compressPorts } from '../nmap/ports.ts';
import type { NmapOutcome, SweepPlan } from '../nmap/run.ts';

/**
 * The second phase of a TCP sweep: `nmap -sV` on the ports discovery found open, on the hosts they were found on,
 * within its own budget (--host-timeout), so that a silent or single-threaded service costs that budget at most.
 * Undefined when discovery found nothing open (or failed): there is nothing to identify.
 */
export function servicePlanFor(plan: SweepPlan, discovery: NmapOutcome, budgetSeconds: number): SweepPlan | undefined {
  if (!discovery.ok || !plan.serviceDetection) return undefined;
  const hosts: string[] = [];
  const ports = new Set<number>();
  for (const host of discovery.run.hosts) {
    const open = openTcp(host);
    const address = host.addresses.find((a) => plan.hosts.includes(a)) ?? host.addresses[0];
    if (open.length === 0 || address === undefined) continue;
    hosts.push(address);
    for (const port of open) ports.add(port.port);
  }
  if (hosts.length === 0) return undefined;
  return {
    ...plan,
    hosts,
    tcpPorts: compressPorts(ports),
    udpPorts: '',
    udpTop: 0,
    udpNamed: '',
    hostTimeoutSeconds: Math.min(plan.hostTimeoutSeconds, budgetSeconds),
  };
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
