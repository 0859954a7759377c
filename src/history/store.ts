import { readdir, stat } from 'node:fs/promises';
import { readSafeText } from '../input/safe-read.ts';
import { join, resolve } from 'node:path';
import envPaths from 'env-paths';
import { UsageError } from '../errors.ts';
import { writeReportFolder } from '../output/write-report.ts';
import type { RunReport } from '../report/schema.ts';

/** Where runs are kept: --history, else $COCOSCAN_HISTORY, else the per-user data folder. */
export function historyRoot(option?: string): string {
  return resolve(option ?? process.env.COCOSCAN_HISTORY ?? join(envPaths('cocoscan', { suffix: '' }).data, 'history'));
}

export interface StoredRun {
  id: string;
  dir: string;
  connection: string;
  startedAt: string;
  report: RunReport;
}

export function runStamp(startedAt: string): string {
  return startedAt.replace(/[-:.]/g, '');
}

/**
 * Stores a run under <root>/<connection>/<stamp>. The folder is written aside and renamed into place, so a
 * process killed half-way leaves a temporary folder (ignored by readers), never a damaged run.
 */
export async function saveRun(root: string, report: RunReport, files: Map<string, Buffer>): Promise<StoredRun> {
  const connection = report.connection.connection.name;
  const stamp = runStamp(report.startedAt);
  const dir = join(root, connection, stamp);
  await writeReportFolder(dir, files);
  return { id: `${connection}/${stamp}`, dir, connection, startedAt: report.startedAt, report };
}

async function readRun(dir: string, id: string): Promise<StoredRun | undefined> {
  try {
    const report = JSON.parse(await readSafeText(join(dir, 'report.json'), { kind: 'history-report', noFollow: true })) as RunReport;
    if (report.schemaVersion !== 1 || !report.connection?.connection?.name) return undefined;
    return { id, dir, connection: report.connection.connection.name, startedAt: report.startedAt, report };
  } catch {
    return undefined;
  }
}

export interface RunListing {
  runs: StoredRun[];
  /** Folders that hold no readable report (a run cut short before cocoscan wrote atomically, or edited). */
  unreadable: string[];
}

/** The stored runs, oldest first, of one connection or of all. */
export async function listRuns(root: string, connection?: string): Promise<RunListing> {
  const names = connection ? [connection] : await readdir(root).catch(() => [] as string[]);
  const runs: StoredRun[] = [];
  const unreadable: string[] = [];
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const stamps = await readdir(join(root, name)).catch(() => [] as string[]);
    for (const stamp of stamps.sort()) {
      if (stamp.startsWith('.cocoscan-tmp')) continue;
      const run = await readRun(join(root, name, stamp), `${name}/${stamp}`);
      if (run) runs.push(run);
      else unreadable.push(`${name}/${stamp}`);
    }
  }
  runs.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  return { runs, unreadable };
}

/** The newest stored run of a connection, optionally only those that started before `before`. */
export async function latestRun(root: string, connection: string, before?: string): Promise<StoredRun | undefined> {
  const { runs } = await listRuns(root, connection);
  return runs.filter((r) => !before || r.startedAt < before).pop();
}

/** A run named on the command line: a report folder, a history id (name/stamp), or a connection name (its latest run). */
export async function resolveRun(reference: string, root: string): Promise<StoredRun> {
  const asPath = resolve(reference);
  if (await stat(join(asPath, 'report.json')).catch(() => undefined)) {
    const run = await readRun(asPath, asPath);
    if (run) return run;
    throw new UsageError(`${reference} holds a report.json cocoscan cannot read`);
  }
  if (/^[a-zA-Z0-9][a-zA-Z0-9._-]*\/\d{8}T\d+Z$/.test(reference)) {
    const run = await readRun(join(root, reference), reference);
    if (run) return run;
  }
  if (/^[a-zA-Z0-9][a-zA-Z0-9._-]*$/.test(reference)) {
    const run = await latestRun(root, reference);
    if (run) return run;
  }
  throw new UsageError(`no run "${reference}" (looked for a report folder and in the history at ${root})`, 'list the stored runs with: cocoscan history');
}
