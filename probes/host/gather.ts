import { gatewayEvidencePath } from '../../src/evidence-store.ts';
import type { FindingTarget } from '../../src/findings.ts';
import type { CommandOutcome } from '../../src/host/commands.ts';
import type { DeclaredPort } from '../../src/host/firewall-rules.ts';
import type { HostSession } from '../../src/host/session.ts';
import type { GatherContext } from '../../src/probe/contract.ts';

/** What the host judge reads of the SSH session: who it logged in as, and every command's outcome. */
export type HostSessionFacts =
  | { ok: true; username: string; hostKeyFingerprint: string; hostKeyVerified: boolean; commands: Readonly<Record<string, CommandOutcome>> }
  | { ok: false; reason: string; credentials: boolean };

/** The gateway's SSH session as the host judge reads it. */
export interface HostFacts {
  target: FindingTarget;
  session: HostSessionFacts;
  /** Report-relative folder where the session kept each command's output as <name>.txt. */
  evidenceFolder: string;
  /** The declared flows' ports, whose verdict the host firewall reading gives. */
  declared?: DeclaredPort[];
}

export function hostFacts(target: FindingTarget, session: HostSession, declared: DeclaredPort[] = []): HostFacts {
  const { gateway } = target;
  const evidenceFolder = gatewayEvidencePath(gateway, 'host');
  if (!session.ok)
    return { target, session: { ok: false, reason: session.reason, credentials: session.credentials }, evidenceFolder, declared };
  const { username, hostKeyFingerprint, hostKeyVerified, commands } = session;
  return { target, session: { ok: true, username, hostKeyFingerprint, hostKeyVerified, commands }, evidenceFolder, declared };
}

export async function gatherHost(ctx: GatherContext<unknown, 'hostSession'>): Promise<HostFacts> {
  const declared = ctx.connection.flows.map((f) => ({ transport: f.transport, port: f.port }));
  return hostFacts({ gateway: ctx.gateway.name, host: ctx.gateway.host }, await ctx.shared.hostSession(ctx.gateway), declared);
}
