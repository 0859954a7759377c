import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir } from './helpers/cli.ts';

interface DemoRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npm run demo` without npm: the script itself, its files in `out`, with the user's history named in the environment. */
function runDemo(out: string, userHistory: string): Promise<DemoRun> {
  return new Promise((done) => {
    const child = spawn(join(ROOT, 'node_modules/.bin/tsx'), [join(ROOT, 'scripts/demo.ts')], {
      cwd: ROOT,
      env: { ...process.env, COCOSCAN_DEMO_OUT: out, COCOSCAN_HISTORY: userHistory, COCOSCAN_DEBUG: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Ended (SIGTERM) before the test's own timeout, so it never outlives it (the demo gateway's servers run inside it).
      timeout: 65_000,
    });
    const result = { stdout: '', stderr: '' };
    child.stdout.setEncoding('utf8').on('data', (c: string) => (result.stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (result.stderr += c));
    child.once('close', (code) => done({ code, ...result }));
  });
}

describe('npm run demo', () => {
  it('keeps its runs out of the user history, and a second demo finds no change', { timeout: 150_000 }, async () => {
    const out = await tempDir('cocoscan-demo-');
    const userHistory = await tempDir('cocoscan-user-history-');
    const first = await runDemo(out, userHistory);
    expect(first.code, first.stderr).toBe(0);
    const second = await runDemo(out, userHistory);
    expect(second.code, second.stderr).toBe(0);
    expect(await readdir(userHistory)).toEqual([]);
    expect(await readdir(join(out, 'history', 'demo-acme'))).toHaveLength(2);
    const report = JSON.parse(await readFile(join(out, 'report', 'report.json'), 'utf8')) as {
      changes?: { since: { kind: string }; items: unknown[] };
    };
    expect(report.changes?.since.kind).toBe('previous');
    expect(report.changes?.items).toEqual([]);
    expect(second.stdout).toMatch(/Changes since demo-acme\/\S+: none/);
  });
});
