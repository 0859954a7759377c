import { InternalError } from '../errors.ts';
import { diffStates, type Change } from '../history/diff.ts';
import { observedState, rowsJudgedFromChanges } from '../history/state.ts';
import type { AnyProbe } from '../probe/contract.ts';
import { comparisonFindingIds } from '../probe/registry.ts';
import type { Profile } from '../profile/load.ts';
import type { RunReport } from '../report/schema.ts';

export interface Baseline {
  id: string;
  report: RunReport;
  kind: 'previous' | 'baseline';
}

type Compared = Pick<RunReport, 'findings' | 'rows' | 'observations'>;

/**
 * What changed since the baseline, read from a run's observations and verdicts. The rows that run-level
 * probes decide (CoCo-2) are left out on both sides: their verdict follows from the comparison, so comparing
 * it would be circular (before those probes run such a row is not yet judged, and once judged it moves
 * whenever the previous run had changes). Every other row cites only findings that are final before the
 * run-level probes, so the changes judged then are those of the finished report; `assertSame` checks it.
 */
export function comparison(profile: Profile, runProbes: readonly AnyProbe[], baseline: Baseline | undefined) {
  const ids = comparisonFindingIds(runProbes);
  const ignoreRows = new Set([
    ...profile.rows.filter((row) => row.rules.some((rule) => ids.has(rule.finding))).map((row) => row.ref),
    ...(baseline ? rowsJudgedFromChanges(baseline.report.rows, ids) : []),
  ]);
  const before = baseline ? observedState(baseline.report, ignoreRows) : undefined;
  const changesIn = (run: Compared): Change[] => (before ? diffStates(before, observedState(run, ignoreRows)) : []);
  return {
    changesIn,
    /** The changes CoCo-2 judged must be those of the finished report, or the report would contradict itself. */
    assertSame(judged: Change[], finished: Compared): void {
      const final = changesIn(finished);
      if (JSON.stringify(judged) !== JSON.stringify(final)) {
        throw new InternalError(
          `the changes judged for CoCo-2 (${judged.length}) differ from those of the finished report (${final.length}); ` +
            'a row depends on a finding of a run-level probe without being left out of the comparison',
        );
      }
    },
  };
}
