import { createHash } from 'node:crypto';
import { readSafe, readSafeText } from '../input/safe-read.ts';
import ssh2, { type Client as SshClient, type ClientChannel, type ConnectConfig } from 'ssh2';
import type { Gateway, SshCredentials } from '../connection/schema.ts';
import { everySsh2Algorithm } from '../ssh/ssh2-algorithms.ts';
import { classifyOutcome, HOST_COMMANDS, remoteCommandLine, type CommandOutcome, type CommandStatus } from './commands.ts';
import { knownHostsAccepts } from './known-hosts.ts';
import { readSshd, type SshdReading } from './sshd-instance.ts';

export type HostSession =
  | {
      ok: true;
      username: string;
      hostKeyFingerprint: string;
      /** Whether the host key was checked against the knownHosts file. */
      hostKeyVerified: boolean;
      commands: Record<string, CommandOutcome>;
      /** The sshd on the session's port and the users its settings were read for (outputs in `commands`). */
      sshd?: SshdReading;
      /** Agent report files read from the gateway (gateways[].agentReports[].remotePath). */
      files: Record<string, CommandOutcome>;
      collectedAt: string;
    }
  | { ok: false; reason: string; credentials: boolean };

/** Most bytes of standard output kept per command; a longer output is `truncated`, never judged. */
export const MAX_COMMAND_OUTPUT_BYTES = 4 * 1024 * 1024;
/** Each command may take this many probe timeouts (scan.probeTimeoutSeconds). */
export const COMMAND_PROBE_TIMEOUTS = 3;
/**
 * All commands and report fetches of one session together may take this many probe timeouts: a server that
 * accepts the log-in and then stalls every command cannot keep the run alive for long.
 */
export const SESSION_BUDGET_PROBE_TIMEOUTS = 8;

/**
 * Logs in with the gateway's credentials and runs the read-only command list once. Private keys come from
 * files or the agent, the passphrase from the environment variable the connection file names; none of them
 * is ever put in a result.
 */
export async function collectHostSession(
  gateway: Gateway,
  options: { timeoutMs: number; now: () => Date; signal: AbortSignal; budgetMs?: number; sshdUsers?: readonly string[] },
): Promise<HostSession> {
  const ssh = gateway.ssh;
  if (!ssh)
    return { ok: false, credentials: false, reason: `no SSH credentials for ${gateway.name} (add gateways[].ssh to the connection file)` };
  let config: ConnectConfig;
  let knownHosts: string | undefined;
  try {
    config = await connectConfig(gateway, ssh, options.timeoutMs);
    knownHosts = ssh.knownHosts ? await readSafeText(ssh.knownHosts, { kind: 'known-hosts', key: 'ssh.knownHosts' }) : undefined;
  } catch (error) {
    return { ok: false, credentials: true, reason: `the credentials cannot be used: ${(error as Error).message}` };
  }
  const client = new ssh2.Client();
  let fingerprint = '';
  let mismatch = false;
  config.hostVerifier = (key: Buffer) => {
    fingerprint = `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
    if (knownHosts !== undefined && !knownHostsAccepts(knownHosts, gateway.host, ssh.port, key)) {
      mismatch = true;
      return false;
    }
    return true;
  };
  const ready = await new Promise<{ ok: true } | { ok: false; reason: string }>((resolve) => {
    const timer = setTimeout(
      () => resolve({ ok: false, reason: `no SSH session within ${options.timeoutMs} ms` }),
      options.timeoutMs + 1000,
    );
    client.once('ready', () => {
      clearTimeout(timer);
      resolve({ ok: true });
    });
    // `on`, not `once`: a server that resets after a failed handshake emits a second error, and an error with
    // no listener would end the whole run.
    client.on('error', (error: Error) => {
      clearTimeout(timer);
      resolve({
        ok: false,
        reason: mismatch
          ? `the host key ${fingerprint} is not the one in ${ssh.knownHosts}: refusing to log in (a changed key or a different machine)`
          : `log-in as ${ssh.username} failed: ${error.message}`,
      });
    });
    client.connect(config);
  });
  if (!ready.ok) {
    client.destroy();
    return { ok: false, credentials: true, reason: ready.reason };
  }
  // A connection that breaks after the log-in ends the commands still waiting (each within its deadline), never the run.
  client.on('error', () => undefined);
  try {
    const budgetMs = options.budgetMs ?? options.timeoutMs * SESSION_BUDGET_PROBE_TIMEOUTS;
    const deadline = Date.now() + budgetMs;
    const spent =
      `not run: the SSH session's time budget of ${budgetMs / 1000} s (${SESSION_BUDGET_PROBE_TIMEOUTS} × scan.probeTimeoutSeconds) ` +
      'was used up by earlier commands; check why the gateway answers slowly, or raise scan.probeTimeoutSeconds';
    const run = (name: string, line: string): Promise<CommandOutcome> => {
      if (options.signal.aborted) return Promise.resolve(notRun(name, line, 'not run: the run was cancelled'));
      const left = deadline - Date.now();
      if (left <= 0) return Promise.resolve(notRun(name, line, spent));
      return runCommand(client, name, line, Math.min(options.timeoutMs * COMMAND_PROBE_TIMEOUTS, left), options.signal);
    };
    const commands: Record<string, CommandOutcome> = {};
    for (const command of HOST_COMMANDS) commands[command.name] = await run(command.name, remoteCommandLine(command, ssh.sudo));
    const sshdUsers = [...(options.sshdUsers ?? []), ssh.username];
    const sshd = await readSshd((command) => run(command.name, remoteCommandLine(command, ssh.sudo)), sshdUsers, ssh.port);
    for (const outcome of sshd.outcomes) commands[outcome.name] = outcome;
    const files: Record<string, CommandOutcome> = {};
    for (const entry of gateway.agentReports) {
      // remotePath is limited by the schema to letters, digits, ".", "_", "-" and "/", so it is safe to quote.
      if (entry.remotePath) files[entry.remotePath] = await run(`report:${entry.remotePath}`, `cat -- '${entry.remotePath}'`);
    }
    return {
      ok: true,
      username: ssh.username,
      hostKeyFingerprint: fingerprint,
      hostKeyVerified: knownHosts !== undefined,
      commands,
      sshd: sshd.reading,
      files,
      collectedAt: options.now().toISOString(),
    };
  } finally {
    client.end();
    // A server that never closes its side must not keep the socket, and so the process, alive.
    setTimeout(() => client.destroy(), 1000).unref();
  }
}

