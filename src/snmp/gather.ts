import { lookup } from 'node:dns/promises';
import { setMaxListeners } from 'node:events';
import { isIP } from 'node:net';
import snmp, { type User } from 'net-snmp';
import type { ConnectionFile, Gateway } from '../connection/schema.ts';
import { closeSession, communitySession, desAvailable, getSystem, HR_SW_INSTALLED_NAME, v3Session, type Target } from './client.ts';
import { discoverEngine, type EngineDiscovery } from './discovery.ts';
import { readableSubtrees } from './view.ts';
import { walkSubtree, type WalkBudget, type WalkStop } from './walk.ts';

/** Defaults of the walk budget (the SNMP probe's thresholds walkMaxEntries, walkMaxRequests, walkMaxSeconds). */
export const DEFAULT_WALK_BUDGET: WalkBudget = { maxEntries: 5000, maxRequests: 500, maxSeconds: 60 };
export const SOFTWARE_LIMIT = DEFAULT_WALK_BUDGET.maxEntries;

export interface CommunityAttempt {
  version: 'v1' | 'v2c';
  community: string;
  answered: boolean;
  reason?: string;
  /** Something came back that could not be used (wrong source, undecodable, a reply loop). */
  strange?: boolean;
  /** The run was interrupted before this attempt had an answer. */
  aborted?: boolean;
}

export interface V3LevelAttempt {
  level: 'noAuthNoPriv' | 'authNoPriv' | 'authPriv';
  /** true: the agent answered; false: the agent refused it (a usmStats* Report, authorizationError); undefined: unknown. */
  accepted: boolean | undefined;
  reason: string;
}

export interface SoftwareRead {
  names: string[];
  /** The walk stopped before the agent said the subtree ended: the names are a part of the list at most. */
  truncated: boolean;
  stop: WalkStop;
  reason: string;
  requests: number;
  /** Set when the walk ended on something other than a bound: a reply loop, an error, no answer. */
  error?: string;
}

export interface SnmpFacts {
  address?: string;
  port: number;
  unresolved?: string;
  attempts: CommunityAttempt[];
  /** What the agent reveals, read with the first community that answered. */
  system?: Record<string, string>;
  /** The subtrees under 1.3.6.1 the first community that answered can read (a GETNEXT walk from 1.3.6.1). */
  readable?: Omit<SoftwareRead, 'names'> & { subtrees: string[] };
  software?: SoftwareRead;
  /** SNMPv3 engine discovery, which needs no credentials: an engine id proves an agent answers on the port. */
  engine?: EngineDiscovery;
  v3?: { user: string; authProtocol: string; privProtocol: string; levels: V3LevelAttempt[] };
  /** Set when the run was interrupted while SNMP was being checked. */
  interrupted?: string;
}

export interface GatherOptions {
  communities: string[];
  walk?: WalkBudget;
  signal?: AbortSignal;
}

const BOUND_STOPS: ReadonlySet<WalkStop> = new Set(['max-entries', 'max-requests', 'max-seconds']);

