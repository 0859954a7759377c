import { constants } from 'node:fs';
import { lstat, open } from 'node:fs/promises';
import { OutputError } from '../errors.ts';

/**
 * Writes a single output file (an agent report, say), replacing a regular file there. Opened non-blocking and
 * without following a final link, so a FIFO, device or link named as the output is refused, never written into.
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

/** Before any work: an output path that exists must be a regular file (not a link, FIFO, device or folder). */
export async function refuseNonRegularOutput(path: string): Promise<void> {
  const info = await lstat(path).catch(() => undefined);
  if (info && !info.isFile()) {
    throw new OutputError(
      `--out ${path} is ${info.isSymbolicLink() ? 'a symbolic link' : info.isFIFO() ? 'a FIFO' : info.isDirectory() ? 'a folder' : 'not a regular file'}`,
      'give the path of a regular file (or a new one) for --out',
    );
  }
}
