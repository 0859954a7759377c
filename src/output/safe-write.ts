import { constants } from 'node:fs';
import { lstat, open } from 'node:fs/promises';
import { OutputError } from '../errors.ts';
import { readSafeHead, type FileKind } from '../input/safe-read.ts';

/**
 * Writes a single output file (an agent report, say), replacing a regular file there (refuseForeignOutput checks first that
 * it may). Opened non-blocking and without following a final link, so a FIFO, device or link named as the output is refused.
 */
export async function writeRegularFile(path: string, content: string | Buffer, what: string): Promise<void> {
  let handle;
  try {
    handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_NONBLOCK | constants.O_NOFOLLOW, 0o644);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ELOOP'
        ? 'is a symbolic link'
        : code === 'ENXIO'
          ? 'is a FIFO or device'
          : code === 'EISDIR'
            ? 'is a folder'
            : `cannot be written (${code ?? 'error'})`;
    throw new OutputError(`cannot write the ${what} to ${path}: it ${why}`, 'give the path of a regular file for --out', { cause: error });
  }
  try {
    const info = await handle.stat();
    if (!info.isFile())
      throw new OutputError(`cannot write the ${what} to ${path}: it is not a regular file`, 'give the path of a regular file for --out');
    await handle.truncate(0);
    await handle.writeFile(content);
  } catch (error) {
    if (error instanceof OutputError) throw error;
    throw new OutputError(`cannot write the ${what} to ${path}: ${(error as Error).message}`, 'choose another --out', { cause: error });
  } finally {
    await handle.close().catch(() => undefined);
  }
}

const HEAD_BYTES = 4096;

/**
 * Before any work, and again just before writing: an output path that exists must be a regular file (not a link,
 * FIFO, device or folder) that is empty or that cocoscan wrote, as `ours` tells from its first bytes.
 */
export async function refuseForeignOutput(
  path: string,
  output: { what: string; kind: FileKind; ours: (head: string) => boolean },
): Promise<void> {
  const info = await lstat(path).catch(() => undefined);
  if (!info) return;
  if (!info.isFile()) {
    throw new OutputError(
      `--out ${path} is ${info.isSymbolicLink() ? 'a symbolic link' : info.isFIFO() ? 'a FIFO' : info.isDirectory() ? 'a folder' : 'not a regular file'}`,
      'give the path of a regular file (or a new one) for --out',
    );
  }
  if (info.size === 0) return;
  const head = await readSafeHead(path, HEAD_BYTES, { kind: output.kind, key: '--out', noFollow: true });
  if (!output.ours(head.toString('utf8')))
    throw new OutputError(
      `--out ${path} already exists and is not ${output.what} cocoscan wrote`,
      'choose another path for --out, or remove the file if you no longer need it; cocoscan replaces only a file it wrote itself',
    );
}
