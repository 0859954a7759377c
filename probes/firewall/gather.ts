import type { GatherContext } from '../../src/probe/contract.ts';
import type { NmapHost } from '../../src/nmap/parse.ts';
import { sweepFailureReason } from '../../src/facts/sweep-reading.ts';
import type { FindingTarget } from '../../src/findings.ts';
import type { ReachedPort } from '../../src/facts/shared.ts';

/** What the firewall judge reads: the gateway's sweep and the declared TCP ports. */
export interface FilteringFacts {
  target: FindingTarget;
  declaredTcp: number[];
  /** Why the sweep cannot be judged, when it cannot. */
  failure?: string;
  host?: NmapHost;
  /** Where the facts come from, for the evidence. */
  source: { name: string; time: string; artefact?: string };
  /** The TCP ports as nmap's service detection saw them, when it scanned them again while the probes ran (see PortTurns). */
  rechecked?: readonly { port: number; state: string; reason: string }[];
  /** Ports where another probe of the run completed an exchange: proof that the gateway answers. */
  reached?: readonly ReachedPort[];
}

export async function gatherFiltering(ctx: GatherContext<unknown, 'sweep'>): Promise<FilteringFacts> {
  const sweep = await ctx.shared.sweep(ctx.gateway);
  return {
    target: { gateway: ctx.gateway.name, host: ctx.gateway.host },
    declaredTcp: ctx.connection.flows.filter((f) => f.transport === 'tcp').map((f) => f.port),
    failure: sweepFailureReason(sweep),
    host: sweep.host,
    ...(sweep.serviceRunPorts ? { rechecked: sweep.serviceRunPorts } : {}),
    source: { name: sweep.source, time: sweep.time, artefact: sweep.artefact },
    reached: await ctx.shared.reachedPorts(ctx.gateway),
  };
}
