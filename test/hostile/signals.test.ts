import type { ChildProcess } from 'node:child_process';
import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { exec } from '../../src/exec.ts';
import { ROOT, spawnCli, tempDir, writeConnection } from '../helpers/cli.ts';
import { offlineConnection } from '../helpers/offline-connection.ts';

const children: ChildProcess[] = [];
/** Files where a test's grandchild writes its PID: whatever the outcome, the grandchild dies with the test. */
const pidFiles: string[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const file of pidFiles.splice(0)) {
    const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
    if (!Number.isInteger(pid) || pid <= 0) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/** A process is gone when /proc no longer has it, or it is a zombie nobody has reaped yet. */
async function gone(pid: number): Promise<boolean> {
  const state = await readFile(`/proc/${pid}/stat`, 'utf8').then(
    (text) => text.slice(text.lastIndexOf(')') + 2, text.lastIndexOf(')') + 3),
    () => 'gone',
  );
  return state === 'gone' || state === 'Z' || state === 'X';
}

async function waitUntil(what: string, predicate: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * An nmap stand-in that answers --version, then for the sweep starts a sleeping grandchild that holds its
 * stdout and writes the grandchild's PID to a file. `mode` says what the wrapper does next.
 */
async function wrapper(dir: string, mode: 'wait-ignoring-term' | 'wait' | 'exit-at-once'): Promise<{ path: string; pidFile: string }> {
  const path = join(dir, `nmap-${mode}.sh`);
  const pidFile = join(dir, `grandchild-${mode}.pid`);
  const start = "sleep 300 &\necho $! > '" + pidFile + "'\n";
  const tail = { 'wait-ignoring-term': `trap '' TERM INT\n${start}wait\n`, wait: `${start}wait\n`, 'exit-at-once': `${start}exit 0\n` }[
    mode
  ];
  await writeFile(path, `#!/bin/sh\ncase "$1" in --version) echo "Nmap version 7.93 ( https://nmap.org )"; exit 0;; esac\n${tail}`);
  await chmod(path, 0o755);
  return { path, pidFile };
}

async function readPid(file: string): Promise<number> {
  pidFiles.push(file);
  await waitUntil(
    'the grandchild PID',
    () =>
      readFile(file, 'utf8').then(
        (t) => /^\d+\n$/.test(t),
        () => false,
      ),
    60_000,
  );
  return Number((await readFile(file, 'utf8')).trim());
}

const CONNECTION = `connection: { name: sig, mojSystem: M, thirdPartySystem: T, organisation: O }
gateways: [ { name: gw, host: 127.0.0.1 } ]
flows: [ { name: web, protocol: https, port: 443 } ]
`;

function startCheck(dir: string, nmap: string): ChildProcess {
  const child = spawnCli(
    ['check', join(dir, 'connection.yaml'), '--nmap', nmap, '--out', join(dir, 'out'), '--history', join(dir, 'history'), '--no-progress'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  return child;
}

describe('signals end any run within 5 s, taking every child with them', () => {
  it.each([
    ['SIGTERM', 'wait-ignoring-term', 143],
    ['SIGINT', 'wait-ignoring-term', 130],
    ['SIGINT', 'wait', 130],
  ] as const)(
    '%s while nmap (a wrapper that does "%s", with a grandchild holding stdout) runs: exit %i',
    async (signal, mode, exitCode) => {
      const dir = await tempDir();
      await writeConnection(dir, CONNECTION);
      const nmap = await wrapper(dir, mode);
      const child = startCheck(dir, nmap.path);
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      const grandchild = await readPid(nmap.pidFile);
      expect(await gone(grandchild)).toBe(false);

      const sent = Date.now();
      child.kill(signal);
      const code = await exited;
      expect(Date.now() - sent).toBeLessThan(5000);
      expect(code).toBe(exitCode);
      expect(stderr).toContain(`stopped by ${signal}`);
      await waitUntil('the grandchild to be gone', () => gone(grandchild), 2000);
      // Nothing was written for the unfinished run, and the history holds no run.
      expect(await readdir(dir)).not.toContain('out');
      const history = await readdir(join(dir, 'history', 'sig')).catch(() => []);
      expect(history).toEqual([]);
      expect(stderr).not.toMatch(/internal error/);
    },
  );
});

describe('a --nmap wrapper whose child holds stdout does not outlive its command', () => {
  it('exec resolves at its timeout and the grandchild is killed with the group', async () => {
    const dir = await tempDir();
    const pidFile = join(dir, 'pid');
    pidFiles.push(pidFile);
    const started = Date.now();
    const result = await exec('/bin/sh', ['-c', `trap '' TERM; sleep 300 & echo $! > '${pidFile}'; wait`], { timeoutMs: 500 });
    expect(result.failure).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(500 + 2000 + 1500);
    const pid = Number((await readFile(pidFile, 'utf8')).trim());
    await waitUntil('the grandchild to be gone', () => gone(pid), 2000);
  });

  it('a wrapper that exits at once, leaving a child on its stdout: the check still ends, and the child is gone', async () => {
    const dir = await tempDir();
    await writeConnection(dir, CONNECTION);
    const nmap = await wrapper(dir, 'exit-at-once');
    const child = startCheck(dir, nmap.path);
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const grandchild = await readPid(nmap.pidFile);
    const code = await exited;
    // The sweep could not be read: a complete report whose sweep rows are errors (exit 4, could not assess), never a pass.
    expect(code).toBe(4);
    await waitUntil('the grandchild to be gone', () => gone(grandchild), 2000);
    expect(await readdir(join(dir, 'out'))).toContain('report.json');
  });

  it('an abort signal stops a command and its group', async () => {
    const dir = await tempDir();
    const pidFile = join(dir, 'pid');
    pidFiles.push(pidFile);
    const controller = new AbortController();
    const pending = exec('/bin/sh', ['-c', `sleep 300 & echo $! > '${pidFile}'; wait`], { timeoutMs: 60_000, signal: controller.signal });
    await waitUntil(
      'the PID file',
      () =>
        readFile(pidFile, 'utf8').then(
          (t) => t.endsWith('\n'),
          () => false,
        ),
      10_000,
    );
    const pid = Number((await readFile(pidFile, 'utf8')).trim());
    controller.abort();
    const result = await pending;
    expect(result.failure).toBe('aborted');
    await waitUntil('the grandchild to be gone', () => gone(pid), 2000);
  });
});

describe('a signal while the run waits on something that ignores it', () => {
  it('ends within 5 s; the history keeps only complete runs, and the leftover is cleared at the next start', async () => {
    const dir = await tempDir();
    const history = join(dir, 'history');
    const file = await offlineConnection(dir);
    const profile = join(ROOT, 'test/fixtures/profiles/coco10-only.yaml');
    // The evidence store's temporary folder goes here: it must be gone after every run, however the run ended.
    const tmp = join(dir, 'tmp');
    await mkdir(tmp);
    const evidenceFolders = async () => (await readdir(tmp)).filter((n) => n.startsWith('cocoscan-evidence-'));
    const run = (out: string, env: NodeJS.ProcessEnv = {}) => {
      const child = spawnCli(['check', file, '--profile', profile, '--history', history, '--out', join(dir, out), '--no-progress'], {
        stdio: 'ignore',
        env: { TMPDIR: tmp, ...env },
      });
      children.push(child);
      return { child, exited: new Promise<number | null>((r) => child.once('exit', (code) => r(code))) };
    };
    expect(await run('out1').exited).toBe(4);
    expect(await readdir(join(dir, 'out1', 'evidence', 'gateways', 'gw'))).toContain('antivirus.json');
    expect(await evidenceFolders()).toEqual([]);

    // The second run stalls between writing its history folder and committing it (a timer that ignores the signal).
    const second = run('out2', { COCOSCAN_DEBUG_PAUSE_BEFORE_COMMIT_MS: '60000' });
    const temps = async () => (await readdir(join(history, 'offline'))).filter((n) => n.startsWith('.cocoscan-tmp'));
    await waitUntil('the second run to start writing', async () => (await temps()).length > 0, 60_000);
    expect(await evidenceFolders()).toHaveLength(1);
    const sent = Date.now();
    second.child.kill('SIGTERM');
    expect(await second.exited).not.toBe(0);
    expect(Date.now() - sent).toBeLessThan(5000);
    expect(await readdir(dir)).not.toContain('out2');
    expect(await evidenceFolders()).toEqual([]);
    expect((await readdir(join(history, 'offline'))).filter((n) => !n.startsWith('.'))).toHaveLength(1);

    // The next start removes the leftover (its marker is cocoscan's, its writer is gone) and compares with run one.
    expect(await run('out3').exited).toBe(4);
    expect(await temps()).toEqual([]);
    expect((await readdir(join(history, 'offline'))).filter((n) => !n.startsWith('.'))).toHaveLength(2);
  });
});
