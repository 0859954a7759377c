/**
 * Which sshd answers on the port the session came in on, and the configuration it was started with: `sshd -T`
 * alone reads the default file, not the one a daemon started with `-f` uses. Parsers are pure; the session
 * runs the commands (src/host/session.ts).
 */
import type { HostCommand } from './commands.ts';

/** The session's own connection, from $SSH_CONNECTION: the scanner as the gateway sees it, and the local end. */
export interface SessionConnection {
  clientAddress: string;
  serverAddress: string;
  serverPort: number;
}

/** The sshd listening on the session's port: its process, and the configuration file it reads. */
export type SshdInstance =
  { port: number; pid: number; binary: string; configFile: string; explicit: boolean } | { port?: number; failure: string };

/** Most users `sshd -T -C` is run for (the profile's users and the audit user). */
export const MAX_SSHD_USERS = 8;
const DEFAULT_CONFIG = '/etc/ssh/sshd_config';
/** Paths and names put in a command line: no quote, space or shell character can get through. */
const SAFE_PATH = /^\/[A-Za-z0-9._/+-]{1,4095}$/;
const SAFE_VALUE = /^[A-Za-z0-9._:%-]{1,255}$/;

export function parseSessionConnection(stdout: string): SessionConnection | undefined {
  const [client, , server, port] = stdout.trim().split(/\s+/);
  const serverPort = Number(port);
  if (!client || !server || !Number.isInteger(serverPort) || serverPort < 1 || serverPort > 65535) return undefined;
  if (!SAFE_VALUE.test(client) || !SAFE_VALUE.test(server)) return undefined;
  return { clientAddress: client, serverAddress: server, serverPort };
}

/** The pid of the sshd listening on `port`, from `ss -tlnpH` (users:(("sshd",pid=812,fd=3))). */
export function listenerPid(ssOutput: string, port: number): number | undefined {
  for (const line of ssOutput.split('\n')) {
    const fields = line.trim().split(/\s+/);
    const local = fields[3];
    if (!local?.endsWith(`:${port}`)) continue;
    const process = /\(\("(sshd[^"]*)",pid=(\d+)/.exec(line);
    if (process) return Number(process[2]);
  }
  return undefined;
}

/**
 * The binary and `-f` file from a /proc/<pid>/cmdline: NUL-separated arguments, or the single line OpenSSH
 * rewrites it to ("sshd: /usr/sbin/sshd -D -f /etc/ssh/alt_config [listener] 0 of 10-100 startups").
 */
export function sshdCommandLine(cmdline: string): { binary: string; configFile: string; explicit: boolean } | undefined {
  const parts = cmdline.split('\0').filter((a) => a !== '');
  // OpenSSH rewrites its title over the argument area, which then holds one line (NUL-padded).
  const title = parts.length === 1 || parts[0]?.startsWith('sshd:');
  const args = title
    ? (parts[0] ?? '')
        .replace(/^sshd:\s*/, '')
        .replace(/\s*\[listener\].*$/s, '')
        .trim()
        .split(/\s+/)
    : parts;
  const binary = args[0];
  if (!binary || !/(^|\/)sshd$/.test(binary)) return undefined;
  let configFile: string | undefined;
  for (let i = 1; i < args.length; i += 1) {
    const arg = args[i]!;
    if (arg === '-f') configFile = args[i + 1];
    else if (/^-[^-]*f./.test(arg) && !arg.startsWith('-o')) configFile = arg.slice(arg.indexOf('f') + 1);
  }
  return { binary: binary.startsWith('/') ? binary : 'sshd', configFile: configFile ?? DEFAULT_CONFIG, explicit: configFile !== undefined };
}

/** A file or binary path that may go into a command line, or undefined. */
export const safePath = (path: string) => (SAFE_PATH.test(path) ? path : undefined);

