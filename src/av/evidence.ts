import { isClamavEngine } from '../host/processes.ts';
import type { GatewayAvFacts } from './judge.ts';

/** Update runs listed per history in the evidence; older ones are counted, not listed. */
export const MAX_EVIDENCE_RUNS = 2000;

/**
 * What antivirus.json keeps of the facts: what each source said about anti-virus, not the raw command
 * outputs (the SSH session's are under host/, an agent report is the user's own file). Its size follows the
 * number of sources, never the size of what a host sent.
 */
export function avEvidence(facts: GatewayAvFacts, now: Date): Record<string, unknown> {
  return {
    checkedAt: now.toISOString(),
    missing: facts.missing,
    sources: facts.sources.map((s) => ({
      label: s.label,
      kind: s.kind,
      signature: s.signature,
      failure: s.failure,
      collectedAt: s.collectedAt?.toISOString(),
      collectedAtFrom: s.collectedAtFrom,
      clockSkewSeconds: s.clockSkewSeconds,
      utcOffsetMinutes: s.utcOffsetMinutes,
      processes: s.processes ? { count: s.processes.length, clamavEngines: [...new Set(s.processes.filter(isClamavEngine))] } : undefined,
      observations: s.observations.map((o) => {
        const runs = o.updateRuns;
        const listed = runs && runs.length > MAX_EVIDENCE_RUNS ? runs.slice(-MAX_EVIDENCE_RUNS) : runs;
        return {
          ...o,
          updateRuns: listed?.map((d) => d.toISOString()),
          ...(runs && listed && runs.length > listed.length
            ? { updateRunsOmitted: `${runs.length - listed.length} older run(s) not listed` }
            : {}),
          notes: o.notes.slice(0, 20),
        };
      }),
    })),
  };
}
