import { createHash, randomBytes } from 'node:crypto';
import { copyFile, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { OutputError } from '../errors.ts';
import type { Artefact } from '../evidence-store.ts';
import type { RunReport } from '../report/schema.ts';
import { renderHtml } from '../../reports/html.ts';
import { renderJson } from '../../reports/json.ts';
import { renderMarkdown } from '../../reports/markdown.ts';
import { renderCsv } from '../../reports/csv.ts';
import { renderFindingsCsv } from '../../reports/findings-csv.ts';
import { renderDocx } from '../../reports/docx.ts';
import { SIGNATURE_PATH, signManifest } from './signing.ts';
import { inspectOutFolder, makeFolders, MARKER_PATH, markerContent, TEMP_PREFIX } from './out-folder.ts';

export const MANIFEST_PATH = 'evidence/manifest.sha256';

/** One file of a report folder: rendered bytes, or an artefact the evidence store already keeps on disk. */
export type ReportFile = Buffer | Artefact;
export type ReportFiles = Map<string, ReportFile>;

/**
 * The files of a report folder, rendered but not yet written: the reports, the raw evidence, and a manifest
 * covering every one of them, signed when a key is given.
 */
export async function renderReportFiles(report: RunReport, artefacts: Artefact[], signingKeyPem?: string): Promise<ReportFiles> {
  const files: ReportFiles = new Map<string, ReportFile>([
    ['report.json', Buffer.from(renderJson(report))],
    ['statement.md', Buffer.from(renderMarkdown(report))],
    ['report.html', Buffer.from(renderHtml(report))],
    ['statement.csv', Buffer.from(renderCsv(report))],
    ['findings.csv', Buffer.from(renderFindingsCsv(report))],
    ['statement.docx', await renderDocx(report)],
  ]);
  for (const artefact of artefacts) files.set(artefact.path, artefact);
  files.set(MARKER_PATH, markerContent([...files.keys(), MANIFEST_PATH, ...(signingKeyPem ? [SIGNATURE_PATH] : [])]));
  const list = Buffer.from(manifest(files));
  files.set(MANIFEST_PATH, list);
  if (signingKeyPem) files.set(SIGNATURE_PATH, Buffer.from(signManifest(list, signingKeyPem)));
  return files;
}

/** `sha256sum -c` format: one "<hash>  <path>" line per file, paths relative to the report folder. */
export function manifest(files: ReportFiles): string {
  return [...files.entries()]
    .filter(([path]) => path !== MANIFEST_PATH && path !== SIGNATURE_PATH)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([path, content]) => `${sha256Of(content)}  ${path}\n`)
    .join('');
}

/** An artefact's hash was taken from the very bytes the store wrote; rendered files are hashed here. */
function sha256Of(content: ReportFile): string {
  return Buffer.isBuffer(content) ? createHash('sha256').update(content).digest('hex') : content.sha256;
}

/**
 * Writes the report folder atomically: everything goes to a sibling temporary folder that is renamed into
 * place, so a killed run never leaves a half-written report. An existing folder is replaced only when
 * cocoscan wrote it and it holds nothing else (see inspectOutFolder).
 */
export async function writeReportFolder(outDir: string, files: ReportFiles): Promise<string> {
  const target = resolve(outDir);
  const state = await inspectOutFolder(target);
  const parent = dirname(target);
  try {
    await makeFolders(parent);
  } catch (error) {
    throw new OutputError(`cannot create ${parent}`, 'choose another --out folder', { cause: error });
  }
  const temp = join(parent, `${TEMP_PREFIX}${basename(target)}-${randomBytes(4).toString('hex')}`);
  try {
    // The marker goes first, so a leftover of a killed run is always recognisable as cocoscan's own.
    await mkdir(temp);
    const marker = files.get(MARKER_PATH);
    await writeFile(join(temp, MARKER_PATH), Buffer.isBuffer(marker) ? marker : markerContent([...files.keys()]));
    for (const [path, content] of files) {
      if (path === MARKER_PATH) continue;
      const file = join(temp, path);
      await makeFolders(dirname(file));
      // Evidence is copied from the store's folder by the kernel, never read into memory.
      if (Buffer.isBuffer(content)) await writeFile(file, content);
      else await copyFile(content.file, file);
    }
    // Test hook: a pause between writing and committing, so a test can kill the process right there.
    const pause = Number(process.env.COCOSCAN_DEBUG_PAUSE_BEFORE_COMMIT_MS ?? 0);
    if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
    const old = `${temp}-old`;
    const existed = state === 'ours' || state === 'empty';
    if (existed) await rename(target, old);
    await rename(temp, target);
    if (existed) await rm(old, { recursive: true, force: true });
  } catch (error) {
    await rm(temp, { recursive: true, force: true }).catch(() => undefined);
    throw new OutputError(
      `cannot write the report to ${target}: ${(error as Error).message}`,
      'check the folder permissions and free space, or choose another --out',
      {
        cause: error,
      },
    );
  }
  return target;
}
