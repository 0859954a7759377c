import { MAX_EARLIER_RUNS, type RunReport } from '../report/schema.ts';
import { recentRuns, type StoredRun } from './store.ts';

export type EarlierRun = NonNullable<NonNullable<RunReport['history']>['earlierRuns']>[number];

/** What a verdict timeline keeps of a stored run: its automated rows' verdicts, nothing else. */
export function earlierRun(run: Pick<StoredRun, 'id' | 'startedAt' | 'report'>): EarlierRun {
  return {
    id: run.id,
    startedAt: run.startedAt,
    rows: run.report.rows.flatMap((r) =>
      r.method === 'automated' && !r.heading && r.compliance ? [{ ref: r.ref, compliance: r.compliance }] : [],
    ),
  };
}

/**
 * The verdicts of the most recent earlier runs of a connection judged against the same profile, oldest first: the
 * columns of the report's verdict timeline before its own. A run stored after `before` (a clock set back) is left out.
 */
export async function readEarlierRuns(root: string, connection: string, profileId: string, before: string): Promise<EarlierRun[]> {
  const runs = await recentRuns(root, connection, profileId, MAX_EARLIER_RUNS, earlierRun);
  return runs.filter((r) => r.startedAt < before).reverse();
}
