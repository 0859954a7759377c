import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { OutputError } from '../errors.ts';
import type { Artefact } from '../evidence-store.ts';
import type { RunReport } from '../report/schema.ts';
import { renderHtml } from '../../reports/html.ts';
import { renderJson } from '../../reports/json.ts';
import { renderMarkdown } from '../../reports/markdown.ts';
import { renderCsv } from '../../reports/csv.ts';
import { renderDocx } from '../../reports/docx.ts';
import { SIGNATURE_PATH, signManifest } from './signing.ts';

export const MANIFEST_PATH = 'evidence/manifest.sha256';

/**
 * The files of a report folder, rendered but not yet written: the reports, the raw evidence, and a manifest
 * covering every one of them, signed when a key is given.
 */
export async function renderReportFiles(report: RunReport, artefacts: Artefact[], signingKeyPem?: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>([
    ['report.json', Buffer.from(renderJson(report))],
    ['statement.md', Buffer.from(renderMarkdown(report))],
    ['report.html', Buffer.from(renderHtml(report))],
    ['statement.csv', Buffer.from(renderCsv(report))],
    ['statement.docx', await renderDocx(report)],
  ]);
  for (const artefact of artefacts) files.set(artefact.path, artefact.content);
  const list = Buffer.from(manifest(files));
  files.set(MANIFEST_PATH, list);
  if (signingKeyPem) files.set(SIGNATURE_PATH, Buffer.from(signManifest(list, signingKeyPem)));
  return files;
}

/** `sha256sum -c` format: one "<hash>  <path>" line per file, paths relative to the report folder. */
export function manifest(files: Map<string, Buffer>): string {
  return [...files.entries()]
    .filter(([path]) => path !== MANIFEST_PATH && path !== SIGNATURE_PATH)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([path, content]) => `${createHash('sha256').update(content).digest('hex')}  ${path}\n`)
    .join('');
}

/**
 * Writes the report folder atomically: everything goes to a sibling temporary folder that is renamed into
 * place, so a killed run never leaves a half-written report. An existing folder is replaced only when it
 * is itself a cocoscan report folder.
 */
export async function writeReportFolder(outDir: string, files: Map<string, Buffer>): Promise<string> {
  const target = resolve(outDir);
  await refuseForeignFolder(target);
  const parent = dirname(target);
  try {
    await mkdir(parent, { recursive: true });
  } catch (error) {
    throw new OutputError(`cannot create ${parent}`, 'choose another --out folder', { cause: error });
  }
  const temp = join(parent, `.cocoscan-tmp-${basename(target)}-${randomBytes(4).toString('hex')}`);
  try {
    for (const [path, content] of files) {
      const file = join(temp, path);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, content);
    }
    // Test hook: a pause between writing and committing, so a test can kill the process right there.
    const pause = Number(process.env.COCOSCAN_DEBUG_PAUSE_BEFORE_COMMIT_MS ?? 0);
    if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
    const old = `${temp}-old`;
    const existed = await exists(target);
    if (existed) await rename(target, old);
    await rename(temp, target);
    if (existed) await rm(old, { recursive: true, force: true });
  } catch (error) {
    await rm(temp, { recursive: true, force: true }).catch(() => undefined);
    throw new OutputError(`cannot write the report to ${target}: ${(error as Error).message}`, 'check the folder permissions and free space, or choose another --out', {
      cause: error,
    });
  }
  return target;
}

async function refuseForeignFolder(target: string): Promise<void> {
  let entries: string[];
  try {
    const info = await stat(target);
    if (!info.isDirectory()) throw new OutputError(`--out ${target} is a file, not a folder`, 'give a folder path for --out');
    entries = await readdir(target);
  } catch (error) {
    if (error instanceof OutputError) throw error;
    return;
  }
  if (entries.length > 0 && !entries.includes('report.json')) {
    throw new OutputError(
      `--out ${target} already holds files that are not a cocoscan report`,
      'give an empty or new folder; cocoscan only replaces folders holding an earlier cocoscan report',
    );
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
