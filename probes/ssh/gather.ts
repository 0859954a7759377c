import { speaksSsh } from '../../src/protocol/table.ts';
import { keepStarted, sweepOrSettle } from '../../src/facts/settled-sweep.ts';
import { setMaxListeners } from 'node:events';
import { describeProbeFailure, faultDetail, InternalError } from '../../src/errors.ts';
import { localAddressTowards, scannerAmong } from '../../src/facts/scanner-address.ts';
import type { FindingTarget } from '../../src/findings.ts';
import type { GatherContext } from '../../src/probe/contract.ts';
import { auditSshEndpoint, type HostKeyPlan, type SshEndpointFacts } from '../../src/ssh/audit-endpoint.ts';
import type { AuthMethodsResult } from '../../src/ssh/auth-methods.ts';
import { sshEvidenceText } from '../../src/ssh/evidence-summary.ts';
import { MAX_AUTH_USERS, type SshThresholds } from './findings.ts';
import { greetsWithSsh, type HostKey, type SshEndpoint, type SshHello } from '../../src/ssh/exchange.ts';

/** Protocols of the flows audited as SSH. */
/** The quick banner check of a port no flow declares waits at most this long. */
const GREETING_TIMEOUT_MS = 3000;

/** What the SSH judge reads of one port: what the server offered, its host keys, its log-on methods. */
export interface SshPortFacts {
  port: number;
  /** The declared flow on the port; none for SSH the sweep found on an undeclared port. */
  flow?: string;
  /** Path of the port's evidence file (ssh-<port>.json). */
  artefact: string;
  /** The flow's sources when it is open only to them and the scanner is not among them: silence is by design. */
  restrictedTo?: string[];
  /** Why the port could not be audited (no usable SSH identification); nothing else is read then. */
  failure?: string;
  hello?: SshHello;
  hostKeys: HostKey[];
  /** One reason per host key that was asked for and could not be read. */
  hostKeyErrors: string[];
  hostKeyPlan?: HostKeyPlan;
  /** The methods offered to an unknown user, or why they could not be asked for. */
  auth?: AuthFacts;
  /** The methods offered to each named user (thresholds.ssh.authUsers and the audit user), in that order. */
  users?: ({ user: string } & AuthFacts)[];
}

/** `untestable`: cocoscan could not ask at all (no key exchange the client library knows): not tested, not an error. */
export type AuthFacts = { methods: string[] } | { failure: string; untestable?: true };

export interface SshFacts {
  target: FindingTarget;
  /** Declared SSH flows first, in the connection file's order, then SSH found on undeclared ports. */
  ports: SshPortFacts[];
}

export async function gatherSsh(ctx: GatherContext<SshThresholds>): Promise<SshFacts> {
  // One abort signal per gateway, listened to by at most its connection slots, instead of every
  // connection of every gateway listening on the run's signal.
  const scoped = new AbortController();
  setMaxListeners(4 * ctx.connection.scan.connectionsPerHost + 8, scoped.signal);
  const onAbort = () => scoped.abort();
  if (ctx.signal.aborted) scoped.abort();
  else ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await gatherPorts(ctx, scoped.signal);
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
  }
}

/** The profile's users, then the audit user of the connection file, each once, at most MAX_AUTH_USERS. */
export function authUsersOf(configured: readonly string[], auditUser: string | undefined): string[] {
  return [...new Set([...configured, ...(auditUser ? [auditUser] : [])])].slice(0, MAX_AUTH_USERS);
}

const authFacts = (auth: AuthMethodsResult): AuthFacts =>
  auth.ok ? { methods: auth.methods } : { failure: auth.reason, ...(auth.untestable ? { untestable: true as const } : {}) };

