import { setMaxListeners } from 'node:events';
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import type { Gateway } from '../connection/schema.ts';
import { describeCause } from '../errors.ts';
import { MASSCAN_REMEDY, routeTowards, runMasscan } from '../discovery/masscan.ts';
import {
  discoveryPace,
  FORCED_RATE_REPLY_LIMIT,
  groupByRoute,
  MASSCAN_WAIT_SECONDS,
  MAX_MASSCAN_AT_ONCE,
  needsSecondLook,
  nmapMinRate,
  nmapProcessCount,
  withFirstLook,
  rateShare,
  splitEvenly,
  type DiscoveryPace,
  type Route,
} from '../discovery/plan.ts';
import { runnerFailed, runNmap, type DiscoveredPort, type NmapOutcome, type SweepPlan } from '../nmap/run.ts';
import type { FactDeps } from './facts.ts';
import { nmapActivity } from './activity.ts';

/** One discovery process (or a gateway none could be started for) and what it found. */
export interface DiscoveryRun {
  gateways: Gateway[];
  outcome: NmapOutcome;
  /** The run as made (program, version, arguments that matter), for the evidence's source. */
  command: string;
  /** Evidence path of its output. */
  artefact: string;
}

export interface DiscoveryFamily {
  name: 'ipv4' | 'ipv6';
  gateways: Gateway[];
  /** The family's sweep plan (as for -sV and UDP); discovery takes its ports, timing and host group. */
  plan: SweepPlan;
}

interface Job {
  family: DiscoveryFamily;
  gateways: Gateway[];
  engine: 'nmap' | 'masscan';
  route?: Route;
  failure?: string;
}

/**
 * Starts the TCP discovery of every family at once: nmap split into one process per core for each family, or, with
 * scan.engine masscan, one masscan per route for IPv4 (IPv6 stays on nmap). The run's rate is a total: each process
 * sending at once gets its share. Resolves per family, in the order given; `ended` hears each process end.
 */
export function startDiscovery(
  deps: FactDeps,
  families: DiscoveryFamily[],
  address: (gateway: Gateway) => string,
  onDiscovered: (gateway: Gateway, port: DiscoveredPort) => void,
  ended: (gateways: Gateway[]) => void,
): Promise<DiscoveryRun[]>[] {
  const pace = discoveryPace(deps.connection.scan);
  const cores = deps.cores ?? availableParallelism();
  const masscan = deps.connection.scan.engine === 'masscan';
  // One abort listener per process and route lookup, up to a few dozen at once: not a leak.
  setMaxListeners(MAX_MASSCAN_AT_ONCE * 2 + 16, deps.signal);
  const layout = (async () => {
    const jobs = await Promise.all(
      families.map((family) =>
        masscan && family.name === 'ipv4' ? masscanJobs(deps, family, address) : Promise.resolve(nmapJobs(family, cores)),
      ),
    );
    const all = jobs.flat().filter((j) => !j.failure);
    const atOnce =
      all.filter((j) => j.engine === 'nmap').length + Math.min(MAX_MASSCAN_AT_ONCE, all.filter((j) => j.engine === 'masscan').length);
    return { jobs, share: rateShare(pace.rate, atOnce) };
  })();
  const masscanSlots = slots(MAX_MASSCAN_AT_ONCE);
  const many = families.length > 1;
  return families.map(async (family, index) => {
    const { jobs, share } = await layout;
    const mine = jobs[index]!;
    const processes = mine.filter((j) => !j.failure).length;
    return Promise.all(
      mine.map(async (job, i) => {
        const run = await runJob(deps, job, { pace, share, address, onDiscovered, slot: masscanSlots, name: { many, i, processes } });
        ended(job.gateways);
        return run;
      }),
    );
  });
}

function nmapJobs(family: DiscoveryFamily, cores: number): Job[] {
  return splitEvenly(family.gateways, nmapProcessCount(family.gateways.length, cores)).map((gateways) => ({
    family,
    gateways,
    engine: 'nmap',
  }));
}

async function masscanJobs(deps: FactDeps, family: DiscoveryFamily, address: (g: Gateway) => string): Promise<Job[]> {
  if (!deps.privileged)
    return family.gateways.map((g) => ({
      family,
      gateways: [g],
      engine: 'masscan',
      failure: `masscan sends raw packets, which needs root: run cocoscan as root, or set scan.engine: nmap`,
    }));
  const routes = await Promise.all(
    family.gateways.map(async (gateway) => {
      const target = address(gateway);
      if (isIP(target) !== 4) return { gateway, route: { failure: `"${gateway.host}" has no IPv4 address to give masscan` } };
      const route = await routeTowards(deps.exec, target, deps.signal).catch((error: unknown) => ({
        failure: `the route towards ${target} could not be read: ${describeCause(error).slice(0, 200)}`,
      }));
      return { gateway, route };
    }),
  );
  const failed: Job[] = routes.flatMap(({ gateway, route }) =>
    'failure' in route
      ? [{ family, gateways: [gateway], engine: 'masscan' as const, failure: `${route.failure}: set scan.engine: nmap` }]
      : [],
  );
  const routed = routes.flatMap(({ gateway, route }) => ('failure' in route ? [] : [{ target: gateway, route }]));
  return [
    ...groupByRoute(routed).map((group): Job => ({ family, gateways: group.targets, engine: 'masscan', route: group.route })),
    ...failed,
  ];
}

