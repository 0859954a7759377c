import { z } from 'zod';
import { defineGatewayProbe } from '../../src/probe/contract.ts';
import { FIREWALL_FINDINGS } from './findings.ts';
import { gatherFiltering } from './gather.ts';
import { judgeFiltering, observeFiltering } from './judge.ts';
import { judgeRateLimit } from './rate-limit.ts';

export default defineGatewayProbe({
  meta: {
    id: 'firewall',
    title: 'A filtering firewall stands in front of the gateway (external view)',
    description:
      'Reads how the undeclared ports of the nmap sweep answered: dropped or refused with ICMP is evidence of a filtering firewall; ' +
      'TCP resets from every undeclared port are evidence that nothing filters them. ' +
      'A port another probe reached but the sweep saw silent is named as rate limited.',
    reads: ['sweep'],
    thresholds: z.strictObject({
      minFilteredShare: z
        .number({ error: 'expected a share from 0.5 to 1' })
        .min(0.5, { error: 'expected a share from 0.5 to 1' })
        .max(1, { error: 'expected a share from 0.5 to 1' })
        .describe('Share of undeclared, non-open TCP ports that must be dropped or ICMP-refused'),
    }),
    findings: FIREWALL_FINDINGS,
  },
  gather: gatherFiltering,
  judge: (facts, thresholds) => [judgeFiltering(facts, thresholds), judgeRateLimit(facts)],
  observe: observeFiltering,
});
