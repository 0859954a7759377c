import { constants } from 'node:fs';
import { access, readdir, stat } from 'node:fs/promises';
import { readSafeText } from '../input/safe-read.ts';
import { join, resolve } from 'node:path';
import envPaths from 'env-paths';
import { CocoscanError, OutputError, UsageError } from '../errors.ts';
import { makeFolders } from '../output/out-folder.ts';
import { writeReportFolder, type ReportFiles } from '../output/write-report.ts';
import { parseStoredReport, type RunReport } from '../report/schema.ts';

/** Where runs are kept: --history, else $COCOSCAN_HISTORY, else the per-user data folder. */
export function historyRoot(option?: string): string {
  return resolve(option ?? process.env.COCOSCAN_HISTORY ?? join(envPaths('cocoscan', { suffix: '' }).data, 'history'));
}

/**
 * Before the first packet: the connection's history folder exists (made now) and can be written, so a run is
 * never thrown away after a full scan because it cannot be stored.
 */
export async function checkHistoryFolder(root: string, connection: string): Promise<void> {
  const dir = join(root, connection);
  const hint = 'give a history folder you can write to with --history DIR (or $COCOSCAN_HISTORY), or run with --no-history';
  try {
    await makeFolders(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new OutputError(`the history folder ${dir} cannot be created (${code}); nothing was probed`, hint, { cause: error });
  }
  try {
    await access(dir, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw new OutputError(`the history folder ${dir} cannot be written; nothing was probed`, hint, { cause: error });
  }
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
export async function saveRun(root: string, report: RunReport, files: ReportFiles): Promise<StoredRun> {
  const connection = report.connection.connection.name;
  const stamp = runStamp(report.startedAt);
  const dir = join(root, connection, stamp);
  await writeReportFolder(dir, files);
  return { id: `${connection}/${stamp}`, dir, connection, startedAt: report.startedAt, report };
}

async function readRun(dir: string, id: string): Promise<StoredRun> {
  const file = join(dir, 'report.json');
  let content: string;
  try {
    content = await readSafeText(file, { kind: 'history-report', noFollow: true });
  } catch (error) {
    if (error instanceof CocoscanError) throw error;
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`, 'list the stored runs with: cocoscan history');
  }
  const report = parseStoredReport(content, file);
  return { id, dir, connection: report.connection.connection.name, startedAt: report.startedAt, report };
}

export interface UnreadableRun {
  id: string;
  reason: string;
}

export interface RunListing {
  runs: StoredRun[];
  /** Folders that hold no valid report (a run cut short before cocoscan wrote atomically, or edited). */
  unreadable: UnreadableRun[];
}

/** A run folder's name: runStamp of its start (fixed width, so names sort by time). */
const STAMP = /^\d{8}T\d+Z$/;

/**
 * The run folders of one connection, oldest first. Folders being written (.cocoscan-tmp-*) and anything not
 * named like a run (a note left beside them) are not runs.
 */
async function runFolders(root: string, connection: string): Promise<string[]> {
  const names = await readdir(join(root, connection)).catch(() => [] as string[]);
  return names.filter((name) => STAMP.test(name)).sort();
}

/** The stored runs, oldest first, of one connection or of all; each report is validated against the report schema. */
export async function listRuns(root: string, connection?: string): Promise<RunListing> {
  const names = connection ? [connection] : await readdir(root).catch(() => [] as string[]);
  const runs: StoredRun[] = [];
  const unreadable: UnreadableRun[] = [];
  for (const name of names.filter((n) => !n.startsWith('.')).sort()) {
    for (const stamp of await runFolders(root, name)) {
      const id = `${name}/${stamp}`;
      try {
        runs.push(await readRun(join(root, name, stamp), id));
      } catch (error) {
        unreadable.push({ id, reason: (error as Error).message });
      }
    }
  }
  runs.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  return { runs, unreadable };
}

/**
 * The newest stored run of a connection, the run a new check compares with. A newest folder that holds no
 * valid report is an error, never skipped: comparing with an older run instead would report changes against
 * the wrong run.
 */
export async function latestRun(root: string, connection: string, profileId?: string): Promise<StoredRun | undefined> {
  const folders = (await runFolders(root, connection)).reverse().slice(0, MAX_RUNS_SEARCHED);
  for (const stamp of folders) {
    const run = await readRun(join(root, connection, stamp), `${connection}/${stamp}`);
    // Runs judged against another profile have other rows: comparing with one would report changes that never happened.
    if (profileId === undefined || run.report.profile.id === profileId) return run;
  }
  return undefined;
}

/** The run folders of a connection, newest first, at most MAX_RUNS_SEARCHED of them (names only; nothing is read). */
export async function newestRunFolders(root: string, connection: string): Promise<{ id: string; dir: string }[]> {
  const stamps = (await runFolders(root, connection)).reverse().slice(0, MAX_RUNS_SEARCHED);
  return stamps.map((stamp) => ({ id: `${connection}/${stamp}`, dir: join(root, connection, stamp) }));
}

/** How many stored runs, newest first, are looked at for the previous run of the same profile. */
export const MAX_RUNS_SEARCHED = 100;

/** Where a run named on the command line lives, found without reading its report. */
export interface RunLocation {
  id: string;
  dir: string;
}

const HISTORY_ID = /^[a-zA-Z0-9][a-zA-Z0-9._-]*\/\d{8}T\d+Z$/;
const CONNECTION_NAME = /^[a-zA-Z0-9][a-zA-Z0-9._-]*$/;

/**
 * Finds a run named on the command line: a report folder, a history id (name/stamp), or a connection name
 * (its latest run). Only whether it exists is decided here, so that a name that does not exist is said
 * before any stored report is found wanting.
 */
export async function locateRun(reference: string, root: string): Promise<RunLocation> {
  const hasReport = async (dir: string) => (await stat(join(dir, 'report.json')).catch(() => undefined)) !== undefined;
  const asPath = resolve(reference);
  if (await hasReport(asPath)) return { id: asPath, dir: asPath };
  if (HISTORY_ID.test(reference) && (await hasReport(join(root, reference)))) return { id: reference, dir: join(root, reference) };
  if (CONNECTION_NAME.test(reference)) {
    const newest = (await runFolders(root, reference)).pop();
    if (newest !== undefined) return { id: `${reference}/${newest}`, dir: join(root, reference, newest) };
  }
  throw new UsageError(
    `no run "${reference}" (looked for a report folder and in the history at ${root})`,
    'list the stored runs with: cocoscan history',
  );
}

/** Reads and validates the report of a located run; a report that is not one is a UsageError (exit 2). */
export function readLocatedRun(location: RunLocation): Promise<StoredRun> {
  return readRun(location.dir, location.id);
}

/** A run named on the command line, located and then read. */
export async function resolveRun(reference: string, root: string): Promise<StoredRun> {
  return readLocatedRun(await locateRun(reference, root));
}
