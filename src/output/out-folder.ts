import { constants } from 'node:fs';
import { access, lstat, mkdir, readdir, rm } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { OutputError } from '../errors.ts';
import { readSafeText } from '../input/safe-read.ts';

/** The file that marks a folder as written by cocoscan, listing every path cocoscan wrote there. */
export const MARKER_PATH = '.cocoscan-report';
export const TEMP_PREFIX = '.cocoscan-tmp-';
const MARKER_FORMAT = 'cocoscan-report-folder';
/** A folder holding more entries than this is never taken for one of cocoscan's. */
const MAX_OWNED_ENTRIES = 100_000;

export interface Marker {
  format: typeof MARKER_FORMAT;
  /** The process that wrote it: a temporary folder whose writer still runs is never removed. */
  pid: number;
  files: string[];
}

export function markerContent(files: string[]): Buffer {
  const marker: Marker = { format: MARKER_FORMAT, pid: process.pid, files: [...new Set([...files, MARKER_PATH])].sort() };
  return Buffer.from(`${JSON.stringify(marker, null, 2)}\n`);
}

async function readMarker(dir: string): Promise<Marker | undefined> {
  try {
    const data = JSON.parse(await readSafeText(join(dir, MARKER_PATH), { kind: 'manifest', noFollow: true })) as Partial<Marker>;
    if (data.format !== MARKER_FORMAT || !Array.isArray(data.files) || !data.files.every((f) => typeof f === 'string')) return undefined;
    return { format: MARKER_FORMAT, pid: typeof data.pid === 'number' ? data.pid : 0, files: data.files };
  } catch {
    return undefined;
  }
}

/** Every file under dir (relative, '/'-separated); a link or special file is returned as foreign. */
async function listTree(
  dir: string,
  budget = { left: MAX_OWNED_ENTRIES },
): Promise<{ files: string[]; folders: string[]; foreign: string[] }> {
  const files: string[] = [];
  const folders: string[] = [];
  const foreign: string[] = [];
  const walk = async (current: string) => {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      if (--budget.left < 0)
        throw new OutputError(`${dir} holds too many files to be a cocoscan report folder`, 'give an empty or new folder for --out');
      const path = join(current, entry.name);
      const rel = relative(dir, path).split('\\').join('/');
      if (entry.isDirectory()) {
        folders.push(rel);
        await walk(path);
      } else if (entry.isFile()) files.push(rel);
      else foreign.push(rel);
    }
  };
  await walk(dir);
  return { files, folders, foreign };
}

/** What under dir cocoscan did not write: files its marker does not list, folders on no listed path, links and special files. */
async function strangersIn(dir: string, marker: Marker): Promise<string[]> {
  const owned = new Set(marker.files);
  const ownedFolders = new Set(
    marker.files.flatMap((f) =>
      f
        .split('/')
        .slice(0, -1)
        .map((_, i, parts) => parts.slice(0, i + 1).join('/')),
    ),
  );
  const { files, folders, foreign } = await listTree(dir);
  return [...foreign, ...files.filter((f) => !owned.has(f)), ...folders.filter((f) => !ownedFolders.has(f))];
}

export type OutFolderState = 'absent' | 'empty' | 'ours';

/**
 * What --out points at. cocoscan writes into a new or empty folder, or replaces a folder it wrote itself
 * (its marker is there and lists every file in it); anything else is refused, so no user file is ever deleted.
 */
export async function inspectOutFolder(target: string): Promise<OutFolderState> {
  let info;
  try {
    info = await lstat(target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw new OutputError(
      `--out ${target} cannot be inspected: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
      'choose another --out folder',
      { cause: error },
    );
  }
  if (info.isSymbolicLink()) throw new OutputError(`--out ${target} is a symbolic link`, 'give the real folder path for --out');
  if (!info.isDirectory()) throw new OutputError(`--out ${target} is a file, not a folder`, 'give a folder path for --out');
  const entries = await readdir(target);
  if (entries.length === 0) return 'empty';
  const marker = await readMarker(target);
  const refuse = (why: string) =>
    new OutputError(
      `--out ${target} already holds files that are not a cocoscan report (${why})`,
      'give an empty or new folder; cocoscan replaces only a report folder it wrote itself, and only when it holds nothing else',
    );
  if (!marker) return Promise.reject(refuse(`no ${MARKER_PATH} marker`));
  const strangers = await strangersIn(target, marker);
  if (strangers.length > 0)
    throw refuse(
      `${strangers.slice(0, 5).join(', ')}${strangers.length > 5 ? ` and ${strangers.length - 5} more` : ''} were not written by cocoscan`,
    );
  return 'ours';
}

/**
 * Creates a folder and its missing parents one level at a time. (Node's recursive mkdir can spin forever on
 * some file systems, /proc for one; this fails at the first level that cannot be made.)
 */
export async function makeFolders(path: string): Promise<void> {
  const missing: string[] = [];
  let current = resolve(path);
  for (;;) {
    const info = await lstat(current).catch((error: NodeJS.ErrnoException) =>
      error.code === 'ENOENT' ? undefined : Promise.reject(error),
    );
    if (info) {
      if (!info.isDirectory()) throw Object.assign(new Error(`${current} is not a folder`), { code: 'ENOTDIR' });
      break;
    }
    missing.push(current);
    const up = dirname(current);
    if (up === current) break;
    current = up;
  }
  for (const folder of missing.reverse()) {
    await mkdir(folder).catch((error: NodeJS.ErrnoException) => (error.code === 'EEXIST' ? undefined : Promise.reject(error)));
  }
}

/** Checks, before the first packet, that the report can be written to --out. */
export async function checkOutFolder(outDir: string): Promise<void> {
  const target = resolve(outDir);
  await inspectOutFolder(target);
  const parent = dirname(target);
  try {
    await makeFolders(parent);
  } catch (error) {
    throw new OutputError(
      `--out ${target}: its parent folder ${parent} cannot be created (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      'choose another --out folder',
      { cause: error },
    );
  }
  try {
    const info = await lstat(parent);
    if (!info.isDirectory()) throw new Error('not a folder');
    await access(parent, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw new OutputError(`--out ${target}: cannot write in ${parent}`, 'choose a folder you can write to for --out', { cause: error });
  }
}

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes `.cocoscan-tmp-*` folders a killed run left in these folders: only those whose marker proves they are
 * cocoscan's, whose writer is gone and that hold nothing but what the marker lists. Returns the folders removed.
 */
export async function removeLeftovers(dirs: string[]): Promise<string[]> {
  const removed: string[] = [];
  for (const dir of new Set(dirs.map((d) => resolve(d)))) {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names) {
      if (!name.startsWith(TEMP_PREFIX)) continue;
      const path = join(dir, name);
      const info = await lstat(path).catch(() => undefined);
      if (!info?.isDirectory()) continue;
      const marker = await readMarker(path);
      if (!marker || processAlive(marker.pid)) continue;
      // A run cut short wrote some of the files its marker lists; anything else there (a user's file moved in) keeps it.
      const strangers = await strangersIn(path, marker).catch(() => undefined);
      if (!strangers || strangers.length > 0) continue;
      await rm(path, { recursive: true, force: true }).then(
        () => removed.push(path),
        () => undefined,
      );
    }
  }
  return removed;
}
