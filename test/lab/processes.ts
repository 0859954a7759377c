/** Lab daemons: started inside a namespace, stopped by their own child handle, awaited on their listening ports. */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** How long a daemon gets to exit after SIGTERM, and again after SIGKILL. */
const STOP_GRACE_MS = 3000;

export interface SpawnInNamespaceOptions {
  /** Keep the daemon's stdin open (a pipe) rather than /dev/null. */
  holdStdin?: boolean;
  /** Called once when the daemon exits with an error (not 0, 143, SIGTERM or SIGKILL), with its stderr's start. */
  onFailure?: (message: string) => void;
}

/** Runs `cmd` inside the namespace, keeping the first 4000 characters of its stderr for the failure message. */
export function spawnInNamespace(namespace: string, cmd: string, args: string[], options: SpawnInNamespaceOptions = {}): ChildProcess {
  const child = spawn('ip', ['netns', 'exec', namespace, cmd, ...args], {
    stdio: [options.holdStdin ? 'pipe' : 'ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    if (stderr.length < 4000) stderr += chunk.toString();
  });
  child.on('exit', (code, signal) => {
    const failed = code !== null ? code !== 0 && code !== 143 : signal !== 'SIGTERM' && signal !== 'SIGKILL';
    if (failed)
      (options.onFailure ?? ((m: string) => process.stderr.write(`${m}\n`)))(
        `${cmd} exited ${code ?? signal}: ${stderr.trim().slice(0, 1000)}`,
      );
  });
  return child;
}

/** SIGTERM, then SIGKILL if the child has not exited after a grace period; resolves once it exits (bounded). */
export async function stopChild(child: ChildProcess): Promise<void> {
  const running = () => child.pid !== undefined && child.exitCode === null && child.signalCode === null;
  if (!running()) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const exitWithin = (ms: number) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise((resolve) => (timer = setTimeout(resolve, ms)));
    return Promise.race([exited, timeout]).finally(() => clearTimeout(timer));
  };
  child.kill('SIGTERM');
  await exitWithin(STOP_GRACE_MS);
  if (!running()) return;
  child.kill('SIGKILL');
  await exitWithin(STOP_GRACE_MS);
}

/** Stops every child in the list (at once) and empties it. */
export async function stopChildren(children: ChildProcess[]): Promise<void> {
  await Promise.all(children.splice(0).map(stopChild));
}

export interface WaitForListenersOptions {
  /** Bounded: 15 s unless given. */
  timeoutMs?: number;
  /** Fails at once when a daemon has reported a failure here. */
  failures?: string[];
  /** UDP ports are bound rather than listening: `ss -lun` instead of `ss -ltn`. */
  transport?: 'tcp' | 'udp';
}

/** Polls `ss` inside the namespace until every TCP port listens (or UDP port is bound). `what` names the daemons in the error. */
export async function waitForListeners(
  namespace: string,
  ports: number[],
  what: string,
  options: WaitForListenersOptions = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  for (;;) {
    if (options.failures?.length) throw new Error(`${what} failed to start: ${options.failures.join('; ')}`);
    const { stdout } = await run('ip', ['netns', 'exec', namespace, 'ss', options.transport === 'udp' ? '-Hlun' : '-Hltn']);
    const listening = new Set([...stdout.matchAll(/:(\d+)\s/g)].map((m) => Number(m[1])));
    const missing = ports.filter((p) => !listening.has(p));
    if (missing.length === 0) return;
    if (Date.now() > deadline) throw new Error(`${what} did not start listening on ${missing.join(', ')} in ${namespace}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
