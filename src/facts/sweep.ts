import { isIP } from 'node:net';
import type { Gateway } from '../connection/schema.ts';
import type { NmapHost } from '../nmap/parse.ts';
import { compressPorts, expandPortList } from '../nmap/ports.ts';
import { topUdpPorts } from '../nmap/udp-top-ports.ts';
import { runnerFailed, runNmap, type DiscoveredPort, type NmapOutcome, type SweepPlan } from '../nmap/run.ts';
import type { FactDeps } from './facts.ts';
import { nmapActivity } from './activity.ts';
import { loadServiceProbes } from '../nmap/service-probes.ts';
import { serviceDetectionGap, servicePlanFor, unnamedPorts, withServices, type UnnamedPort } from './service-detection.ts';
import { SECOND_LOOK_FAILED, startDiscovery, type DiscoveryFamily, type DiscoveryRun } from './discovery.ts';

/** The hook by which the run's probes wait for nmap on a gateway. */
export interface SweepPhases {
  /** Discovery (the TCP port scan without -sV) of these gateways ended: each swept port is open, or known not to be. */
  discoveryEnded?: (gateways: Gateway[]) => void;
}

export interface SweepFact {
  gateway: Gateway;
  plan: SweepPlan;
  outcome: NmapOutcome;
  /** The nmap host record, when the sweep reached the gateway. */
  host?: NmapHost;
  /** Why the gateway has no usable host record, when it has none. */
  failure?: string;
  /** Evidence path of the raw nmap XML. */
  artefact: string;
  /** Evidence path of the UDP run's nmap XML, when UDP was swept (a run of its own). */
  udpArtefact?: string;
  /** Evidence path of the service detection run's nmap XML (-sV on the ports discovery found open), when there was one. */
  serviceArtefact?: string;
  /** The gateway's TCP ports as the service detection run saw them (it scans them again, while the probes run). */
  serviceRunPorts?: { port: number; state: string; reason: string }[];
  /** Why the service detection run named no service on the gateway (it failed, or ran out of its budget). */
  serviceDetectionFailure?: string;
  /** Open ports the service detection run, which did finish on the gateway, left unnamed, each with why. */
  unnamedPorts?: UnnamedPort[];
  time: string;
  /** Every nmap run of the sweep, as run ("nmap 7.93 -sS -p T:1-65535; nmap 7.93 -sS -sV … -p T:22"), for evidence. */
  source: string;
}

export function sweepPlanFor(deps: FactDeps, hosts: string[]): SweepPlan {
  const { connection, privileged } = deps;
  const scan = connection.scan;
  const declaredUdp = connection.flows.filter((f) => f.transport === 'udp').map((f) => f.port);
  const extraUdp = scan.udpPorts ? expandPortList(scan.udpPorts) : [];
  const topUdp = topUdpPorts(scan.udpTopPorts);
  return {
    hosts,
    tcpPorts: scan.tcpPorts,
    udpPorts: compressPorts([...declaredUdp, ...extraUdp, ...topUdp]),
    udpTop: topUdp.length,
    udpNamed: compressPorts([...declaredUdp, ...extraUdp]),
    timing: scan.timing,
    hostTimeoutSeconds: scan.hostTimeoutSeconds,
    serviceDetection: scan.serviceDetection,
    privileged,
    maxRate: scan.maxRate,
    minRate: scan.minRate,
    maxRetries: scan.maxRetries,
    hostGroup: scan.gatewaysAtOnce,
  };
}

/**
 * The address nmap sweeps for a gateway: the one its name resolved to before any probe, so that nmap (which
 * would resolve the name itself, to an IPv4 address only) sweeps the address the other probes reach.
 */
function sweptAddress(deps: FactDeps, gateway: Gateway): string {
  return deps.addresses?.get(gateway.name) ?? gateway.host;
}

/** `10.0.0.1`, or `gw.example (10.0.0.1)` for a name. */
function described(deps: FactDeps, gateway: Gateway): string {
  const address = sweptAddress(deps, gateway);
  return address === gateway.host ? address : `${gateway.host} (${address})`;
}