async function gatherPorts(ctx: GatherContext<SshThresholds>, signal: AbortSignal): Promise<SshFacts> {
  const { gateway } = ctx;
  const timeoutMs = ctx.connection.scan.probeTimeoutSeconds * 1000;
  const declared = ctx.connection.flows.filter(speaksSsh);
  const audits = new Map<number, Promise<SshPortFacts | undefined>>();
  const scanner = declared.some((flow) => flow.sources) ? await localAddressTowards(gateway.host) : undefined;
  // A declared port is audited once nmap's discovery has ended, beside nmap's -sV (see PortTurns).
  for (const flow of declared) {
    const restrictedTo = flow.sources && !scannerAmong(flow.sources, scanner) ? flow.sources : undefined;
    keepStarted(
      audits,
      flow.port,
      ctx.shared
        .probeSweptPort(gateway, () => auditPort(ctx, signal, flow.port, flow.name))
        .then((facts) => (restrictedTo ? { ...facts, restrictedTo } : facts)),
    );
  }
  // SSH on ports no flow declares is audited too, if it greets with SSH: in the same turns as a declared port.
  const consider = (port: number) => {
    if (audits.has(port)) return;
    keepStarted(
      audits,
      port,
      ctx.shared.probeSweptPort(gateway, async () => {
        const greeting = Math.min(timeoutMs, GREETING_TIMEOUT_MS);
        const ssh = await ctx.connectionLimit(() => greetsWithSsh({ host: gateway.host, port }, greeting));
        return ssh ? auditPort(ctx, signal, port) : undefined;
      }),
    );
  };
  const sweeping = ctx.shared.sweepIfRun(gateway);
  ctx.shared.onOpenPort(gateway, (p) => {
    if (p.transport === 'tcp') consider(p.port);
  });
  const sweep = await sweepOrSettle(sweeping, audits);
  // Whatever the sweep identified as SSH and no announcement started (a port found in the last moment).
  const sshInSweep = (sweep?.host?.ports ?? []).filter((p) => p.protocol === 'tcp' && p.state === 'open' && p.service?.name === 'ssh');
  for (const port of sshInSweep) consider(port.port);
  const ports = (await Promise.all(audits.values())).filter((p): p is SshPortFacts => p !== undefined);
  return { target: { gateway: gateway.name, host: gateway.host }, ports };
}

/** Audits one port and keeps its evidence file; a port that cannot be audited is a failure of that port only. */
async function auditPort(ctx: GatherContext<SshThresholds>, signal: AbortSignal, port: number, flow?: string): Promise<SshPortFacts> {
  const endpoint: SshEndpoint = { host: ctx.gateway.host, port };
  const where = { port, ...(flow ? { flow } : {}) };
  let audited: SshEndpointFacts;
  try {
    audited = await auditSshEndpoint(endpoint, {
      timeoutMs: ctx.connection.scan.probeTimeoutSeconds * 1000,
      limit: ctx.connectionLimit,
      signal,
      users: authUsersOf(ctx.thresholds.authUsers, ctx.gateway.ssh?.username),
    });
  } catch (error) {
    if (error instanceof InternalError) throw error;
    const failure = describeProbeFailure('ssh', error);
    const artefact = ctx.evidence.add([`ssh-${port}.json`], JSON.stringify({ endpoint, failure, fault: faultDetail(error) }, null, 2));
    return { ...where, artefact, failure, hostKeys: [], hostKeyErrors: [] };
  }
  const artefact = ctx.evidence.add([`ssh-${port}.json`], sshEvidenceText(audited));
  const { hello, hostKeys, hostKeyErrors, hostKeyPlan, auth, userAuth } = audited;
  if (hello)
    ctx.shared.portReached(ctx.gateway, { port, transport: 'tcp', probe: 'ssh', protocol: 'ssh', proof: 'its SSH identification' });
  return {
    ...where,
    artefact,
    ...(hello ? { hello } : { failure: audited.helloError ?? 'no SSH identification' }),
    hostKeys,
    hostKeyErrors,
    ...(hostKeyPlan ? { hostKeyPlan } : {}),
    ...(auth ? { auth: authFacts(auth) } : {}),
    ...(hello && userAuth ? { users: userAuth.map((result) => ({ user: result.user ?? '?', ...authFacts(result) })) } : {}),
  };
}
