import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { CocoscanError } from '../errors.ts';

/**
 * Every file cocoscan reads goes through here. The file is opened non-blocking (a FIFO or a device can never
 * stall the run), must be a regular file once open, and is read with a byte cap, so no input decides the
 * run's memory or duration.
 */
export type FileKind =
  | 'agent-report'
  | 'trust-file'
  | 'known-hosts'
  | 'private-key'
  | 'public-key'
  | 'signing-key'
  | 'connection-file'
  | 'profile'
  | 'answers-file'
  | 'waiver-file'
  | 'history-report'
  | 'manifest'
  | 'nmap-xml'
  | 'nmap-service-probes'
  | 'masscan-output'
  | 'country-database';

const KiB = 1024;
const MiB = 1024 * KiB;

/** The most bytes cocoscan reads from one file of each kind. */
export const FILE_BYTE_LIMITS: Readonly<Record<FileKind, number>> = {
  'agent-report': 16 * MiB,
  'trust-file': 4 * MiB,
  'known-hosts': 4 * MiB,
  'private-key': 64 * KiB,
  'public-key': 64 * KiB,
  'signing-key': 64 * KiB,
  'connection-file': 5 * MiB,
  profile: 5 * MiB,
  'answers-file': 5 * MiB,
  'waiver-file': 5 * MiB,
  'history-report': 64 * MiB,
  manifest: 16 * MiB,
  'nmap-xml': 64 * MiB,
  'nmap-service-probes': 16 * MiB,
  'masscan-output': 64 * MiB,
  'country-database': 32 * MiB,
};

const DESCRIPTION: Readonly<Record<FileKind, string>> = {
  'agent-report': 'agent report',
  'trust-file': 'trust file (PEM certificates)',
  'known-hosts': 'known_hosts file',
  'private-key': 'private key',
  'public-key': 'public key',
  'signing-key': 'signing key',
  'connection-file': 'connection file',
  profile: 'profile',
  'answers-file': 'answers file',
  'waiver-file': 'waiver file',
  'history-report': 'report.json',
  manifest: 'evidence manifest',
  'nmap-xml': 'nmap XML output',
  'nmap-service-probes': "nmap's service probe database (nmap-service-probes)",
  'masscan-output': 'masscan JSON output',
  'country-database': 'IP-to-country database (MaxMind DB format)',
};

export interface SafeReadOptions {
  kind: FileKind;
  /** Where the path came from, e.g. `gateways[0].agentReports[1].path` or `--sign`. */
  key?: string;
  /** Overrides the kind's byte limit. */
  maxBytes?: number;
  /** Refuse a symbolic link as the last part of the path (for files cocoscan wrote itself). */
  noFollow?: boolean;
}

/** A file that cannot be read safely: it names the path, the key it came from, and what to do. */
export class UnsafeFileError extends CocoscanError {
  constructor(
    readonly path: string,
    readonly reason: string,
    readonly key: string | undefined,
    kind: FileKind,
    options?: { cause?: unknown },
  ) {
    super(
      `${key ? `${key}: ` : ''}${path} ${reason}`,
      `give the path of a regular ${DESCRIPTION[kind]} (not a FIFO, device, folder or link loop) of at most ${FILE_BYTE_LIMITS[kind]} bytes`,
      options,
    );
  }
}

const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;

function flags(noFollow: boolean | undefined): number {
  return OPEN_FLAGS | (noFollow ? constants.O_NOFOLLOW : 0);
}

function describeOpenError(error: unknown, noFollow: boolean | undefined): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'does not exist';
    case 'EACCES':
    case 'EPERM':
      return 'cannot be read (permission denied)';
    case 'ELOOP':
      return noFollow ? 'is a symbolic link, which is refused here' : 'is a loop of symbolic links';
    case 'ENOTDIR':
      return 'does not exist (a part of the path is not a folder)';
    case 'ENXIO':
      return 'is a socket or device with nothing behind it, not a regular file';
    case 'EISDIR':
      return 'is a folder, not a file';
    default:
      return `cannot be opened (${code ?? 'unknown error'})`;
  }
}

function describeNonRegular(info: Stats): string | undefined {
  if (info.isFile()) return undefined;
  if (info.isDirectory()) return 'is a folder, not a file';
  if (info.isFIFO()) return 'is a FIFO (named pipe), not a regular file';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'is a device, not a regular file';
  if (info.isSocket()) return 'is a socket, not a regular file';
  return 'is not a regular file';
}

function limitOf(options: SafeReadOptions): number {
  return options.maxBytes ?? FILE_BYTE_LIMITS[options.kind];
}

function tooBig(size: number | string, limit: number): string {
  return `is ${size} bytes; at most ${limit} are read`;
}