function matches(deps: FactDeps, gateway: Gateway, host: NmapHost): boolean {
  const name = gateway.host.toLowerCase().replace(/\.$/, '');
  const address = sweptAddress(deps, gateway);
  return host.addresses.includes(address) || host.hostnames.some((h) => h.toLowerCase().replace(/\.$/, '') === name);
}

/**
 * Sweeps every gateway of the connection. TCP discovery runs first, split into processes (see startDiscovery), each
 * announcing open ports as it finds them so other probes can start on them; then one `nmap -sV` per address family
 * on the ports found open; UDP in a run of its own per family. A gateway that could not be swept gets its own
 * failure; the others are unaffected.
 */
export async function collectSweeps(
  deps: FactDeps,
  gateways: Gateway[],
  onDiscovered: (gateway: Gateway, port: DiscoveredPort) => void,
  phases: SweepPhases = {},
): Promise<Map<string, SweepFact>> {
  const address = (g: Gateway) => sweptAddress(deps, g);
  const families: DiscoveryFamily[] = (
    [
      ['ipv4', gateways.filter((g) => isIP(address(g)) !== 6)],
      ['ipv6', gateways.filter((g) => isIP(address(g)) === 6)],
    ] as const
  )
    .filter(([, list]) => list.length > 0)
    .map(([name, list]) => ({ name, gateways: list, plan: sweepPlanFor(deps, list.map(address)) }));
  const time = deps.now().toISOString();
  for (const g of gateways) deps.onActivity?.({ gateway: g.name, activity: `nmap sweep of ${described(deps, g)}`, percent: 0 });
  const discoveries = startDiscovery(deps, families, address, onDiscovered, (ended) => phases.discoveryEnded?.(ended));
  const facts = new Map<string, SweepFact>();
  // nmap's probe database (2 MB) is read once for the run, when some family gets as far as service detection.
  let serviceProbes: ReturnType<typeof loadServiceProbes> | undefined;
  await Promise.all(
    families.map(async ({ name: familyName, gateways: group, plan }, index) => {
      const run = (part: SweepPlan, serviceProbes?: string) =>
        runNmap(deps.exec, part, {
          signal: deps.signal,
          nmapPath: deps.nmapPath,
          serviceProbes,
          onProgress: (progress) => {
            for (const g of group) deps.onActivity?.(nmapActivity(g, progress));
          },
          // A failure of the runner itself is this sweep's failure: the other family's sweep goes on.
        }).catch((error: unknown) => runnerFailed(error, deps.nmapPath));
      // UDP goes in a run of its own, beside the TCP one, so its light service probes (see buildNmapArgs) stay light.
      const udpPart = plan.privileged && plan.udpPorts ? { ...plan, tcpPorts: '' } : undefined;
      // TCP in two phases: discovery (no -sV), announcing open ports as it goes; then -sV only on the ports found open,
      // beside the probes of the declared ports, which start then too (see PortTurns). -sV's capped waits (see
      // service-probes.ts) hold a single-threaded server's only slot for about a second at a time, well inside a
      // probe's timeout, so neither starves the other and neither queues behind the other.
      const tcpPhases = async () => {
        const runs = await discoveries[index]!;
        const found = foundOpen(runs);
        if (!found.ok || !plan.serviceDetection) return { runs };
        const probes = await (serviceProbes ??= loadServiceProbes(deps.nmapPath));
        const servicePlan = servicePlanFor(plan, found, deps.connection.scan, probes?.tcp);
        if (!servicePlan) return { runs };
        for (const g of group) deps.onActivity?.({ gateway: g.name, activity: `nmap service detection of ${described(deps, g)}` });
        return { runs, servicePlan, services: await run(servicePlan, probes?.text) };
      };
      const [tcp, udpOutcome] = await Promise.all([tcpPhases(), udpPart ? run(udpPart) : undefined]);
      const familyFile = (base: string) => (gateways.length > group.length ? `${base}-${familyName}.xml` : `${base}.xml`);
      const servicesXml =
        tcp.services && (tcp.services.xml || `<!-- nmap produced no XML: ${tcp.services.ok ? '' : tcp.services.reason} -->\n`);
      const servicesShared =
        servicesXml !== undefined && group.length > 1 ? deps.evidence.add([familyFile('nmap-services')], servicesXml) : undefined;
      const udpXml = udpOutcome && (udpOutcome.xml || `<!-- nmap produced no XML: ${udpOutcome.ok ? '' : udpOutcome.reason} -->\n`);
      const udpShared = udpXml !== undefined && group.length > 1 ? deps.evidence.add([familyFile('nmap-sweep-udp')], udpXml) : undefined;
      const version = udpOutcome?.ok ? udpOutcome.run.version : (deps.nmapVersion ?? 'unknown');
      const udp = Boolean(plan.udpPorts) && plan.privileged;
      const sV = plan.serviceDetection ? ' -sV' : '';
      const udpSpec = plan.udpTop ? `(top ${plan.udpTop})${plan.udpNamed ? `+${plan.udpNamed}` : ''}` : plan.udpPorts;
      const udpRun = udp ? `; nmap ${version} -sU${sV}${sV ? ' --version-intensity 0' : ''} -p U:${udpSpec}` : '';
      const scanType = (p: SweepPlan) => (p.privileged ? '-sS' : '-sT');
      const servicesVersion = tcp.services?.ok ? tcp.services.run.version : (deps.nmapVersion ?? 'unknown');
      const servicesRun = tcp.servicePlan
        ? `; nmap ${servicesVersion} ${scanType(tcp.servicePlan)} ${serviceOptions(tcp.servicePlan)} -p T:${tcp.servicePlan.tcpPorts}`
        : '';
      for (const gateway of group) {
        deps.onActivity?.({ gateway: gateway.name, activity: 'nmap sweep finished', percent: 100 });
        const discovery = tcp.runs.find((r) => r.gateways.includes(gateway))!;
        const tcpOutcome = withServices(discovery.outcome, tcp.services);
        const outcome = udpOutcome ? mergeOutcomes(tcpOutcome, udpOutcome) : tcpOutcome;
        const host = outcome.ok ? outcome.run.hosts.find((h) => matches(deps, gateway, h)) : undefined;
        const udpArtefact =
          udpXml === undefined ? undefined : (udpShared ?? deps.evidence.add([gateway.name, 'nmap-sweep-udp.xml'], udpXml));
        const serviceArtefact =
          servicesXml === undefined ? undefined : (servicesShared ?? deps.evidence.add([gateway.name, 'nmap-services.xml'], servicesXml));
        const serviceGap =
          host && serviceDetectionGap(tcp.services, sweptAddress(deps, gateway), deps.connection.scan.serviceDetectionSeconds);
        const serviceHost = tcp.services?.ok ? tcp.services.run.hosts.find((h) => matches(deps, gateway, h)) : undefined;
        const discovered = discovery.outcome.ok ? discovery.outcome.run.hosts.find((h) => matches(deps, gateway, h)) : undefined;
        const unnamed = tcp.servicePlan && !serviceGap ? unnamedPorts(discovered, serviceHost, tcp.servicePlan) : [];
        const rechecked = serviceHost?.ports
          .filter((p) => p.protocol === 'tcp')
          .map((p) => ({ port: p.port, state: p.state, reason: p.reason }));
        // Only a host nmap calls up has a port list to judge; a missing host is not "every port closed".
        const usable = host?.status === 'up' ? host : undefined;
        facts.set(gateway.name, {
          gateway,
          plan,
          outcome,
          host: usable,
          failure: outcome.ok ? (usable ? undefined : hostFailure(described(deps, gateway), host, outcome)) : outcome.reason,
          artefact: discovery.artefact,
          ...(udpArtefact !== undefined ? { udpArtefact } : {}),
          ...(serviceArtefact !== undefined ? { serviceArtefact } : {}),
          ...(serviceGap ? { serviceDetectionFailure: serviceGap } : {}),
          ...(unnamed.length > 0 ? { unnamedPorts: unnamed } : {}),
          ...(rechecked ? { serviceRunPorts: rechecked } : {}),
          time,
          source: `${discovery.command}${servicesRun}${udpRun}`,
        });
      }
    }),
  );
  return facts;
}

