import { join } from 'node:path';
import { z } from 'zod';
import { readSafeText } from '../input/safe-read.ts';
import { COMPLIANCE_VALUES } from '../profile/schema.ts';
import { MAX_EARLIER_RUNS, type ReportRow, type RunReport } from '../report/schema.ts';
import { newestRunFolders } from './store.ts';

export type EarlierRun = NonNullable<NonNullable<RunReport['history']>['earlierRuns']>[number];
type VerdictRow = Pick<ReportRow, 'ref' | 'heading' | 'method' | 'compliance'>;

/** What a verdict timeline keeps of a stored run: its automated rows' verdicts, nothing else. */
export function earlierRun(run: { id: string; startedAt: string; report: { rows: VerdictRow[] } }): EarlierRun {
  return {
    id: run.id,
    startedAt: run.startedAt,
    rows: run.report.rows.flatMap((r) =>
      r.method === 'automated' && !r.heading && r.compliance ? [{ ref: r.ref, compliance: r.compliance }] : [],
    ),
  };
}

/**
 * The parts of a stored report.json the timeline reads. The whole report is validated when a run is compared with
 * (readRun); here only these parts are, so that thirty large reports do not cost seconds at the end of every check.
 */
const verdictsSchema = z.object({
  schemaVersion: z.literal(1),
  startedAt: z.string(),
  profile: z.object({ id: z.string() }),
  rows: z.array(
    z.object({
      ref: z.string(),
      heading: z.boolean(),
      method: z.enum(['automated', 'manual']).nullable(),
      compliance: z.enum(COMPLIANCE_VALUES).nullable(),
    }),
  ),
});

/** A stored run's verdicts, or undefined when its report.json cannot be read (capped, a regular file) or is not a report. */
async function readVerdicts(run: { id: string; dir: string }): Promise<{ profileId: string; earlier: EarlierRun } | undefined> {
  try {
    const text = await readSafeText(join(run.dir, 'report.json'), { kind: 'history-report', noFollow: true });
    const parsed = verdictsSchema.safeParse(JSON.parse(text));
    if (!parsed.success) return undefined;
    const { startedAt, profile, rows } = parsed.data;
    return { profileId: profile.id, earlier: earlierRun({ id: run.id, startedAt, report: { rows } }) };
  } catch {
    return undefined;
  }
}

/**
 * The verdicts of the most recent earlier runs of a connection judged against the same profile, oldest first: the
 * columns of the report's verdict timeline before its own. Runs are read newest first, one at a time, from the
 * MAX_RUNS_SEARCHED newest folders; a folder whose report cannot be read is passed over (the timeline is a picture,
 * not a comparison), and so is a run stored after `before` (a clock set back).
 */
export async function readEarlierRuns(root: string, connection: string, profileId: string, before: string): Promise<EarlierRun[]> {
  const kept: EarlierRun[] = [];
  for (const run of await newestRunFolders(root, connection)) {
    if (kept.length >= MAX_EARLIER_RUNS) break;
    const read = await readVerdicts(run);
    if (read && read.profileId === profileId && read.earlier.startedAt < before) kept.push(read.earlier);
  }
  return kept.reverse();
}
