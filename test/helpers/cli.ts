import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/cocoscan.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real CLI in a child process, as a user would (bounded by a timeout). Unless the test names one,
 * every call gets a history folder of its own, so runs never compare with each other by accident.
 */
export function runCli(args: string[], timeoutMs = 240_000, env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const history = join(tmpdir(), `cocoscan-test-history-${randomUUID()}`);
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024, env: { ...process.env, COCOSCAN_DEBUG: '', COCOSCAN_HISTORY: history, ...env } }, (error, stdout, stderr) => {
      const code = error && typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : error ? null : 0;
      done({ code, stdout, stderr });
    });
  });
}

export async function tempDir(prefix = 'cocoscan-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function writeConnection(dir: string, yaml: string, name = 'connection.yaml'): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, yaml);
  return file;
}
