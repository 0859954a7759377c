import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, lstat, open, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { InternalError, OutputError, UsageError } from '../errors.ts';
import type { RunReport } from '../report/schema.ts';
import { renderJson } from '../../reports/json.ts';
import { JUNIT_SIGNATURE, renderJunit } from '../../reports/junit.ts';
import { renderSarif, type SarifSource } from '../../reports/sarif.ts';
import { renderJsonLines } from '../../reports/jsonl.ts';
import { renderOcsf } from '../../reports/ocsf.ts';
import { BOM, FINDINGS_CSV_COLUMNS, renderFindingsCsv } from '../../reports/findings-csv.ts';
import { csvCell } from '../../reports/escape.ts';
import { makeFolders } from './out-folder.ts';

/** A format `--report FORMAT=PATH` writes, and how cocoscan knows a file there is one it wrote itself. */
interface ReportFormat {
  render: (report: RunReport, context: RenderContext) => string;
  /** The first bytes of a file of this format that cocoscan wrote (read back before replacing it). */
  ours: (head: string) => boolean;
}

export interface RenderContext {
  /** Read from the connection file whenever a sarif path is given (prepareCheck). */
  sarif?: SarifSource;
}

function sarifOf(context: RenderContext): SarifSource {
  if (!context.sarif) throw new InternalError('a SARIF report was asked for without the connection file it points at');
  return context.sarif;
}

const HEAD_BYTES = 4096;

const FORMATS: ReadonlyMap<string, ReportFormat> = new Map<string, ReportFormat>([
  ['junit', { render: (r) => renderJunit(r), ours: (head) => head.split('\n')[1]?.startsWith(JUNIT_SIGNATURE) === true }],
  ['sarif', { render: (r, c) => renderSarif(r, sarifOf(c)), ours: (head) => /"driver": \{\s*"name": "cocoscan"/.test(head) }],
  ['jsonl', { render: (r) => renderJsonLines(r), ours: (head) => head.startsWith('{"tool":"cocoscan",') }],
  ['ocsf', { render: (r) => renderOcsf(r), ours: (head) => /^\{"activity_id":1,[^\n]*"product":\{"name":"cocoscan"/.test(head) }],
  [
    'findings-csv',
    { render: (r) => renderFindingsCsv(r), ours: (head) => head.startsWith(BOM + FINDINGS_CSV_COLUMNS.map(csvCell).join(',')) },
  ],
  ['json', { render: (r) => renderJson(r), ours: (head) => /^\{\s*"schemaVersion": \d+,\s*"tool": \{\s*"name": "cocoscan"/.test(head) }],
]);

export const REPORT_FORMATS = [...FORMATS.keys()];

export interface ReportPath {
  format: string;
  path: string;
}

/** Reads `--report FORMAT=PATH` values: known formats, each path named once. */
export function parseReportPaths(values: string[]): ReportPath[] {
  const seen = new Map<string, string>();
  return values.map((value) => {
    const at = value.indexOf('=');
    const format = at > 0 ? value.slice(0, at) : '';
    const path = at > 0 ? value.slice(at + 1) : '';
    if (!FORMATS.has(format) || path === '')
      throw new UsageError(
        `--report ${value}: give FORMAT=PATH with FORMAT one of ${REPORT_FORMATS.join(', ')}`,
        'e.g. --report junit=cocoscan.xml',
      );
    const absolute = resolve(path);
    const other = seen.get(absolute);
    if (other) throw new UsageError(`--report names ${path} twice (${other} and ${format})`, 'give each format its own file');
    seen.set(absolute, format);
    return { format, path };
  });
}

/**
 * Before the first packet: every --report path must be writable, and outside the report folder (which is
 * replaced as a whole). An existing file is replaced only when cocoscan wrote it (its first bytes are this
 * format as cocoscan writes it) or it is empty; a link, FIFO, device or folder is refused.
 */
export async function checkReportPaths(paths: ReportPath[], outDir: string): Promise<void> {
  const folder = resolve(outDir);
  for (const { format, path } of paths) {
    const target = resolve(path);
    if (target === folder || target.startsWith(folder + sep))
      throw new UsageError(
        `--report ${format}=${path} is inside the report folder ${folder}`,
        'write it outside --out, or read it from the folder',
      );
    await refuseForeign(target, format);
    const parent = dirname(target);
    try {
      await makeFolders(parent);
      await access(parent, constants.W_OK | constants.X_OK);
    } catch (error) {
      throw new OutputError(`--report ${format}=${path}: cannot write in ${parent}`, 'choose a folder you can write to', { cause: error });
    }
  }
}

async function refuseForeign(target: string, format: string): Promise<void> {
  // ENOTDIR: a part of the path is a file; the parent check that follows names the problem.
  const info = await lstat(target).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
    throw new OutputError(`--report ${format}=${target} cannot be inspected (${error.code ?? 'error'})`, 'choose another path', {
      cause: error,
    });
  });
  if (!info) return;
  if (!info.isFile())
    throw new OutputError(
      `--report ${format}=${target} is ${info.isSymbolicLink() ? 'a symbolic link' : info.isDirectory() ? 'a folder' : 'not a regular file'}`,
      'give the path of a regular file, or a new one',
    );
  if (info.size === 0) return;
  const head = await readHead(target);
  if (!FORMATS.get(format)!.ours(head))
    throw new OutputError(
      `--report ${format}=${target} already exists and is not a ${format} report cocoscan wrote`,
      'give a new path; cocoscan replaces only a file it wrote itself',
    );
}

async function readHead(path: string): Promise<string> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const buffer = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

/**
 * Writes each --report file atomically: rendered, written to a temporary file beside it, checked again (the file
 * there may have changed since the start), then renamed over it. Returns the paths written.
 */
export async function writeReportPaths(paths: ReportPath[], report: RunReport, context: RenderContext): Promise<string[]> {
  const written: string[] = [];
  for (const { format, path } of paths) {
    const target = resolve(path);
    const content = FORMATS.get(format)!.render(report, context);
    const temp = join(dirname(target), `.${basename(target)}.cocoscan-tmp-${randomBytes(4).toString('hex')}`);
    try {
      await refuseForeign(target, format);
      await writeFile(temp, content, { flag: 'wx', mode: 0o644 });
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true }).catch(() => undefined);
      if (error instanceof OutputError) throw error;
      throw new OutputError(
        `cannot write --report ${format}=${path}: ${(error as Error).message}`,
        'check the folder permissions and free space',
        {
          cause: error,
        },
      );
    }
    written.push(target);
  }
  return written;
}

/** How the SARIF file names the connection file: relative to the working folder when inside it, else a file: URI. */
export function sarifUri(file: string, cwd = process.cwd()): string {
  const absolute = resolve(cwd, file);
  const rel = relative(cwd, absolute);
  if (rel !== '' && !rel.startsWith('..') && !rel.startsWith(sep)) return rel.split(sep).map(encodeURIComponent).join('/');
  return new URL(`file://${absolute.split(sep).map(encodeURIComponent).join('/')}`).href;
}
