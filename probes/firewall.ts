import { z } from 'zod';
import { describeCause, InternalError } from '../src/errors.ts';
import type { Finding, FindingStatus } from '../src/findings.ts';
import type { NmapHost } from '../src/nmap/parse.ts';
import { gatewayAnswered, sweepFailureReason, tallyTcpReplies } from '../src/facts/sweep-reading.ts';
import { compressPorts } from '../src/nmap/ports.ts';
import { defineFindings, defineProbe } from '../src/probe/contract.ts';

export default defineProbe({
  meta: {
    id: 'firewall',
    title: 'A filtering firewall stands in front of the gateway (external view)',
    description:
      'Reads how the undeclared ports of the nmap sweep answered: dropped or refused with ICMP is evidence of a filtering firewall; ' +
      'TCP resets from every undeclared port are evidence that nothing filters them.',
    reads: ['sweep'],
    thresholds: z.strictObject({
      minFilteredShare: z
        .number({ error: 'expected a share from 0.5 to 1' })
        .min(0.5, { error: 'expected a share from 0.5 to 1' })
        .max(1, { error: 'expected a share from 0.5 to 1' })
        .default(0.9)
        .describe('Share of undeclared, non-open TCP ports that must be dropped or ICMP-refused'),
    }),
    findings: defineFindings({
      'firewall.filtering': {
        severity: 'high',
        title: 'Undeclared ports are filtered',
        messages: {
          pass: '{filtered} of {total} undeclared TCP ports on {host} were dropped or refused by ICMP ({share}): a filtering firewall is in the path',
          fail: 'Only {filtered} of {total} undeclared TCP ports on {host} were filtered ({share}); {reset} answered with a TCP reset{resetList}: nothing filters them',
        },
      },
    }),
  },

  async run(ctx) {
    const findings: Finding[] = [];
    const declared = new Set(ctx.connection.flows.filter((f) => f.transport === 'tcp').map((f) => f.port));
    const { minFilteredShare } = ctx.thresholds;
    for (const gateway of ctx.connection.gateways) {
      const target = { gateway: gateway.name, host: gateway.host };
      try {
        const sweep = await ctx.facts.sweep(gateway);
        const evidence = { source: sweep.source, time: sweep.time, artefacts: [sweep.artefact] };
        const verdict = judgeFiltering({ failure: sweepFailureReason(sweep), host: sweep.host }, declared, minFilteredShare, gateway.host);
        findings.push(ctx.finding({ id: 'firewall.filtering', target, ...verdict, evidence: { ...evidence, ...verdict.evidence } }));
      } catch (error) {
        if (error instanceof InternalError) throw error;
        // One gateway's unreadable sweep is an error there only.
        const reason = `the sweep of this gateway could not be read (${describeCause(error).slice(0, 200)}); see the nmap XML in the evidence and rerun`;
        findings.push(ctx.finding({ id: 'firewall.filtering', target, status: 'error', params: { reason }, evidence: { source: 'nmap', time: ctx.now().toISOString() } }));
      }
    }
    return findings;
  },
});

/** What the firewall judging reads from a sweep. */
export interface FilteringFacts {
  /** Why the sweep cannot be judged (sweepFailureReason), when it cannot. */
  failure?: string;
  host?: NmapHost;
}

export interface FilteringVerdict {
  status: FindingStatus;
  params: Record<string, string | number>;
  evidence: { expected: string; actual?: string };
  data?: Record<string, unknown>;
}

/**
 * Judges whether the undeclared TCP ports of a sweep are filtered. Pure. Silence on every port is never a
 * firewall (the gateway may be unreachable), a sweep that cannot be read is never a pass, and only the
 * state/reason pairs nmap writes for a drop or an ICMP refusal count as filtered.
 */
export function judgeFiltering(facts: FilteringFacts, declaredTcp: ReadonlySet<number>, minFilteredShare: number, hostName: string): FilteringVerdict {
  const expected = `at least ${percent(minFilteredShare)} of undeclared TCP ports dropped or refused with ICMP`;
  if (facts.failure || !facts.host) return { status: 'error', params: { reason: facts.failure ?? 'no host record' }, evidence: { expected } };
  const tally = tallyTcpReplies(facts.host, new Set(declaredTcp));
  const { counts } = tally;
  const filtered = counts.dropped + counts['icmp-refused'];
  const total = filtered + counts.reset + counts.unreachable + counts.other;
  const actual = `dropped ${counts.dropped}, ICMP-refused ${counts['icmp-refused']}, reset ${counts.reset}, unreachable ${counts.unreachable}, other ${counts.other}, open ${counts.open}`;
  const data = { ...counts, minFilteredShare };
  if (!gatewayAnswered(facts.host)) {
    const reason =
      'the gateway answered on no port at all, so a firewall dropping everything cannot be told apart from an unreachable host; declare a flow that is open, or check reachability';
    return { status: 'error', params: { reason }, evidence: { expected, actual }, data };
  }
  if (total === 0) {
    const reason = 'the sweep covered no undeclared TCP port that was not open; widen scan.tcpPorts';
    return { status: 'not_tested', params: { reason }, evidence: { expected, actual }, data };
  }
  const share = filtered / total;
  const resetList = tally.resetPorts.length > 0 ? ` (${compressPorts(tally.resetPorts)}${counts.reset > tally.resetPorts.length ? ', …' : ''})` : '';
  const pass = share >= minFilteredShare;
  return {
    status: pass ? 'pass' : 'fail',
    params: { host: hostName, filtered, total, share: percent(share), reset: counts.reset, resetList },
    evidence: {
      expected,
      actual: pass ? actual : `${actual}. A firewall that rejects with TCP resets looks like no firewall from outside; the gateway's own ruleset is the evidence then`,
    },
    data,
  };
}

function percent(share: number): string {
  return `${(share * 100).toFixed(share === 1 || share === 0 ? 0 : 1)}%`;
}