/** Opens a file safely and checks it is a regular file under the limit; the caller closes the handle. */
async function openChecked(path: string, options: SafeReadOptions): Promise<{ handle: FileHandle; info: Stats }> {
  let handle: FileHandle;
  try {
    handle = await open(path, flags(options.noFollow));
  } catch (error) {
    throw new UnsafeFileError(path, describeOpenError(error, options.noFollow), options.key, options.kind, { cause: error });
  }
  try {
    const info = await handle.stat();
    const wrong = describeNonRegular(info);
    if (wrong) throw new UnsafeFileError(path, wrong, options.key, options.kind);
    if (info.size > limitOf(options)) throw new UnsafeFileError(path, tooBig(info.size, limitOf(options)), options.key, options.kind);
    return { handle, info };
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error;
  }
}

/** Checks, without reading it, that a file would be read: regular, reachable and under its limit. */
export async function checkReadable(path: string, options: SafeReadOptions): Promise<Stats> {
  const { handle, info } = await openChecked(path, options);
  await handle.close().catch(() => undefined);
  return info;
}

/** Reads a whole regular file, at most its kind's limit. */
export async function readSafe(path: string, options: SafeReadOptions): Promise<{ content: Buffer; info: Stats }> {
  const { handle, info } = await openChecked(path, options);
  const limit = limitOf(options);
  try {
    const content = await readCapped(
      (buffer, offset, length) => handle.read(buffer, offset, length, null).then((r) => r.bytesRead),
      info.size,
      limit,
      () => new UnsafeFileError(path, tooBig(`more than ${limit}`, limit), options.key, options.kind),
    );
    return { content, info };
  } catch (error) {
    if (error instanceof UnsafeFileError) throw error;
    throw new UnsafeFileError(path, describeOpenError(error, options.noFollow), options.key, options.kind, { cause: error });
  } finally {
    await handle.close().catch(() => undefined);
  }
}

function initialSize(statSize: number, limit: number): number {
  return Math.min(limit + 1, Math.max(statSize + 1, 64 * KiB));
}

function grow(buffer: Buffer, limit: number): Buffer {
  const bigger = Buffer.allocUnsafe(Math.min(limit + 1, buffer.length * 2));
  buffer.copy(bigger);
  return bigger;
}

/**
 * Reads until end of file into one buffer sized from fstat. The file may grow after fstat (or report size 0,
 * as /proc files do): at most limit + 1 bytes are read, and that many means the file is too big.
 */
async function readCapped(
  read: (buffer: Buffer, offset: number, length: number) => Promise<number>,
  statSize: number,
  limit: number,
  tooLarge: () => Error,
): Promise<Buffer> {
  let buffer: Buffer = Buffer.allocUnsafe(initialSize(statSize, limit));
  let total = 0;
  for (;;) {
    if (total === buffer.length) buffer = grow(buffer, limit);
    const bytesRead = await read(buffer, total, buffer.length - total);
    if (bytesRead === 0) break;
    total += bytesRead;
    if (total > limit) throw tooLarge();
  }
  return buffer.subarray(0, total);
}

/** Reads at most the first `bytes` bytes of a regular file of any size: enough to recognise a file before replacing it. */
export async function readSafeHead(path: string, bytes: number, options: SafeReadOptions): Promise<Buffer> {
  const { handle } = await openChecked(path, { ...options, maxBytes: Number.POSITIVE_INFINITY });
  try {
    const buffer = Buffer.alloc(bytes);
    let total = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, total, bytes - total, total);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total === bytes) break;
    }
    return buffer.subarray(0, total);
  } catch (error) {
    throw new UnsafeFileError(path, describeOpenError(error, options.noFollow), options.key, options.kind, { cause: error });
  } finally {
    await handle.close().catch(() => undefined);
  }
}

export async function readSafeText(path: string, options: SafeReadOptions): Promise<string> {
  return (await readSafe(path, options)).content.toString('utf8');
}

/** The synchronous twin, for the few reads made while building a table at start-up. */
export function readSafeTextSync(path: string, options: SafeReadOptions): string {
  let fd: number;
  try {
    fd = openSync(path, flags(options.noFollow));
  } catch (error) {
    throw new UnsafeFileError(path, describeOpenError(error, options.noFollow), options.key, options.kind, { cause: error });
  }
  const limit = limitOf(options);
  try {
    const info = fstatSync(fd);
    const wrong = describeNonRegular(info);
    if (wrong) throw new UnsafeFileError(path, wrong, options.key, options.kind);
    if (info.size > limit) throw new UnsafeFileError(path, tooBig(info.size, limit), options.key, options.kind);
    let buffer: Buffer = Buffer.allocUnsafe(initialSize(info.size, limit));
    let total = 0;
    for (;;) {
      if (total === buffer.length) buffer = grow(buffer, limit);
      const bytesRead = readSync(fd, buffer, total, buffer.length - total, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > limit) throw new UnsafeFileError(path, tooBig(`more than ${limit}`, limit), options.key, options.kind);
    }
    return buffer.subarray(0, total).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
