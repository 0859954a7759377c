import { judgeAntivirus as judgeAvFacts, type AvThresholds } from '../../src/av/judge.ts';
import type { Verdict } from '../../src/probe/contract.ts';
import type { AvFindingId } from './findings.ts';
import type { AntivirusFacts } from './gather.ts';

export type { AntivirusFacts } from './gather.ts';

/** CoCo-10 for one gateway (src/av/judge.ts), as verdicts citing the sources each rests on and antivirus.json. Pure. */
export function judgeAntivirus(facts: AntivirusFacts, thresholds: AvThresholds, now: Date): Verdict<AvFindingId>[] {
  return judgeAvFacts(facts.av, thresholds, now).map((v) => ({
    id: v.id,
    target: facts.target,
    status: v.status,
    params: { gateway: facts.target.gateway, ...v.params },
    evidence: { source: v.sources.join('; ') || 'no agent data', expected: v.expected, actual: v.actual, artefacts: [facts.artefact] },
    data: v.data,
  }));
}
