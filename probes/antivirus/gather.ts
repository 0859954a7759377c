import { avEvidence } from '../../src/av/evidence.ts';
import type { GatewayAvFacts } from '../../src/av/judge.ts';
import type { FindingTarget } from '../../src/findings.ts';
import type { GatherContext } from '../../src/probe/contract.ts';

/** One gateway's anti-virus facts from every source, and where antivirus.json keeps them. */
export interface AntivirusFacts {
  target: FindingTarget;
  av: GatewayAvFacts;
  /** Report-relative path of antivirus.json. */
  artefact: string;
}

/** Every source of one gateway's facts, gathered once per run and shared with the other probes. */
export async function gatherAntivirus(ctx: GatherContext<unknown, 'reportedSources' | 'hostSession'>): Promise<AntivirusFacts> {
  const { gateway } = ctx;
  const sources = await ctx.shared.reportedSources(gateway);
  const session = gateway.ssh ? await ctx.shared.hostSession(gateway) : undefined;
  const av: GatewayAvFacts = {
    gateway: gateway.name,
    sources,
    missing: session && !session.ok ? [`the SSH session could not be used: ${session.reason}`] : [],
  };
  const artefact = ctx.evidence.add(['antivirus.json'], JSON.stringify(avEvidence(av, ctx.now()), null, 2));
  return { target: { gateway: gateway.name, host: gateway.host }, av, artefact };
}
