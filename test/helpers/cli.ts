import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, TestRunner } from 'vitest';

export const ROOT = resolve(import.meta.dirname, '../..');
/** The CLI run from source (no build needed), as every CLI test runs it; test/package runs the installed one. */
export const BIN = join(ROOT, 'bin/cocoscan-from-source.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The child was killed because its time (or its test's) ran out. */
  timedOut: boolean;
}

/** Outside a test (beforeAll, afterAll) a child gets this long, well inside the hook timeout. */
const OUTSIDE_TEST_MS = 100_000;
/** A child stops this long before its test's own time is up, so the test fails with the child's output, not a bare timeout. */
const MARGIN_MS = 5_000;
const MAX_OUTPUT = 32 * 1024 * 1024;

/**
 * The process groups of the CLI children this file started. Each child leads a group of its own, so killing
 * the group also kills what the CLI started (nmap, ssh, a wrapper's children). A group is kept until its test
 * ends, even once the CLI has exited: whatever it left behind dies with the test too.
 */
const testGroups = new Set<number>();
/** Started outside a test (beforeAll): these live until the file's tests are done. */
const fileGroups = new Set<number>();

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // The group is gone already.
  }
}

function killAllIn(groups: Set<number>): void {
  for (const pid of groups) killGroup(pid);
  groups.clear();
}

// Children die with their test: when it ends (passed, failed or timed out), and at the latest with the file.
afterEach(() => killAllIn(testGroups));
afterAll(() => {
  killAllIn(testGroups);
  killAllIn(fileGroups);
});
process.once('exit', () => {
  killAllIn(testGroups);
  killAllIn(fileGroups);
});

/** Milliseconds left for a child started now: the caller's limit, and never beyond its test's end. */
function budget(requestedMs: number | undefined): number {
  const test = TestRunner.getCurrentTest();
  if (!test || !(test.timeout > 0)) return requestedMs ?? OUTSIDE_TEST_MS;
  const started = test.result?.startTime ?? Date.now();
  const left = started + test.timeout - MARGIN_MS - Date.now();
  return Math.max(1_000, Math.min(requestedMs ?? Infinity, left));
}

/**
 * Starts the real CLI in a child that dies with the current test (killed as a process group when the test
 * ends or is aborted, e.g. by its timeout). The caller reads its output and waits for its exit.
 */
export function spawnCli(args: string[], options: SpawnOptions & { env?: NodeJS.ProcessEnv } = {}): ChildProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    ...options,
    detached: true,
    env: { ...process.env, COCOSCAN_DEBUG: '', ...options.env },
  });
  const pid = child.pid;
  if (pid === undefined) return child;
  const test = TestRunner.getCurrentTest();
  (test ? testGroups : fileGroups).add(pid);
  const signal = test?.context.signal;
  if (signal) {
    const onAbort = () => killGroup(pid);
    signal.addEventListener('abort', onAbort, { once: true });
    child.once('exit', () => signal.removeEventListener('abort', onAbort));
  }
  return child;
}

/**
 * Runs the real CLI in a child process, as a user would, bounded by `timeoutMs` and by the test's own
 * timeout (whichever ends first). Unless the test names one, every call gets a history folder of its own,
 * so runs never compare with each other by accident.
 */
export function runCli(args: string[], timeoutMs?: number, env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const history = join(tmpdir(), `cocoscan-test-history-${randomUUID()}`);
  const limit = budget(timeoutMs);
  return new Promise((done) => {
    const child = spawnCli(args, { stdio: ['ignore', 'pipe', 'pipe'], env: { COCOSCAN_HISTORY: history, ...env } });
    const out = { stdout: '', stderr: '' };
    const collect = (name: 'stdout' | 'stderr') => (chunk: string) => {
      if (out[name].length < MAX_OUTPUT) out[name] += chunk;
    };
    child.stdout!.setEncoding('utf8').on('data', collect('stdout'));
    child.stderr!.setEncoding('utf8').on('data', collect('stderr'));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) killGroup(child.pid);
    }, limit);
    child.once('error', (error) => {
      clearTimeout(timer);
      done({ code: null, stdout: out.stdout, stderr: `${out.stderr}${error.message}`, timedOut });
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      done({ code: timedOut ? null : code, ...out, timedOut });
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
