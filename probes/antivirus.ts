import { z } from 'zod';
import { avEvidence } from '../src/av/evidence.ts';
import { AV_FINDING_IDS, AV_FINDINGS, type AvFindingId } from '../src/av/findings.ts';
import { judgeAntivirus, type GatewayAvFacts } from '../src/av/judge.ts';
import type { Gateway } from '../src/connection/schema.ts';
import type { Finding } from '../src/findings.ts';
import { defineProbe, type ProbeContext } from '../src/probe/contract.ts';

const thresholds = z.strictObject({
  maxSignatureAgeHours: z.number().positive({ error: 'expected a number of hours above 0' }).max(720).default(4),
  maxUpdateGapHours: z.number().positive({ error: 'expected a number of hours above 0' }).max(720).default(4),
  maxReportAgeHours: z.number().positive({ error: 'expected a number of hours above 0' }).max(720).default(1),
  historyWindowDays: z.number().int().min(1, { error: 'expected 1 to 90 days' }).max(90, { error: 'expected 1 to 90 days' }).default(7),
  maxClockSkewMinutes: z.number().min(0).max(1440).default(5),
});
type Thresholds = z.output<typeof thresholds>;

export default defineProbe({
  meta: {
    id: 'antivirus',
    title: 'Anti-virus signatures and their updates (CoCo-10), from agent-reported data',
    description:
      'Reads agent reports (cocoscan agent reports, signed or not, or raw ClamAV, Defender, mdatp and osquery output) and, with SSH ' +
      'credentials, the same data read live; combines every source of a gateway, then judges presence, signature age at the time of the check and the longest gap between updates.',
    reads: ['reportedSources', 'hostSession'],
    thresholds,
    findings: AV_FINDINGS,
  },

  async run(ctx) {
    const perGateway = await Promise.all(ctx.connection.gateways.map((gateway) => judgeGateway(ctx, gateway)));
    return perGateway.flat();
  },
});

/** Every source of one gateway's facts, gathered once per run and shared with the other probes. */
export async function gatewayAvFacts(ctx: Pick<ProbeContext, 'facts'>, gateway: Gateway): Promise<GatewayAvFacts> {
  const sources = await ctx.facts.reportedSources(gateway);
  const session = gateway.ssh ? await ctx.facts.hostSession(gateway) : undefined;
  return { gateway: gateway.name, sources, missing: session && !session.ok ? [`the SSH session could not be used: ${session.reason}`] : [] };
}

async function judgeGateway(ctx: ProbeContext<Thresholds, AvFindingId>, gateway: Gateway): Promise<Finding[]> {
  const now = ctx.now();
  const target = { gateway: gateway.name, host: gateway.host };
  try {
    const facts = await gatewayAvFacts(ctx, gateway);
    const artefact = ctx.evidence.add([gateway.name, 'antivirus.json'], JSON.stringify(avEvidence(facts, now), null, 2));
    return judgeAntivirus(facts, ctx.thresholds, now).map((v) =>
      ctx.finding({
        id: v.id,
        target,
        status: v.status,
        params: { gateway: gateway.name, ...v.params },
        evidence: { source: v.sources.join('; ') || 'no agent data', expected: v.expected, actual: v.actual, artefacts: [artefact] },
        data: v.data,
      }),
    );
  } catch (error) {
    // One gateway whose data cannot be judged is an error there and touches no other gateway.
    const reason = `the anti-virus data of ${gateway.name} could not be judged (${error instanceof Error ? error.name : 'fault'} inside cocoscan); keep the evidence folder and report it`;
    return AV_FINDING_IDS.map((id) => ctx.finding({ id, target, status: 'error', params: { gateway: gateway.name, reason }, evidence: { source: 'cocoscan antivirus probe', expected: 'agent-reported anti-virus data', actual: 'not judged' } }));
  }
}