/** Tries the community list with v1 and v2c, reads installed software once, then the configured v3 user at each security level. */
export async function gatherSnmp(connection: ConnectionFile, gateway: Gateway, options: GatherOptions): Promise<SnmpFacts> {
  const settings = connection.snmp;
  // Every pending request listens for the abort: one signal of this gather's own carries them (a bounded number),
  // so the run's signal keeps a single listener per gateway.
  const signal = AbortSignal.any([options.signal ?? new AbortController().signal]);
  setMaxListeners(2 * options.communities.length + 4, signal);
  const facts: SnmpFacts = { port: settings.port, attempts: [] };
  let address = gateway.host;
  if (isIP(address) === 0) {
    try {
      address = (await lookup(gateway.host)).address;
    } catch (error) {
      facts.unresolved = `${gateway.host} does not resolve: ${(error as Error).message}`;
      return facts;
    }
  }
  facts.address = address;
  const target: Target = { host: address, port: settings.port, timeoutMs: settings.timeoutSeconds * 1000 };

  // Run beside the communities (silence costs the same timeout); not waited for once a community has answered.
  const enough = new AbortController();
  const discovery = discoverEngine(target, address, AbortSignal.any([signal, enough.signal]));
  const pairs = (['v2c', 'v1'] as const).flatMap((version) => options.communities.map((community) => ({ version, community })));
  const results = await Promise.all(
    pairs.map(async ({ version, community }) => {
      const session = communitySession(target, address, version, community);
      try {
        // Any response proves the community, an error status included (v1 noSuchName for a view without the system group).
        const answer = await getSystem(session, target, signal, { anyResponse: true });
        const attempt: CommunityAttempt = answer.answered
          ? { version, community, answered: true }
          : {
              version,
              community,
              answered: false,
              reason: answer.reason,
              ...(answer.strange ? { strange: true } : {}),
              ...(answer.aborted ? { aborted: true } : {}),
            };
        return { attempt, system: answer.answered ? answer.values : undefined };
      } finally {
        closeSession(session);
      }
    }),
  );
  facts.attempts = results.map((r) => r.attempt);
  const first = results.find((r) => r.system);
  facts.system = first?.system;

  // One walk per gateway, with the first community that answered (v2c first: GETBULK takes fewer round trips).
  if (first) {
    const { version, community } = first.attempt;
    const session = communitySession(target, address, version, community);
    const budget = options.walk ?? DEFAULT_WALK_BUDGET;
    const started = performance.now();
    try {
      const walk = await walkSubtree(session, HR_SW_INSTALLED_NAME, {
        target,
        bulk: version === 'v2c',
        budget,
        signal,
      });
      facts.software = {
        names: walk.values,
        truncated: !walk.complete,
        stop: walk.stop,
        reason: walk.reason,
        requests: walk.requests,
        ...(walk.complete || BOUND_STOPS.has(walk.stop) ? {} : { error: walk.reason }),
      };
      // One walk budget for both walks: the view walk has what the software walk left of it.
      const left: WalkBudget = {
        maxEntries: budget.maxEntries,
        maxRequests: budget.maxRequests - walk.requests,
        maxSeconds: walk.stop === 'max-seconds' ? 0 : budget.maxSeconds - (performance.now() - started) / 1000,
      };
      const view = await readableSubtrees(session, { target, budget: left, signal });
      facts.readable = {
        subtrees: view.values,
        truncated: !view.complete,
        stop: view.stop,
        reason: view.reason,
        requests: view.requests,
        ...(view.complete || BOUND_STOPS.has(view.stop) ? {} : { error: view.reason }),
      };
    } finally {
      closeSession(session);
    }
  }

  if (first) enough.abort();
  const engine = await discovery;
  facts.engine =
    engine.engineId || signal.aborted || !first ? engine : { reason: 'not waited for: a community answered before the discovery Report' };
  if (settings.v3) facts.v3 = await tryV3(target, address, settings.v3, signal);
  if (signal.aborted) facts.interrupted = 'the run was interrupted (SIGINT or SIGTERM) before the SNMP checks finished';
  return facts;
}

async function tryV3(
  target: Target,
  address: string,
  v3: NonNullable<ConnectionFile['snmp']['v3']>,
  signal: AbortSignal,
): Promise<NonNullable<SnmpFacts['v3']>> {
  const authKey = process.env[v3.authKeyEnv] ?? '';
  const privKey = process.env[v3.privKeyEnv] ?? '';
  const users: [V3LevelAttempt['level'], User][] = [
    ['noAuthNoPriv', { name: v3.user, level: snmp.SecurityLevel.noAuthNoPriv }],
    ['authNoPriv', { name: v3.user, level: snmp.SecurityLevel.authNoPriv, authProtocol: snmp.AuthProtocols[v3.authProtocol], authKey }],
    [
      'authPriv',
      {
        name: v3.user,
        level: snmp.SecurityLevel.authPriv,
        authProtocol: snmp.AuthProtocols[v3.authProtocol],
        authKey,
        privProtocol: snmp.PrivProtocols[v3.privProtocol],
        privKey,
      },
    ],
  ];
  const levels: V3LevelAttempt[] = [];
  for (const [level, user] of users) {
    if (level === 'authPriv' && v3.privProtocol === 'des' && !desAvailable()) {
      levels.push({
        level,
        accepted: undefined,
        reason:
          "DES privacy cannot be tested: Node's OpenSSL 3 keeps DES in its legacy provider; run cocoscan with NODE_OPTIONS=--openssl-legacy-provider",
      });
      continue;
    }
    let session;
    try {
      session = v3Session(target, address, user);
      const answer = await getSystem(session, target, signal);
      if (answer.answered) levels.push({ level, accepted: true, reason: 'the agent answered' });
      else if (answer.refused) levels.push({ level, accepted: false, reason: answer.reason });
      // Silence, a reply loop, an undecodable or misdirected reply, an interruption: none of them shows the
      // level is refused (UDP loses datagrams), so the level stays unknown.
      else levels.push({ level, accepted: undefined, reason: answer.reason });
    } catch (error) {
      levels.push({ level, accepted: undefined, reason: (error as Error).message });
    } finally {
      if (session) closeSession(session);
    }
  }
  return { user: v3.user, authProtocol: v3.authProtocol, privProtocol: v3.privProtocol, levels };
}
