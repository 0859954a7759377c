import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readSafe, readSafeText } from '../input/safe-read.ts';
import { MANIFEST_PATH } from './write-report.ts';
import { checkManifestSignature, SIGNATURE_PATH } from './signing.ts';

export interface VerifyResult {
  ok: boolean;
  checked: number;
  changed: string[];
  missing: string[];
  extra: string[];
  signature: 'valid' | 'invalid' | 'absent' | 'not-checked';
  problems: string[];
}

export const VERIFY_LIMITS = {
  /** Most bytes hashed of one file; a larger file is a problem, not a hang. */
  fileBytes: 512 * 1024 * 1024,
  /** Most files and folders walked in a report folder. */
  entries: 200_000,
  /** Most bytes hashed in all: many links to one large file must not keep verify busy for hours. */
  totalBytes: 4 * 1024 * 1024 * 1024,
};

/** What is left of the bytes verify may hash in one folder. */
interface HashBudget {
  total: number;
  bytesLeft: number;
}

const CHUNK = 256 * 1024;

type Hashed = { ok: true; hash: string } | { ok: false; missing: boolean; reason: string };

/**
 * Hashes one file of the folder as a stream. Every part of its path must be a real folder and the file a
 * regular file: a link (to /dev/zero, say), a FIFO or a device is refused, never opened for reading.
 */
async function hashFile(dir: string, path: string, budget: HashBudget): Promise<Hashed> {
  const parts = path.split('/');
  let current = dir;
  for (const [i, part] of parts.entries()) {
    current = join(current, part);
    const info = await lstat(current).catch(() => undefined);
    if (!info) return { ok: false, missing: true, reason: 'missing' };
    if (info.isSymbolicLink())
      return { ok: false, missing: false, reason: `${parts.slice(0, i + 1).join('/')} is a symbolic link; a report folder holds none` };
    const last = i === parts.length - 1;
    if (!last && !info.isDirectory()) return { ok: false, missing: true, reason: 'missing' };
    if (last && !info.isFile())
      return { ok: false, missing: false, reason: `${path} is not a regular file (a FIFO, device, socket or folder)` };
  }
  let handle;
  try {
    handle = await open(current, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch (error) {
    return { ok: false, missing: false, reason: `${path} cannot be opened (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return { ok: false, missing: false, reason: `${path} is not a regular file` };
    const hash = createHash('sha256');
    const buffer = Buffer.allocUnsafe(CHUNK);
    let total = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, CHUNK, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      budget.bytesLeft -= bytesRead;
      if (budget.bytesLeft < 0)
        return {
          ok: false,
          missing: false,
          reason: `the folder holds more than ${budget.total} bytes in all; ${path} and what follows it were not checked`,
        };
      if (total > VERIFY_LIMITS.fileBytes)
        return { ok: false, missing: false, reason: `${path} is over ${VERIFY_LIMITS.fileBytes} bytes, more than a report folder holds` };
      hash.update(buffer.subarray(0, bytesRead));
    }
    return { ok: true, hash: hash.digest('hex') };
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** Every entry under dir, never following a link: regular files, and whatever else is there (reported). */
async function walk(dir: string, problems: string[], listed: ReadonlyMap<string, string>): Promise<string[]> {
  const files: string[] = [];
  let budget: number = VERIFY_LIMITS.entries;
  const visit = async (current: string, prefix: string): Promise<void> => {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      if (--budget < 0) {
        if (budget === -1) problems.push(`the folder holds more than ${VERIFY_LIMITS.entries} entries; the rest was not looked at`);
        return;
      }
      const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await visit(join(current, entry.name), rel);
      else if (entry.isFile()) files.push(rel);
      else if (!listed.has(rel))
        problems.push(
          `${rel} is ${entry.isSymbolicLink() ? 'a symbolic link' : 'not a regular file'}; a report folder holds only regular files`,
        );
    }
  };
  await visit(dir, '');
  return files;
}

/** Re-hashes every file a report folder's manifest lists; reports changed, missing and unlisted files, and the signature. */
export async function verifyReportFolder(
  dir: string,
  publicKeyPem?: string,
  limits: { totalBytes: number } = VERIFY_LIMITS,
): Promise<VerifyResult> {
  const budget: HashBudget = { total: limits.totalBytes, bytesLeft: limits.totalBytes };
  const result: VerifyResult = { ok: false, checked: 0, changed: [], missing: [], extra: [], signature: 'not-checked', problems: [] };
  const top = await lstat(dir).catch(() => undefined);
  if (!top?.isDirectory()) {
    result.problems.push(
      `${dir} is ${top ? (top.isSymbolicLink() ? 'a symbolic link' : 'not a folder') : 'missing'}: give the report folder itself`,
    );
    return result;
  }
  const manifestHash = await hashFile(dir, MANIFEST_PATH, budget);
  if (!manifestHash.ok) {
    result.problems.push(
      manifestHash.missing
        ? `${MANIFEST_PATH} is missing: this is not a cocoscan report folder, or the manifest was removed`
        : manifestHash.reason,
    );
    return result;
  }
  let manifest: Buffer;
  try {
    manifest = (await readSafe(join(dir, MANIFEST_PATH), { kind: 'manifest', noFollow: true })).content;
  } catch (error) {
    result.problems.push(`${MANIFEST_PATH}: ${(error as Error).message}`);
    return result;
  }
  const listed = new Map<string, string>();
  for (const line of manifest.toString('utf8').split('\n')) {
    if (!line.trim()) continue;
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (!m) {
      result.problems.push(`unreadable manifest line: ${JSON.stringify(line.slice(0, 80))}`);
      continue;
    }
    listed.set(m[2]!, m[1]!);
  }
  for (const [path, hash] of listed) {
    if (path.startsWith('/') || path.split('/').some((part) => part === '..' || part === '.' || part === '')) {
      result.problems.push(`the manifest names a path outside the folder: ${path}`);
      continue;
    }
    const hashed = await hashFile(dir, path, budget);
    if (!hashed.ok) {
      if (hashed.missing) result.missing.push(path);
      else result.problems.push(hashed.reason);
      if (budget.bytesLeft < 0) break;
      continue;
    }
    result.checked += 1;
    if (hashed.hash !== hash) result.changed.push(path);
  }
  for (const path of await walk(dir, result.problems, listed)) {
    if (path !== MANIFEST_PATH && path !== SIGNATURE_PATH && !listed.has(path)) result.extra.push(path);
  }
  if (publicKeyPem) {
    const signature = await readSafeText(join(dir, SIGNATURE_PATH), { kind: 'public-key', noFollow: true }).catch(() => undefined);
    if (signature === undefined) {
      result.signature = 'absent';
      result.problems.push(`${SIGNATURE_PATH} is missing or not a regular file: the folder was not signed (cocoscan check --sign KEY)`);
    } else {
      const checked = checkManifestSignature(manifest, signature, publicKeyPem);
      result.signature = checked.ok ? 'valid' : 'invalid';
      if (!checked.ok) result.problems.push(checked.reason);
    }
  }
  result.ok = result.changed.length === 0 && result.missing.length === 0 && result.extra.length === 0 && result.problems.length === 0;
  return result;
}