async function connectConfig(gateway: Gateway, ssh: SshCredentials, timeoutMs: number): Promise<ConnectConfig> {
  return {
    host: gateway.host,
    port: ssh.port,
    username: ssh.username,
    privateKey: ssh.privateKeyFile
      ? (await readSafe(ssh.privateKeyFile, { kind: 'private-key', key: 'ssh.privateKeyFile' })).content
      : undefined,
    passphrase: ssh.passphraseEnv ? process.env[ssh.passphraseEnv] : undefined,
    agent: ssh.agent ? process.env.SSH_AUTH_SOCK : undefined,
    readyTimeout: timeoutMs,
    algorithms: everySsh2Algorithm(),
  };
}

function notRun(name: string, line: string, reason: string): CommandOutcome {
  return { name, command: line, status: 'timeout', exitCode: null, stdout: '', stderr: reason };
}

/**
 * Runs one command within `timeoutMs`, or until the run is cancelled. Standard output is kept up to
 * MAX_COMMAND_OUTPUT_BYTES; past that the command is closed and its outcome is `truncated`.
 */
function runCommand(client: SshClient, name: string, line: string, timeoutMs: number, signal: AbortSignal): Promise<CommandOutcome> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    let stderr = '';
    let settled = false;
    let channel: { close(): void } | undefined;
    const finish = (status: CommandStatus | undefined, exitCode: number | null, note?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      if (status !== undefined) channel?.close();
      if (note) stderr = `${note}${stderr ? `\n${stderr}` : ''}`;
      const stdout = Buffer.concat(chunks).toString('utf8');
      resolve({
        name,
        command: line,
        status: status ?? classifyOutcome(exitCode, stderr),
        exitCode,
        stdout,
        stderr: stderr.slice(0, 4000),
      });
    };
    const timer = setTimeout(() => finish('timeout', null, `no complete answer within ${timeoutMs / 1000} s`), timeoutMs);
    const onAbort = () => finish('timeout', null, 'stopped: the run was cancelled');
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) return onAbort();
    try {
      client.exec(line, onStream);
    } catch (error) {
      // ssh2 throws at once when the connection is already gone: this command failed, the session's other outcomes stand.
      finish('failed', null, `the SSH connection was lost before the command could run (${(error as Error).message})`);
    }
    function onStream(error: Error | undefined, stream: ClientChannel) {
      if (settled) {
        stream?.close();
        return;
      }
      if (error) {
        stderr = error.message;
        return finish(undefined, null);
      }
      channel = stream;
      stream.on('data', (chunk: Buffer) => {
        if (settled) return;
        const room = MAX_COMMAND_OUTPUT_BYTES - bytes;
        chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
        bytes += Math.min(chunk.length, room);
        if (chunk.length > room)
          finish(
            'truncated',
            null,
            `the output passed ${MAX_COMMAND_OUTPUT_BYTES / (1024 * 1024)} MiB and was cut there, so it is not judged`,
          );
      });
      stream.stderr.on('data', (chunk: Buffer) => {
        if (stderr.length < 64 * 1024) stderr += chunk.toString('utf8');
      });
      stream.on('close', (code: number | null) => finish(undefined, code ?? null));
    }
  });
}