/** -sV's options as the evidence gives them: "-sV --version-intensity 2 --versiondb (nmap's, probe waits ≤ 1111 ms) --host-timeout 30s". */
function serviceOptions(plan: SweepPlan): string {
  const intensity = plan.versionIntensity === undefined ? '' : ` --version-intensity ${plan.versionIntensity}`;
  const db = plan.serviceProbeWaitMs === undefined ? '' : ` --versiondb (nmap's, probe waits ≤ ${plan.serviceProbeWaitMs} ms)`;
  const parallel = plan.serviceParallelism === undefined ? '' : ` --min-parallelism ${plan.serviceParallelism}`;
  return `-sV${intensity}${db}${parallel} --host-timeout ${plan.hostTimeoutSeconds}s`;
}

/** The hosts of the discovery runs that succeeded, as one run, for the service detection plan. */
function foundOpen(runs: DiscoveryRun[]): NmapOutcome {
  const done = runs.flatMap((r) => (r.outcome.ok ? [r.outcome] : []));
  const [first] = done;
  if (!first) return runs[0]!.outcome;
  return { ...first, run: { ...first.run, hosts: done.flatMap((o) => o.run.hosts) } };
}

function hostFailure(target: string, host: NmapHost | undefined, outcome: Extract<NmapOutcome, { ok: true }>): string {
  if (host?.status === 'down' || (!host && outcome.run.hostsDown > 0 && outcome.run.hosts.every((h) => h.status === 'down'))) {
    return (
      `${target} did not answer at all (nmap found it down; on a local link that means no ARP reply): ` +
      'check the address and that this scanner can reach it'
    );
  }
  if (host?.statusReason === SECOND_LOOK_FAILED)
    return (
      `${target} answered so many ports that discovery at its held rate may have lost replies, and sweeping it again ` +
      'with nmap pacing itself failed (see nmap-sweep-second-look.xml): set a lower scan.rate and run the check again'
    );
  if (host) return `nmap gave ${target} the state "${host.status.slice(0, 40)}", not up, so its ports were not read`;
  // nmap's own words stay out of the reason (every finding the sweep decides repeats it): they go to the evidence.
  if (/Failed to resolve/i.test(outcome.exec.stderr) && outcome.exec.stderr.includes(target))
    return `nmap could not resolve "${target}", so its ports were not read: check the name and this scanner's DNS`;
  return `nmap returned no record for "${target}", so its ports were not read`;
}

/**
 * The TCP and UDP runs as one sweep: each host's ports and folded ports from both, the scan types of both.
 * Either run failing fails the sweep, since without it no port list is complete.
 */
export function mergeOutcomes(tcp: NmapOutcome, udp: NmapOutcome): NmapOutcome {
  if (!tcp.ok) return tcp;
  if (!udp.ok) return { ok: false, reason: `the UDP sweep failed: ${udp.reason}`, xml: tcp.xml, exec: udp.exec };
  if (udp.run.exit !== 'success') return { ...udp, xml: tcp.xml };
  const hosts = tcp.run.hosts.map((host) => {
    const other = udp.run.hosts.find((h) => h.addresses.some((a) => host.addresses.includes(a)));
    if (!other) return host;
    return {
      ...host,
      status: host.status === 'up' || other.status === 'up' ? 'up' : host.status,
      timedOut: host.timedOut || other.timedOut,
      ports: [...host.ports, ...other.ports],
      extraPorts: [...host.extraPorts, ...other.extraPorts],
    };
  });
  return { ...tcp, run: { ...tcp.run, hosts, scanTypes: [...tcp.run.scanTypes, ...udp.run.scanTypes] } };
}
