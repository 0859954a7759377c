import { gatewayEvidencePath } from '../../src/evidence-store.ts';
import type { FindingTarget } from '../../src/findings.ts';
import type { CommandOutcome } from '../../src/host/commands.ts';
import type { DeclaredPort } from '../../src/host/firewall-rules.ts';
import type { HostSession } from '../../src/host/session.ts';
import type { SshdReading } from '../../src/host/sshd-instance.ts';
import { offeredAuthMethods } from '../../src/ssh/auth-methods.ts';
import type { GatherContext } from '../../src/probe/contract.ts';

/** What the host judge reads of the SSH session: who it logged in as, and every command's outcome. */
export type HostSessionFacts =
  | {
      ok: true;
      username: string;
      hostKeyFingerprint: string;
      hostKeyVerified: boolean;
      commands: Readonly<Record<string, CommandOutcome>>;
      sshd?: SshdFacts;
    }
  | { ok: false; reason: string; credentials: boolean };

/** A user the live server was asked about (no `user`: one it cannot know), and what it offered. */
export type LiveAuth = { user?: string } & ({ methods: string[] } | { failure: string });

/** The sshd instance whose settings were read, and what the live server offers the same users on the session's port. */
export interface SshdFacts extends SshdReading {
  /** The port the log-on methods were asked on (the connection file's ssh.port). */
  livePort: number;
  live: LiveAuth[];
}

/** The gateway's SSH session as the host judge reads it. */
export interface HostFacts {
  target: FindingTarget;
  session: HostSessionFacts;
  /** Report-relative folder where the session kept each command's output as <name>.txt. */
  evidenceFolder: string;
  /** The declared flows' ports, whose verdict the host firewall reading gives. */
  declared?: DeclaredPort[];
}

export function hostFacts(target: FindingTarget, session: HostSession, declared: DeclaredPort[] = [], sshd?: SshdFacts): HostFacts {
  const { gateway } = target;
  const evidenceFolder = gatewayEvidencePath(gateway, 'host');
  if (!session.ok)
    return { target, session: { ok: false, reason: session.reason, credentials: session.credentials }, evidenceFolder, declared };
  const { username, hostKeyFingerprint, hostKeyVerified, commands } = session;
  return {
    target,
    session: { ok: true, username, hostKeyFingerprint, hostKeyVerified, commands, ...(sshd ? { sshd } : {}) },
    evidenceFolder,
    declared,
  };
}

export async function gatherHost(ctx: GatherContext<unknown, 'hostSession'>): Promise<HostFacts> {
  const declared = ctx.connection.flows.map((f): DeclaredPort => ({
    transport: f.transport,
    port: f.port,
    ...(f.sources ? { flow: f.name, sources: f.sources } : {}),
  }));
  const session = await ctx.shared.hostSession(ctx.gateway);
  const target = { gateway: ctx.gateway.name, host: ctx.gateway.host };
  if (!session.ok || !session.sshd || !ctx.gateway.ssh) return hostFacts(target, session, declared);
  // The same users asked live, on the port the session logged in on: where settings and server disagree, the server decides.
  const livePort = ctx.gateway.ssh.port;
  const endpoint = { host: ctx.gateway.host, port: livePort };
  const timeoutMs = ctx.connection.scan.probeTimeoutSeconds * 1000;
  const ask = (user?: string): Promise<LiveAuth> =>
    ctx
      .connectionLimit(() => offeredAuthMethods(endpoint, { timeoutMs, signal: ctx.signal, ...(user ? { user } : {}) }))
      .then((r) => ({ ...(user ? { user } : {}), ...(r.ok ? { methods: r.methods } : { failure: r.reason }) }));
  // One at a time: a few quick questions, and over group exchange each holds the event loop for seconds.
  const live: LiveAuth[] = [];
  for (const user of [undefined, ...session.sshd.users]) live.push(await ask(user));
  return hostFacts(target, session, declared, { ...session.sshd, livePort, live });
}
