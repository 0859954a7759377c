/**
 * Runs `cocoscan check` and prints its peak resident memory to stderr (used by the benches). It runs the compiled CLI
 * (dist/, as users run it) in a plain node child when dist/ is built from the current sources: tsx's loader, which
 * runs this script, costs about 60 MB of its own. Without an up-to-date dist/, the sources run here through tsx.
 * It prints `check_seconds=` too: the check itself, from the call of main() to its end, without starting Node and
 * loading the code (bench-fleet.ts sets that against the sweep alone, timed the same way by measure-sweep.ts).
 */
import { spawn } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const compiled = join(root, 'dist/src/cli/main.js');

/** Whether dist/ holds the CLI, built after the last change to any file it is built from. */
async function distIsCurrent(): Promise<boolean> {
  const built = await stat(compiled).then(
    (s) => s.mtimeMs,
    () => undefined,
  );
  if (built === undefined) return false;
  for (const dir of ['src', 'probes', 'reports']) {
    for (const name of await readdir(join(root, dir), { recursive: true })) {
      // Data files (.yaml, .json) are copied into dist/ too: a change to one makes dist/ stale as a source change does.
      if ((await stat(join(root, dir, name))).mtimeMs > built) return false;
    }
  }
  return true;
}

if (await distIsCurrent()) {
  const script =
    `const { main, tuneHeapForCli } = await import(${JSON.stringify(pathToFileURL(compiled).href)});\n` +
    // As bin/cocoscan.js starts it.
    'tuneHeapForCli();\n' +
    'const started = performance.now();\n' +
    `const code = await main(['node', 'cocoscan', ...process.argv.slice(1)]);\n` +
    'process.stderr.write(`check_seconds=${((performance.now() - started) / 1000).toFixed(3)}\\n`);\n' +
    'process.stderr.write(`maxrss_kb=${process.resourceUsage().maxRSS}\\n`);\n' +
    'process.exitCode = code;\n';
  const child = spawn(process.execPath, ['--input-type=module', '-e', script, ...args], { stdio: 'inherit' });
  // A signal to this process (the bench's deadline, Ctrl-C) goes on to the check, which stops its nmap and exits.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  process.exitCode = await new Promise<number>((done) => child.on('exit', (code, signal) => done(code ?? (signal ? 128 : 1))));
} else {
  const { main, tuneHeapForCli } = await import('../src/cli/main.ts');
  tuneHeapForCli();
  const started = performance.now();
  const code = await main(['node', 'cocoscan', ...args]);
  process.stderr.write(`check_seconds=${((performance.now() - started) / 1000).toFixed(3)}\n`);
  process.stderr.write(`maxrss_kb=${process.resourceUsage().maxRSS}\n`);
  process.exitCode = code;
}
