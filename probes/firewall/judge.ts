import type { Observation } from '../../src/history/observation.ts';
import type { Verdict } from '../../src/probe/contract.ts';
import { gatewayAnswered, reachedProof, tallyTcpReplies } from '../../src/facts/sweep-reading.ts';
import { compressPorts } from '../../src/nmap/ports.ts';
import type { FIREWALL_FINDINGS } from './findings.ts';
import type { FilteringFacts } from './gather.ts';

export type { FilteringFacts } from './gather.ts';
type FirewallFindingId = keyof typeof FIREWALL_FINDINGS;

/**
 * Judges whether the undeclared TCP ports of a sweep are filtered. Pure. Silence on every port is never a
 * firewall (the gateway may be unreachable), a sweep that cannot be read is never a pass, and only the
 * state/reason pairs nmap writes for a drop or an ICMP refusal count as filtered.
 */
export function judgeFiltering(facts: FilteringFacts, thresholds: { minFilteredShare: number }): Verdict<FirewallFindingId> {
  const verdict = filteringVerdict(facts, thresholds.minFilteredShare);
  const { name, time, artefact } = facts.source;
  return {
    id: 'firewall.filtering',
    target: facts.target,
    ...verdict,
    evidence: { source: name, time, ...(artefact ? { artefacts: [artefact] } : {}), ...verdict.evidence },
  };
}

/** The external view of the firewall, for comparison with a later run: its verdict and what decided it. */
export function observeFiltering(facts: FilteringFacts, thresholds: { minFilteredShare: number }): Observation[] {
  const verdict = filteringVerdict(facts, thresholds.minFilteredShare);
  if (verdict.status !== 'pass' && verdict.status !== 'fail') return [];
  const { filtered, total } = verdict.params;
  return [
    {
      kind: 'firewall',
      gateway: facts.target.gateway,
      view: 'external',
      verdict: verdict.status,
      detail: `${filtered} of ${total} undeclared TCP ports filtered`,
    },
  ];
}

type FilteringOutcome = Pick<Verdict, 'status' | 'params' | 'data'> & {
  params: Record<string, string | number>;
  evidence: { expected: string; actual?: string };
};

function filteringVerdict(facts: FilteringFacts, minFilteredShare: number): FilteringOutcome {
  const hostName = facts.target.host;
  const expected = `at least ${percent(minFilteredShare)} of undeclared TCP ports dropped or refused with ICMP`;
  if (facts.failure || !facts.host)
    return { status: 'error', params: { reason: facts.failure ?? 'no host record' }, evidence: { expected } };
  const tally = tallyTcpReplies(facts.host, new Set(facts.declaredTcp));
  const { counts } = tally;
  const filtered = counts.dropped + counts['icmp-refused'];
  const total = filtered + counts.reset + counts.unreachable + counts.other;
  const counted =
    `dropped ${counts.dropped}, ICMP-refused ${counts['icmp-refused']}, reset ${counts.reset}, ` +
    `unreachable ${counts.unreachable}, other ${counts.other}, open ${counts.open}`;
  const data = { ...counts, minFilteredShare };
  // A probe's completed exchange proves the gateway answers when the sweep heard nothing (a used-up rate limit).
  const reached = gatewayAnswered(facts.host) ? undefined : reachedProof(facts.reached, 'tcp');
  const actual = reached ? `${counted}; the sweep heard no answer, but ${reached}` : counted;
  if (!gatewayAnswered(facts.host) && !reached) {
    const reason =
      'the gateway answered on no port at all, so a firewall dropping everything cannot be told apart from an unreachable host; ' +
      'declare a flow that is open, or check reachability';
    return { status: 'error', params: { reason }, evidence: { expected, actual }, data };
  }
  if (total === 0) {
    const reason = 'the sweep covered no undeclared TCP port that was not open; widen scan.tcpPorts';
    return { status: 'not_tested', params: { reason }, evidence: { expected, actual }, data };
  }
  const share = filtered / total;
  const resetList =
    tally.resetPorts.length > 0 ? ` (${compressPorts(tally.resetPorts)}${counts.reset > tally.resetPorts.length ? ', …' : ''})` : '';
  const pass = share >= minFilteredShare;
  return {
    status: pass ? 'pass' : 'fail',
    params: { host: hostName, filtered, total, share: percent(share), reset: counts.reset, resetList },
    evidence: {
      expected,
      actual: pass
        ? actual
        : `${actual}. A firewall that rejects with TCP resets looks like no firewall from outside; the gateway's own ruleset is the evidence then`,
    },
    data,
  };
}

function percent(share: number): string {
  return `${(share * 100).toFixed(share === 1 || share === 0 ? 0 : 1)}%`;
}
