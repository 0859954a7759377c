import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
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

async function walk(dir: string, base = dir): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await walk(path, base)));
    else files.push(relative(base, path).split('\\').join('/'));
  }
  return files;
}

/** Re-hashes every file a report folder's manifest lists; reports changed, missing and unlisted files, and the signature. */
export async function verifyReportFolder(dir: string, publicKeyPem?: string): Promise<VerifyResult> {
  const result: VerifyResult = { ok: false, checked: 0, changed: [], missing: [], extra: [], signature: 'not-checked', problems: [] };
  let manifest: Buffer;
  try {
    manifest = await readFile(join(dir, MANIFEST_PATH));
  } catch {
    result.problems.push(`${MANIFEST_PATH} is missing: this is not a cocoscan report folder, or the manifest was removed`);
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
    if (path.startsWith('/') || path.split('/').includes('..')) {
      result.problems.push(`the manifest names a path outside the folder: ${path}`);
      continue;
    }
    let content: Buffer;
    try {
      content = await readFile(join(dir, path));
    } catch {
      result.missing.push(path);
      continue;
    }
    result.checked += 1;
    if (createHash('sha256').update(content).digest('hex') !== hash) result.changed.push(path);
  }
  for (const path of await walk(dir)) {
    if (path !== MANIFEST_PATH && path !== SIGNATURE_PATH && !listed.has(path)) result.extra.push(path);
  }
  if (publicKeyPem) {
    const signature = await readFile(join(dir, SIGNATURE_PATH), 'utf8').catch(() => undefined);
    if (signature === undefined) {
      result.signature = 'absent';
      result.problems.push(`${SIGNATURE_PATH} is missing: the folder was not signed (cocoscan check --sign KEY)`);
    } else {
      const checked = checkManifestSignature(manifest, signature, publicKeyPem);
      result.signature = checked.ok ? 'valid' : 'invalid';
      if (!checked.ok) result.problems.push(checked.reason);
    }
  }
  result.ok = result.changed.length === 0 && result.missing.length === 0 && result.extra.length === 0 && result.problems.length === 0;
  return result;
}