/** At most `count` holders at once; the others wait their turn. */
function slots(count: number): <T>(work: () => Promise<T>) => Promise<T> {
  let free = count;
  const waiting: (() => void)[] = [];
  return async (work) => {
    if (free === 0) await new Promise<void>((resolve) => waiting.push(resolve));
    else free -= 1;
    try {
      return await work();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else free += 1;
    }
  };
}

interface JobContext {
  pace: DiscoveryPace;
  share: number;
  address: (g: Gateway) => string;
  onDiscovered: (gateway: Gateway, port: DiscoveredPort) => void;
  slot: <T>(work: () => Promise<T>) => Promise<T>;
  name: { many: boolean; i: number; processes: number };
}

/** Where a process's output goes: beside its gateway's evidence when it swept one, else a run-wide file unique to it. */
function evidenceSegments(job: Job, context: JobContext, file: { base: string; ext: string }): string[] {
  const [only] = job.gateways;
  const { many, i, processes } = context.name;
  if (job.gateways.length === 1 && only) return [only.name, `${file.base}.${file.ext}`];
  return [`${file.base}${many ? `-${job.family.name}` : ''}${processes > 1 ? `-${i + 1}` : ''}.${file.ext}`];
}

async function runJob(deps: FactDeps, job: Job, context: JobContext): Promise<DiscoveryRun> {
  const { name } = context;
  const swept = job.gateways.length === 1 ? '1 gateway' : `${job.gateways.length} gateways`;
  const count = name.processes > 1 ? ` (discovery run ${name.i + 1} of ${name.processes}, ${swept})` : '';
  const byAddress = new Map(job.gateways.map((g) => [context.address(g), g]));
  const announced = new Set<string>();
  const announce = (port: DiscoveredPort) => {
    const gateway = byAddress.get(port.address) ?? (job.gateways.length === 1 ? job.gateways[0] : undefined);
    // A second look (see secondLook) finds the first look's ports again: each is announced once.
    const key = `${gateway?.name ?? ''} ${port.transport}/${port.port}`;
    if (!gateway || announced.has(key)) return;
    announced.add(key);
    context.onDiscovered(gateway, port);
  };
  const exec = { command: '', args: [], exitCode: null, signal: null, stdout: '', stderr: '', durationMs: 0 };
  if (job.failure) {
    const path = deps.evidence.add([job.gateways[0]!.name, 'masscan-not-run.txt'], `masscan was not run: ${job.failure}\n`);
    return {
      gateways: job.gateways,
      outcome: { ok: false, reason: job.failure, xml: '', exec },
      command: 'masscan (not run)',
      artefact: path,
    };
  }
  const ports = job.family.plan.tcpPorts;
  if (job.engine === 'masscan' && job.route) {
    const route = job.route;
    const plan = {
      addresses: job.gateways.map(context.address),
      tcpPorts: ports,
      rate: context.share,
      retries: context.pace.retries,
      waitSeconds: MASSCAN_WAIT_SECONDS,
      route,
    };
    const first: NmapOutcome = await context.slot(() =>
      runMasscan(deps.exec, plan, { masscanPath: deps.masscanPath, signal: deps.signal, onDiscovered: announce }).catch(
        (error: unknown): NmapOutcome => ({
          ok: false,
          reason: `masscan failed: ${describeCause(error).slice(0, 300)}: ${MASSCAN_REMEDY}`,
          xml: '',
          exec,
        }),
      ),
    );
    const version = first.ok ? first.run.version : 'unknown';
    const artefact = deps.evidence.add(
      evidenceSegments(job, context, { base: 'masscan', ext: 'json' }),
      first.xml || `masscan wrote no output${first.ok ? ' (nothing answered)' : `: ${first.reason}`}\n`,
    );
    const again = await secondLook(deps, job, context, first, announce);
    const command =
      `masscan ${version} -p ${ports} --rate ${plan.rate} --retries ${plan.retries} --wait ${plan.waitSeconds} ` +
      `--adapter ${route.dev} --router-ip ${route.nextHop}${count}${again.command}`;
    return { gateways: job.gateways, outcome: again.outcome, command, artefact };
  }
  const plan = job.family.plan;
  const atOnce = Math.min(plan.hostGroup ?? job.gateways.length, job.gateways.length);
  const minRateTotal = nmapMinRate(context.pace, context.share, atOnce);
  const discoveryPlan: SweepPlan = {
    ...plan,
    hosts: job.gateways.map(context.address),
    udpPorts: '',
    serviceDetection: false,
    maxRate: context.share,
    minRate: undefined,
    minRateTotal,
    maxRetries: context.pace.retries,
  };
  const first = await runNmap(deps.exec, discoveryPlan, {
    signal: deps.signal,
    nmapPath: deps.nmapPath,
    onProgress: (progress) => {
      for (const g of job.gateways) deps.onActivity?.(nmapActivity(g, progress));
    },
    onDiscovered: announce,
    // A failure of the runner itself is this process's failure: the other processes go on.
  }).catch((error: unknown) => runnerFailed(error, deps.nmapPath));
  const artefact = deps.evidence.add(
    evidenceSegments(job, context, { base: 'nmap-sweep', ext: 'xml' }),
    first.xml || `<!-- nmap produced no XML: ${first.ok ? '' : first.reason} -->\n`,
  );
  const again = minRateTotal ? await secondLook(deps, job, context, first, announce) : { outcome: first, command: '' };
  const outcome = again.outcome;
  const version = first.ok ? first.run.version : (deps.nmapVersion ?? 'unknown');
  const scanType = plan.privileged ? '-sS' : '-sT';
  const min = minRateTotal ? ` --min-rate ${minRateTotal}` : '';
  const v6 = job.family.name === 'ipv6' && deps.connection.scan.engine === 'masscan' ? ' (IPv6: masscan sweeps IPv4 only)' : '';
  const retries = ` --max-retries ${context.pace.retries}`;
  const command = `nmap ${version} ${scanType} -p T:${ports} --max-rate ${context.share}${min}${retries}${count}${v6}${again.command}`;
  return { gateways: job.gateways, outcome, command, artefact };
}

