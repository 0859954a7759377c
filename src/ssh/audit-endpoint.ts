import type { LimitFunction } from 'p-limit';
import { isKnownAlgorithm } from './algorithm-table.ts';
import { offeredAuthMethods, onlyGroupExchange, unnegotiableKex, type AuthMethodsResult } from './auth-methods.ts';
import { fetchHostKey, readServerHello, type HostKey, type SshEndpoint, type SshHello } from './exchange.ts';

/**
 * Most host-key connections per port: one per key or certificate family. A server offering more is reported
 * with the rest in `overCap` (an error naming them), never passed.
 */
export const MAX_HOST_KEY_QUERIES = 12;
/** A port's connections together may spend this many probe timeouts (scan.probeTimeoutSeconds) in all. */
export const PORT_BUDGET_PROBE_TIMEOUTS = 4;

export interface HostKeyPlan {
  /** Algorithms asked for, one connection each. */
  queries: string[];
  /** Offered host-key algorithms not in cocoscan's table: never asked for, their keys unread. */
  unknown: string[];
  /** Known algorithms left out because the per-port cap was reached. */
  overCap: string[];
  /** Known algorithms whose keys cocoscan cannot read (the obsolete v00 certificates): never asked for. */
  unreadable: string[];
}

export interface SshEndpointFacts {
  endpoint: SshEndpoint;
  hello?: SshHello;
  helloError?: string;
  hostKeys: HostKey[];
  hostKeyErrors: string[];
  hostKeyPlan?: HostKeyPlan;
  /** The methods offered to a user the server cannot know. */
  auth?: AuthMethodsResult;
  /** The methods offered to each named user (`Match User` blocks can differ per user), in the order asked. */
  userAuth?: AuthMethodsResult[];
  durationMs: number;
  /** Connections opened to the port (the banner check before the audit not counted). */
  connections: number;
}

/** Signature algorithms that share one key (or one certificate): asking for the first offered reads it. */
const SHARED_KEY_GROUPS = [
  ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
  ['rsa-sha2-512-cert-v01@openssh.com', 'rsa-sha2-256-cert-v01@openssh.com', 'ssh-rsa-cert-v01@openssh.com'],
];
const isCertificate = (a: string) => a.includes('-cert-');
const isUnreadable = (a: string) => a.endsWith('-cert-v00@openssh.com');

/**
 * Which host keys to ask for: only algorithms cocoscan knows, one per key or certificate (the RSA signature
 * algorithms share one key, the RSA certificate ones one certificate), plain keys before certificates, at
 * most `max`. Whatever the server offers, the number of connections stays bounded; every offered algorithm
 * is either asked for or listed as unknown, over the cap or unreadable.
 */
export function hostKeyQueries(offered: readonly string[], max = MAX_HOST_KEY_QUERIES): HostKeyPlan {
  const unique = [...new Set(offered)];
  const unknown = unique.filter((a) => !isKnownAlgorithm('hostKey', a));
  const known = unique.filter((a) => isKnownAlgorithm('hostKey', a));
  const unreadable = known.filter(isUnreadable);
  const shared = SHARED_KEY_GROUPS.flat();
  const single = known.filter((a) => !isUnreadable(a) && !shared.includes(a));
  const groups = SHARED_KEY_GROUPS.flatMap((group) => group.filter((a) => known.includes(a)).slice(0, 1));
  const wanted = [...single, ...groups].sort((a, b) => Number(isCertificate(a)) - Number(isCertificate(b)));
  return { queries: wanted.slice(0, max), unknown, overCap: wanted.slice(max), unreadable };
}

/**
 * Connection time a port may still use: every connection's deadline is cut to what is left, and once the
 * budget is spent no further connection is opened. Time spent waiting for a free connection slot (shared
 * with the gateway's other ports) is not counted.
 */
class PortBudget {
  #spentMs = 0;
  readonly #running = new Set<{ started: number }>();
  constructor(readonly totalMs: number) {}

