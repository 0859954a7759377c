import type { Gateway } from '../connection/schema.ts';
import type { NmapHost } from '../nmap/parse.ts';
import { compressPorts, expandPortList } from '../nmap/ports.ts';
import { runNmap, type NmapOutcome, type SweepPlan } from '../nmap/run.ts';
import type { FactDeps } from './facts.ts';

export interface SweepFact {
  gateway: Gateway;
  plan: SweepPlan;
  outcome: NmapOutcome;
  /** The nmap host record, when the sweep worked. */
  host?: NmapHost;
  /** Evidence path of the raw nmap XML. */
  artefact: string;
  time: string;
  /** "nmap 7.93 -sS -sV", for evidence. */
  source: string;
}

export function sweepPlanFor(deps: FactDeps): Omit<SweepPlan, 'host'> {
  const { connection, privileged } = deps;
  const scan = connection.scan;
  const declaredUdp = connection.flows.filter((f) => f.transport === 'udp').map((f) => f.port);
  const extraUdp = scan.udpPorts ? expandPortList(scan.udpPorts) : [];
  return {
    tcpPorts: scan.tcpPorts,
    udpPorts: compressPorts([...declaredUdp, ...extraUdp]),
    timing: scan.timing,
    hostTimeoutSeconds: scan.hostTimeoutSeconds,
    serviceDetection: scan.serviceDetection,
    privileged,
  };
}

export async function collectSweep(deps: FactDeps, gateway: Gateway): Promise<SweepFact> {
  const plan: SweepPlan = { ...sweepPlanFor(deps), host: gateway.host };
  const time = deps.now().toISOString();
  deps.onActivity?.({ gateway: gateway.name, activity: `nmap sweep of ${gateway.host}`, percent: 0 });
  const outcome = await runNmap(deps.exec, plan, {
    signal: deps.signal,
    nmapPath: deps.nmapPath,
    onProgress: (progress) =>
      deps.onActivity?.({ gateway: gateway.name, activity: `nmap ${progress.task}`, percent: progress.percent }),
  });
  deps.onActivity?.({ gateway: gateway.name, activity: 'nmap sweep finished', percent: 100 });
  const artefact = deps.evidence.add([gateway.name, 'nmap-sweep.xml'], outcome.xml || `<!-- nmap produced no XML: ${outcome.ok ? '' : outcome.reason} -->\n`);
  const scanType = plan.privileged ? '-sS' : '-sT';
  const version = outcome.ok ? outcome.run.version : (deps.nmapVersion ?? 'unknown');
  return {
    gateway,
    plan,
    outcome,
    host: outcome.ok ? outcome.run.hosts[0] : undefined,
    artefact,
    time,
    source: `nmap ${version} ${scanType}${plan.udpPorts && plan.privileged ? ' -sU' : ''}${plan.serviceDetection ? ' -sV' : ''} -p T:${plan.tcpPorts}${plan.udpPorts && plan.privileged ? `,U:${plan.udpPorts}` : ''}`,
  };
}