/** The host status a gateway gets when its second look failed: its first look cannot stand, and no other gateway's result suffers. */
export const SECOND_LOOK_FAILED = 'second-look-failed';

/**
 * Sweeps again, nmap pacing itself (no --min-rate) with at least one retry, the gateways that sent a forced-rate
 * discovery so many replies that some may have been lost (see FORCED_RATE_REPLY_LIMIT). Their record is the second
 * look's, with every port the first saw open kept open; its nmap XML is evidence of its own.
 */
async function secondLook(
  deps: FactDeps,
  job: Job,
  context: JobContext,
  first: NmapOutcome,
  announce: (port: DiscoveredPort) => void,
): Promise<{ outcome: NmapOutcome; command: string }> {
  if (!first.ok) return { outcome: first, command: '' };
  const addressOf = new Map(job.gateways.map((g) => [context.address(g), g]));
  const again = first.run.hosts.filter((h) => needsSecondLook(h) && h.addresses.some((a) => addressOf.has(a)));
  if (again.length === 0) return { outcome: first, command: '' };
  const hosts = again.map((h) => h.addresses.find((a) => addressOf.has(a))!);
  const plan: SweepPlan = {
    ...job.family.plan,
    hosts,
    udpPorts: '',
    serviceDetection: false,
    maxRate: context.share,
    minRate: undefined,
    minRateTotal: undefined,
    maxRetries: Math.max(1, context.pace.retries),
  };
  for (const address of hosts) {
    const gateway = addressOf.get(address)!;
    deps.onActivity?.({ gateway: gateway.name, activity: 'nmap sweeping again, pacing itself: the gateway answered many ports' });
  }
  const second = await runNmap(deps.exec, plan, { signal: deps.signal, nmapPath: deps.nmapPath, onDiscovered: announce }).catch(
    (error: unknown) => runnerFailed(error, deps.nmapPath),
  );
  const only = hosts.length === 1 ? addressOf.get(hosts[0]!)! : undefined;
  deps.evidence.add(
    only ? [only.name, 'nmap-sweep-second-look.xml'] : evidenceSegments(job, context, { base: 'nmap-sweep-second-look', ext: 'xml' }),
    second.xml || `<!-- nmap produced no XML: ${second.ok ? '' : second.reason} -->\n`,
  );
  const secondHosts = second.ok ? second.run.hosts : [];
  const replaced = first.run.hosts.map((host) => {
    if (!again.includes(host)) return host;
    const record = secondHosts.find((h) => h.addresses.some((a) => host.addresses.includes(a)));
    return record?.status === 'up' ? withFirstLook(record, host) : { ...host, status: 'unknown', statusReason: SECOND_LOOK_FAILED };
  });
  const scanType = plan.privileged ? '-sS' : '-sT';
  const looked = only ? only.name : `${hosts.length} gateways`;
  return {
    outcome: { ...first, run: { ...first.run, hosts: replaced } },
    command:
      `; again for ${looked}, which answered more than ${FORCED_RATE_REPLY_LIMIT} ports: nmap ${scanType} -p T:${plan.tcpPorts} ` +
      `--max-rate ${context.share} --max-retries ${plan.maxRetries} (no --min-rate)`,
  };
}
