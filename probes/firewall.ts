import { z } from 'zod';
import type { Finding } from '../src/findings.ts';
import { gatewayAnswered, sweepFailureReason, tallyTcpReplies } from '../src/facts/sweep-reading.ts';
import { compressPorts } from '../src/nmap/ports.ts';
import { defineProbe } from '../src/probe/contract.ts';

export default defineProbe({
  meta: {
    id: 'firewall',
    title: 'A filtering firewall stands in front of the gateway (external view)',
    description:
      'Reads how the undeclared ports of the nmap sweep answered: dropped or refused with ICMP is evidence of a filtering firewall; ' +
      'TCP resets from every undeclared port are evidence that nothing filters them.',
    requires: ['nmap'],
    thresholds: z.strictObject({
      minFilteredShare: z
        .number({ error: 'expected a share from 0.5 to 1' })
        .min(0.5, { error: 'expected a share from 0.5 to 1' })
        .max(1, { error: 'expected a share from 0.5 to 1' })
        .default(0.9)
        .describe('Share of undeclared, non-open TCP ports that must be dropped or ICMP-refused'),
    }),
    findings: {
      'firewall.filtering': {
        severity: 'high',
        title: 'Undeclared ports are filtered',
        messages: {
          pass: '{filtered} of {total} undeclared TCP ports on {host} were dropped or refused by ICMP ({share}): a filtering firewall is in the path',
          fail: 'Only {filtered} of {total} undeclared TCP ports on {host} were filtered ({share}); {reset} answered with a TCP reset{resetList}: nothing filters them',
        },
      },
    },
  },

  async run(ctx) {
    const findings: Finding[] = [];
    const declared = new Set(ctx.connection.flows.filter((f) => f.transport === 'tcp').map((f) => f.port));
    const { minFilteredShare } = ctx.thresholds;
    for (const gateway of ctx.connection.gateways) {
      const sweep = await ctx.facts.sweep(gateway);
      const target = { gateway: gateway.name, host: gateway.host };
      const evidence = { source: sweep.source, time: sweep.time, artefacts: [sweep.artefact] };
      const expected = `at least ${percent(minFilteredShare)} of undeclared TCP ports dropped or refused with ICMP`;
      const failure = sweepFailureReason(sweep);
      if (failure || !sweep.host) {
        findings.push(ctx.finding({ id: 'firewall.filtering', target, status: 'error', params: { reason: failure ?? 'no host record' }, evidence }));
        continue;
      }
      const tally = tallyTcpReplies(sweep.host, declared);
      const { counts } = tally;
      const filtered = counts.dropped + counts['icmp-refused'];
      const total = filtered + counts.reset + counts.unreachable + counts.other;
      const actual = `dropped ${counts.dropped}, ICMP-refused ${counts['icmp-refused']}, reset ${counts.reset}, unreachable ${counts.unreachable}, other ${counts.other}, open ${counts.open}`;
      const data = { ...counts, minFilteredShare };
      if (!gatewayAnswered(sweep.host)) {
        const reason =
          'the gateway answered on no port at all, so a firewall dropping everything cannot be told apart from an unreachable host; declare a flow that is open, or check reachability';
        findings.push(ctx.finding({ id: 'firewall.filtering', target, status: 'error', params: { reason }, evidence: { ...evidence, expected, actual }, data }));
        continue;
      }
      if (total === 0) {
        const reason = 'the sweep covered no undeclared TCP port that was not open; widen scan.tcpPorts';
        findings.push(ctx.finding({ id: 'firewall.filtering', target, status: 'not_tested', params: { reason }, evidence: { ...evidence, expected, actual }, data }));
        continue;
      }
      const share = filtered / total;
      const resetList = tally.resetPorts.length > 0 ? ` (${compressPorts(tally.resetPorts)}${counts.reset > tally.resetPorts.length ? ', …' : ''})` : '';
      findings.push(
        ctx.finding({
          id: 'firewall.filtering',
          target,
          status: share >= minFilteredShare ? 'pass' : 'fail',
          params: { host: gateway.host, filtered, total, share: percent(share), reset: counts.reset, resetList },
          evidence: {
            ...evidence,
            expected,
            actual:
              share >= minFilteredShare
                ? actual
                : `${actual}. A firewall that rejects with TCP resets looks like no firewall from outside; the gateway's own ruleset is the evidence then`,
          },
          data,
        }),
      );
    }
    return findings;
  },
});

function percent(share: number): string {
  return `${(share * 100).toFixed(share === 1 || share === 0 ? 0 : 1)}%`;
}
