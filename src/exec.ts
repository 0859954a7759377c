import { spawn } from 'node:child_process';

export interface ExecOptions {
  timeoutMs: number;
  /** Output beyond this many bytes (stdout and stderr together) stops the command. */
  maxOutputBytes?: number;
  signal?: AbortSignal;
  /** Called with each stdout chunk as it arrives (progress parsing). */
  onStdout?: (chunk: string) => void;
  input?: string;
  env?: NodeJS.ProcessEnv;
}

export type ExecFailure = 'not-found' | 'timeout' | 'output-limit' | 'aborted' | 'spawn-failed';

export interface ExecResult {
  command: string;
  args: readonly string[];
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  /** Set when the command did not run to its own end. */
  failure?: ExecFailure;
  failureDetail?: string;
}

/** Runs a program with an argument array (never a shell). Always resolves; look at `failure` and `exitCode`. */
export type Exec = (command: string, args: readonly string[], options: ExecOptions) => Promise<ExecResult>;

const DEFAULT_MAX_OUTPUT = 64 * 1024 * 1024;
/** After SIGTERM, a command's process group has this long before SIGKILL. */
export const KILL_GRACE_MS = 2000;
/** A command that has exited but whose children still hold its output open is cut loose after this long. */
export const ORPHAN_OUTPUT_GRACE_MS = 2000;

/**
 * Every command runs in a process group of its own (detached), so it can be stopped together with whatever
 * it started: a wrapper script's children die with it. The live groups are kept here so that a signal to
 * cocoscan, or cocoscan's own exit, takes them all down.
 */
// One set per process, even when this module is loaded more than once (as test runners do), so one exit hook suffices.
const GROUPS_KEY = Symbol.for('cocoscan.exec.liveGroups');
const holder = globalThis as { [GROUPS_KEY]?: Set<number> };
const firstLoad = holder[GROUPS_KEY] === undefined;
const liveGroups: Set<number> = (holder[GROUPS_KEY] ??= new Set<number>());

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

/** Sends a signal to every command cocoscan has running (and their children). */
export function signalAllCommands(signal: NodeJS.Signals): void {
  for (const pid of liveGroups) signalGroup(pid, signal);
}

if (firstLoad) process.on('exit', () => signalAllCommands('SIGKILL'));

export const exec: Exec = (command, args, options) =>
  new Promise((resolve) => {
    const started = Date.now();
    const limit = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let bytes = 0;
    let failure: ExecFailure | undefined;
    let failureDetail: string | undefined;
    let settled = false;

    const child = spawn(command, args, {
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      env: options.env ?? process.env,
      detached: true,
    });
    const pid = child.pid;
    if (pid !== undefined) liveGroups.add(pid);
    let killTimer: NodeJS.Timeout | undefined;
    let orphanTimer: NodeJS.Timeout | undefined;

    const stop = (why: ExecFailure, detail: string) => {
      if (failure) return;
      failure = why;
      failureDetail = detail;
      if (pid === undefined) return;
      signalGroup(pid, 'SIGTERM');
      killTimer = setTimeout(() => {
        signalGroup(pid, 'SIGKILL');
        // Whatever still holds the pipes (a child that left the group) no longer keeps the command open.
        child.stdout?.destroy();
        child.stderr?.destroy();
        finish(child.exitCode, child.signalCode);
      }, KILL_GRACE_MS);
      killTimer.unref();
    };
    const timer = setTimeout(() => stop('timeout', `no result after ${options.timeoutMs} ms`), options.timeoutMs);
    const onAbort = () => stop('aborted', 'the run was cancelled');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) onAbort();

    const collect = (sink: Buffer[], chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > limit) {
        stop('output-limit', `output passed ${limit} bytes`);
        return;
      }
      sink.push(chunk);
    };
    child.stdout?.on('data', (chunk: Buffer) => {
      collect(stdout, chunk);
      options.onStdout?.(chunk.toString('utf8'));
    });
    child.stderr?.on('data', (chunk: Buffer) => collect(stderr, chunk));
    if (options.input !== undefined) child.stdin?.end(options.input);

    const finish = (exitCode: number | null, signal: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(killTimer);
      clearTimeout(orphanTimer);
      if (pid !== undefined) {
        // Anything the command left behind in its group goes with it.
        signalGroup(pid, 'SIGKILL');
        liveGroups.delete(pid);
      }
      options.signal?.removeEventListener('abort', onAbort);
      resolve({
        command,
        args,
        exitCode,
        signal,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        durationMs: Date.now() - started,
        failure,
        failureDetail,
      });
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (!failure) {
        failure = error.code === 'ENOENT' ? 'not-found' : 'spawn-failed';
        failureDetail = error.message;
      }
      finish(null, null);
    });
    child.on('exit', (exitCode, signal) => {
      // A child of the command may still hold its stdout: give the output a moment to end, then stop waiting.
      orphanTimer = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        finish(exitCode, signal);
      }, ORPHAN_OUTPUT_GRACE_MS);
      orphanTimer.unref();
    });
    child.on('close', finish);
  });

export function describeExecFailure(result: ExecResult): string {
  const name = result.command;
  switch (result.failure) {
    case 'not-found':
      return `${name} is not installed or not on PATH`;
    case 'timeout':
      return `${name} did not finish in time (${result.failureDetail})`;
    case 'output-limit':
      return `${name} produced too much output (${result.failureDetail})`;
    case 'aborted':
      return `${name} was stopped because the run was cancelled`;
    case 'spawn-failed':
      return `${name} could not be started: ${result.failureDetail}`;
    default:
      return `${name} exited with ${result.signal ?? result.exitCode}: ${result.stderr.trim().split('\n').slice(-3).join(' ') || 'no message'}`;
  }
}
