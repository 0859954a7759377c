import { createHash } from 'node:crypto';
import { readSafe, readSafeText } from '../input/safe-read.ts';
import ssh2, { type Client as SshClient, type ConnectConfig } from 'ssh2';
import type { Gateway, SshCredentials } from '../connection/schema.ts';
import { everySsh2Algorithm } from '../ssh/ssh2-algorithms.ts';
import { classifyOutcome, HOST_COMMANDS, remoteCommandLine, type CommandOutcome } from './commands.ts';
import { knownHostsAccepts } from './known-hosts.ts';

export type HostSession =
  | {
      ok: true;
      username: string;
      hostKeyFingerprint: string;
      /** Whether the host key was checked against the knownHosts file. */
      hostKeyVerified: boolean;
      commands: Record<string, CommandOutcome>;
      /** Agent report files read from the gateway (gateways[].agentReports[].remotePath). */
      files: Record<string, CommandOutcome>;
      collectedAt: string;
    }
  | { ok: false; reason: string; credentials: boolean };

const MAX_OUTPUT = 4 * 1024 * 1024;

/**
 * Logs in with the gateway's credentials and runs the read-only command list once. Private keys come from
 * files or the agent, the passphrase from the environment variable the connection file names; none of them
 * is ever put in a result.
 */
export async function collectHostSession(gateway: Gateway, options: { timeoutMs: number; now: () => Date; signal: AbortSignal }): Promise<HostSession> {
  const ssh = gateway.ssh;
  if (!ssh) return { ok: false, credentials: false, reason: `no SSH credentials for ${gateway.name} (add gateways[].ssh to the connection file)` };
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
    const timer = setTimeout(() => resolve({ ok: false, reason: `no SSH session within ${options.timeoutMs} ms` }), options.timeoutMs + 1000);
    client.once('ready', () => {
      clearTimeout(timer);
      resolve({ ok: true });
    });
    client.once('error', (error: Error) => {
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
  try {
    const commands: Record<string, CommandOutcome> = {};
    for (const command of HOST_COMMANDS) {
      if (options.signal.aborted) break;
      commands[command.name] = await runCommand(client, command.name, remoteCommandLine(command, ssh.sudo), options.timeoutMs * 3);
    }
    const files: Record<string, CommandOutcome> = {};
    for (const entry of gateway.agentReports) {
      // remotePath is limited by the schema to letters, digits, ".", "_", "-" and "/", so it is safe to quote.
      if (entry.remotePath) files[entry.remotePath] = await runCommand(client, `report:${entry.remotePath}`, `cat -- '${entry.remotePath}'`, options.timeoutMs * 3);
    }
    return { ok: true, username: ssh.username, hostKeyFingerprint: fingerprint, hostKeyVerified: knownHosts !== undefined, commands, files, collectedAt: options.now().toISOString() };
  } finally {
    client.end();
  }
}

async function connectConfig(gateway: Gateway, ssh: SshCredentials, timeoutMs: number): Promise<ConnectConfig> {
  return {
    host: gateway.host,
    port: ssh.port,
    username: ssh.username,
    privateKey: ssh.privateKeyFile ? (await readSafe(ssh.privateKeyFile, { kind: 'private-key', key: 'ssh.privateKeyFile' })).content : undefined,
    passphrase: ssh.passphraseEnv ? process.env[ssh.passphraseEnv] : undefined,
    agent: ssh.agent ? process.env.SSH_AUTH_SOCK : undefined,
    readyTimeout: timeoutMs,
    algorithms: everySsh2Algorithm(),
  };
}

function runCommand(client: SshClient, name: string, line: string, timeoutMs: number): Promise<CommandOutcome> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let settled = false;
    let channel: { close(): void } | undefined;
    const done = (exitCode: number | null, timedOut = false) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (timedOut) channel?.close();
      resolve({ name, command: line, status: timedOut ? 'timeout' : classifyOutcome(exitCode, stderr), exitCode, stdout, stderr: stderr.slice(0, 4000) });
    };
    const timer = setTimeout(() => done(null, true), timeoutMs);
    client.exec(line, (error, stream) => {
      if (error) {
        stderr = error.message;
        return done(null);
      }
      channel = stream;
      stream.on('data', (chunk: Buffer) => {
        if (stdout.length < MAX_OUTPUT) stdout += chunk.toString('utf8');
      });
      stream.stderr.on('data', (chunk: Buffer) => {
        if (stderr.length < 64 * 1024) stderr += chunk.toString('utf8');
      });
      stream.on('close', (code: number | null) => done(code ?? null));
    });
  });
}
