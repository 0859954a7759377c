import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { displayWidth } from '../src/cli/progress-line.ts';
import { BIN, ROOT, runCli, tempDir, writeConnection } from './helpers/cli.ts';

const PROFILE = join(ROOT, 'test/fixtures/profiles/network-only.yaml');
const CHILD_MS = 90_000;

/** One progress frame drawn in place: what comes after "carriage return, erase below", up to the next cursor move. */
// The terminal turns each line feed into CR LF (onlcr): a frame's lines are separated by "\r\n".
const FRAME = /\r\u001b\[J((?:[^\r\u001b]|\r\n)*)/g;
const PROGRESS_LINE = /^\[\d+(?:s|m\d\ds)\] lo: /;

const sockets = new Set<Socket>();
let server: Server;
let port: number;
let dir: string;
let file: string;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  // An undeclared service on loopback: the sweep finds it open, so its port shows on the progress line.
  server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.end('hello\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
  dir = await tempDir();
  file = await writeConnection(
    dir,
    `connection: { name: tty, connectedSystem: M, connectingSystem: T, organisation: O }
gateways: [ { name: lo, host: 127.0.0.1 } ]
flows: [ { name: web, protocol: https, port: 9 } ]
scan: { tcpPorts: "${port}", probeTimeoutSeconds: 2 }
`,
  );
});

/** Ends a child's process group; a group that has already gone (ESRCH) is what was wanted. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

afterEach(() => {
  for (const child of children) killGroup(child, 'SIGKILL');
  children.clear();
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server?.close(resolve));
});

const quote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;

/**
 * The CLI under a pseudo-terminal of the given size (util-linux `script`), as a person at a terminal runs it:
 * stdout and stderr both reach the terminal, which is what `script` passes on.
 */
function underTerminal(size: string, args: string[]): Promise<{ code: number | null; output: string }> {
  const command = `stty ${size} && exec ${[process.execPath, BIN, ...args].map(quote).join(' ')}`;
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      // No colour in the summary: every escape sequence left in the output is the progress display's.
      env: { ...process.env, COCOSCAN_DEBUG: '', NO_COLOR: '1' },
    });
    children.add(child);
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), CHILD_MS);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

function checkArgs(out: string, extra: string[] = []): string[] {
  return ['check', file, '--profile', PROFILE, '--out', join(dir, out), '--history', join(dir, 'history'), ...extra];
}

describe('progress on the terminal during check', () => {
  it(
    "on a terminal: one line per gateway redrawn in place, with nmap's estimate, the open port found and the probes running",
    { timeout: 150_000 },
    async () => {
      // 2,000 ports at 500 packets a second take nmap at least 4 s, so it prints its timing line (every 2 s) at least once.
      const { code, output } = await underTerminal(
        'cols 100 rows 30',
        checkArgs('tty', ['--ports', `1-2000,${port}`, '--max-rate', '500']),
      );
      expect(code, output.slice(-2000)).toBe(1);
      const frames = [...output.matchAll(FRAME)].map((m) => m[1]!).filter((f) => f.length > 0);
      const lines = frames.flatMap((f) => f.split('\r\n'));
      const ours = lines.filter((l) => PROGRESS_LINE.test(l));
      expect(ours.length, output.slice(0, 3000)).toBeGreaterThan(2);
      expect(
        ours.some((l) => /: nmap (SYN Stealth|Connect) Scan \d+% \(nmap: \d+(s|m\d\ds) left\)/.test(l)),
        ours.join('\n'),
      ).toBe(true);
      expect(ours.some((l) => l.includes(`open ${port}/tcp`))).toBe(true);
      expect(ours.some((l) => / · running [a-z, ]*exposure/.test(l))).toBe(true);
      // Cut to the terminal's width, the last column left empty so nothing wraps.
      for (const line of lines.filter((l) => l.startsWith('['))) expect(displayWidth(line)).toBeLessThan(100);
      // The lines are erased before the summary, which follows as it does when piped.
      expect(output).toMatch(/\r\u001b\[Jcocoscan \d+\.\d+\.\d+: tty /);
      expect(output).toContain('Written to ');
    },
  );

  it(
    'two connections at once: one display, each line named by its connection, each summary printed whole',
    { timeout: 150_000 },
    async () => {
      const second = await writeConnection(dir, (await readFile(file, 'utf8')).replace('name: tty,', 'name: tty2,'), 'second.yaml');
      const args = ['check', file, second, '--profile', PROFILE, '--out', join(dir, 'two'), '--history', join(dir, 'history')];
      const { code, output } = await underTerminal('cols 100 rows 30', args);
      expect(code, output.slice(-2000)).toBe(1);
      const lines = [...output.matchAll(FRAME)].flatMap((m) => m[1]!.split('\r\n'));
      expect(lines.some((l) => /^\[\d+s\] tty\/lo: /.test(l))).toBe(true);
      expect(lines.some((l) => /^\[\d+s\] tty2\/lo: /.test(l))).toBe(true);
      // Each summary starts on a line of its own (after the lines are erased, or after the other summary), and no redraw lands inside it.
      for (const name of ['tty', 'tty2']) {
        const summary = new RegExp(`(\\r\\u001b\\[J|\\n)cocoscan \\d+\\.\\d+\\.\\d+: ${name} [^\\u001b]*History: ${name}/`);
        expect(output, output.slice(-3000)).toMatch(summary);
      }
    },
  );

  it('on a terminal of 0 columns: plain appended lines, no cursor movement', { timeout: 150_000 }, async () => {
    const { code, output } = await underTerminal('cols 0 rows 0', checkArgs('zero'));
    expect(code, output.slice(-2000)).toBe(1);
    expect(output).not.toContain('\u001b');
    const ours = output.split('\r\n').filter((l) => PROGRESS_LINE.test(l));
    expect(ours.length, output.slice(0, 3000)).toBeGreaterThan(0);
    expect(ours.some((l) => l.includes(`open ${port}/tcp`))).toBe(true);
    expect(output).toContain('Written to ');
  });

  it('piped: no progress at all, and no control sequence', { timeout: 150_000 }, async () => {
    const result = await runCli(checkArgs('piped'), CHILD_MS);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toBe('');
    expect(result.stdout).not.toContain('\u001b');
    expect(result.stdout.split('\n').some((l) => PROGRESS_LINE.test(l))).toBe(false);
    expect(result.stdout).toContain('Written to ');
  });
});