  remainingMs(): number {
    const now = Date.now();
    let inFlight = 0;
    for (const entry of this.#running) inFlight += now - entry.started;
    return this.totalMs - this.#spentMs - inFlight;
  }

  async run<T>(timeoutMs: number, work: (timeoutMs: number) => Promise<T>, exhausted: () => T): Promise<T> {
    const left = this.remainingMs();
    if (left < 250) return exhausted();
    const entry = { started: Date.now() };
    this.#running.add(entry);
    try {
      return await work(Math.min(timeoutMs, left));
    } finally {
      this.#running.delete(entry);
      this.#spentMs += Date.now() - entry.started;
    }
  }
}

async function inTurn<T, R>(items: readonly T[], work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (const item of items) results.push(await work(item));
  return results;
}

/** Everything the SSH probe judges about one endpoint, with a bounded number of connections and a time budget. */
export async function auditSshEndpoint(
  endpoint: SshEndpoint,
  options: { timeoutMs: number; limit: LimitFunction; signal: AbortSignal; budgetMs?: number; users?: readonly string[] },
): Promise<SshEndpointFacts> {
  const started = Date.now();
  const budget = new PortBudget(options.budgetMs ?? options.timeoutMs * PORT_BUDGET_PROBE_TIMEOUTS);
  const spent =
    `the port's time budget of ${budget.totalMs / 1000} s (${PORT_BUDGET_PROBE_TIMEOUTS} × scan.probeTimeoutSeconds) ` +
    'was used up by earlier connections that stalled';
  const facts: SshEndpointFacts = { endpoint, hostKeys: [], hostKeyErrors: [], durationMs: 0, connections: 0 };
  const connection = <T>(work: (timeoutMs: number) => Promise<T>, exhausted: () => T) =>
    options.limit(() =>
      budget.run(
        options.timeoutMs,
        (timeoutMs) => {
          facts.connections += 1;
          return work(timeoutMs);
        },
        exhausted,
      ),
    );
  const hello = await connection(
    (timeoutMs) => readServerHello(endpoint, { timeoutMs, signal: options.signal }),
    () => ({ ok: false as const, reason: spent }),
  );
  if (!hello.ok) {
    facts.helloError = hello.reason;
    facts.durationMs = Date.now() - started;
    return facts;
  }
  facts.hello = hello.value;
  const plan = hostKeyQueries(hello.value.kexinit.hostKey);
  facts.hostKeyPlan = plan;
  const untestable = unnegotiableKex(hello.value.kexinit.kex);
  // One connection per user: OpenSSH refuses a change of user name within one connection.
  const askAs = (user?: string): Promise<AuthMethodsResult> =>
    untestable
      ? Promise.resolve({ ok: false, reason: untestable, untestable: true, ...(user ? { user } : {}) })
      : connection<AuthMethodsResult>(
          (timeoutMs) => offeredAuthMethods(endpoint, { timeoutMs, signal: options.signal, ...(user ? { user } : {}) }),
          () => ({ ok: false, reason: spent, ...(user ? { user } : {}) }),
        );
  const users = [...new Set(options.users ?? [])];
  const fetchKeys = () =>
    Promise.all(
      plan.queries.map((algorithm) =>
        connection(
          (timeoutMs) => fetchHostKey(endpoint, hello.value.kexinit, algorithm, { timeoutMs, signal: options.signal }),
          () => ({ ok: false as const, reason: `${algorithm} host key not read: ${spent}` }),
        ),
      ),
    );
  // Over group exchange the client library holds the event loop for seconds per connection (it tests the
  // server's prime): the host keys are read first, then one log-on question at a time, so none starves another.
  const [keys, auth, userAuth] = onlyGroupExchange(hello.value.kexinit.kex)
    ? [await fetchKeys(), await askAs(), await inTurn(users, askAs)]
    : await Promise.all([fetchKeys(), askAs(), Promise.all(users.map((user) => askAs(user)))]);
  keys.forEach((key, i) => {
    if (key.ok) facts.hostKeys.push(key.value);
    else facts.hostKeyErrors.push(key.reason.startsWith(plan.queries[i]!) ? key.reason : `${plan.queries[i]}: ${key.reason}`);
  });
  facts.auth = auth;
  facts.userAuth = userAuth;
  facts.durationMs = Date.now() - started;
  return facts;
}