export const SESSION_CONNECTION: HostCommand = { name: 'ssh-connection', command: 'printf "%s\\n" "$SSH_CONNECTION"', privileged: false };
export const SSHD_LISTENERS: HostCommand = { name: 'sshd-listeners', command: 'ss -tlnpH', privileged: true };
export const sshdCmdlineCommand = (pid: number): HostCommand => ({
  name: 'sshd-cmdline',
  command: `cat /proc/${pid}/cmdline`,
  privileged: true,
});

/** The evidence name of a user's `sshd -T -C` output. */
export const userConfigName = (user: string) => `sshd-config-user-${user}`;

/** `sshd -T` of the instance (its own binary and file when known), for one user's connection when `user` is given. */
export function sshdTestCommand(instance: SshdInstance, connection: SessionConnection | undefined, user?: string): HostCommand {
  const found = 'pid' in instance ? instance : undefined;
  const binary = (found && safePath(found.binary)) ?? 'sshd';
  const file = found && safePath(found.configFile) ? ` -f ${found.configFile}` : '';
  if (user === undefined) return { name: 'sshd-config', command: `${binary} -T${file}`, privileged: true };
  // sshd resolves `host` to the address when UseDNS is off (its default), so the address stands for both.
  const spec = [
    `user=${user}`,
    ...(connection
      ? [
          `host=${connection.clientAddress}`,
          `addr=${connection.clientAddress}`,
          `laddr=${connection.serverAddress}`,
          `lport=${connection.serverPort}`,
        ]
      : []),
  ].join(',');
  return { name: userConfigName(user), command: `${binary} -T${file} -C ${spec}`, privileged: true };
}

/** What the session learnt about sshd besides the outputs: the instance read, and the users it was asked for. */
export interface SshdReading {
  instance: SshdInstance;
  /** Users `sshd -T -C user=…` ran for, in order (their outputs are the commands named userConfigName(user)). */
  users: string[];
  connection?: SessionConnection;
}

type Outcome = { status: string; stdout: string };

/**
 * Finds the sshd on the session's port and runs `sshd -T` with its file, once plain and once per user. When
 * the instance cannot be found, the default file is read and the reason kept, so the judge can say so.
 */
export async function readSshd<T extends Outcome>(
  run: (command: HostCommand) => Promise<T>,
  users: readonly string[],
  fallbackPort: number,
): Promise<{ reading: SshdReading; outcomes: T[] }> {
  const outcomes: T[] = [];
  const step = async (command: HostCommand) => {
    const outcome = await run(command);
    outcomes.push(outcome);
    return outcome.status === 'ok' ? outcome.stdout : undefined;
  };
  const connectionText = await step(SESSION_CONNECTION);
  const connection = connectionText === undefined ? undefined : parseSessionConnection(connectionText);
  const port = connection?.serverPort ?? fallbackPort;
  const instance = await findInstance(step, port);
  await step(sshdTestCommand(instance, connection));
  const asked = [...new Set(users)].filter((u) => SAFE_VALUE.test(u)).slice(0, MAX_SSHD_USERS);
  for (const user of asked) await step(sshdTestCommand(instance, connection, user));
  return { reading: { instance, users: asked, ...(connection ? { connection } : {}) }, outcomes };
}

async function findInstance(step: (command: HostCommand) => Promise<string | undefined>, port: number): Promise<SshdInstance> {
  const listeners = await step(SSHD_LISTENERS);
  if (listeners === undefined) return { port, failure: 'the listening sockets could not be read (ss -tlnp)' };
  const pid = listenerPid(listeners, port);
  if (pid === undefined) return { port, failure: `ss -tlnp shows no sshd listening on port ${port}` };
  const cmdline = await step(sshdCmdlineCommand(pid));
  if (cmdline === undefined) return { port, failure: `the command line of sshd (pid ${pid}) could not be read` };
  const parsed = sshdCommandLine(cmdline);
  if (!parsed) return { port, failure: `the command line of pid ${pid} is not an sshd's` };
  if (!safePath(parsed.configFile))
    return { port, failure: `sshd (pid ${pid}) reads a configuration file whose path cocoscan will not quote` };
  return { port, pid, ...parsed };
}
