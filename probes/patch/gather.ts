import { InternalError } from '../../src/errors.ts';
import type { ReportedSource } from '../../src/facts/reported-sources.ts';
import type { FindingTarget } from '../../src/findings.ts';
import { patchFacts, type PatchFacts } from '../../src/patch/facts.ts';
import type { GatherContext } from '../../src/probe/contract.ts';
import type { PatchThresholds } from './thresholds.ts';

/** A versioned service banner the sweep read on an open port. */
export interface ServiceBanner {
  port: number;
  protocol: 'tcp' | 'udp';
  product: string;
  version: string;
}

/** The newest dated source of host-reported command outputs, and the patch facts read from it. */
export interface PatchSource {
  label: string;
  kind: ReportedSource['kind'];
  collectedAt: Date;
  patch: PatchFacts;
  /** The report-relative path of patch.json, the facts read from this source. */
  artefact: string;
}

/** What the patch judge reads for one gateway. */
export interface PatchProbeFacts {
  target: FindingTarget;
  /** When the gathering ended: the moment observePatch takes the source's age at (the judge is given its own `now`). */
  gatheredAt: Date;
  /** How many sources with command outputs could be used, dated or not. */
  usableSources: number;
  /** The newest dated one; the judge decides whether it is fresh enough to speak for now. */
  source?: PatchSource;
  /** Versioned banners of the gateway's open ports, when this run sweeps and a source was read. */
  banners: ServiceBanner[];
  /** The sweep's artefact (nmap XML), when it was read. */
  sweepArtefact?: string;
  /** What the SNMP probe of this run saw, when it gathered: installed software but not pending updates. */
  snmp?: { software?: number; sysUpTime?: string };
}

export async function gatherPatch(ctx: GatherContext<PatchThresholds, 'reportedSources'>): Promise<PatchProbeFacts> {
  const { gateway } = ctx;
  const usable = (await ctx.shared.reportedSources(gateway)).filter((s) => s.commands && !s.failure);
  // A stable sort: of two sources collected at the same moment, the first given is read. One dated further ahead
  // than the judge allows (a wrong clock) is read only when there is no other: it must not outrank a current one.
  const latest = ctx.now().getTime() + ctx.thresholds.maxFactAgeHours * 3_600_000;
  const dated = usable.filter((s) => s.collectedAt).sort((a, b) => b.collectedAt!.getTime() - a.collectedAt!.getTime());
  const newest = dated.find((s) => s.collectedAt!.getTime() <= latest) ?? dated[0];
  const snmp = await ctx.shared.snmpIfGathered(gateway)?.catch((error: unknown) => {
    // The SNMP probe says itself why it failed; here its facts are only a hint for a reason.
    if (error instanceof InternalError) throw error;
    return undefined;
  });
  const facts: PatchProbeFacts = {
    target: { gateway: gateway.name, host: gateway.host },
    gatheredAt: ctx.now(),
    usableSources: usable.length,
    banners: [],
    ...(snmp ? { snmp: { software: snmp.software?.names.length, sysUpTime: snmp.system?.sysUpTime } } : {}),
  };
  if (!newest) return facts;

  const patch = patchFacts(newest.commands!, newest.utcOffsetMinutes);
  const artefact = ctx.evidence.add(
    ['patch.json'],
    JSON.stringify({ source: newest.label, ...patch, installed: patch.installed.size }, null, 2),
  );
  facts.source = { label: newest.label, kind: newest.kind, collectedAt: newest.collectedAt!, patch, artefact };
  const sweep = await ctx.shared.sweepIfRun(gateway);
  if (sweep) {
    facts.sweepArtefact = sweep.artefact;
    for (const p of sweep.host?.ports ?? []) {
      const { product, version } = p.service ?? {};
      if (p.state === 'open' && product && version) facts.banners.push({ port: p.port, protocol: p.protocol, product, version });
    }
  }
  facts.gatheredAt = ctx.now();
  return facts;
}
