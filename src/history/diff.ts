import { z } from 'zod';
import type { RunReport } from '../report/schema.ts';
import { expandPortList } from '../nmap/ports.ts';
import type { OpenPort } from './state-shape.ts';
import { observedState, rowsJudgedFromChanges, type ObservedState } from './state.ts';

export const CHANGE_KINDS = [
  'port-opened',
  'port-closed',
  'service-changed',
  'tls-certificate-replaced',
  'tls-offer-changed',
  'ssh-host-key-changed',
  'ssh-algorithms-changed',
  'firewall-changed',
  'patch-count-changed',
  'verdict-changed',
] as const;

export const changeSchema = z.strictObject({
  kind: z.enum(CHANGE_KINDS),
  subject: z.string().describe('What changed: "gw 8080/tcp", a row ref, …'),
  before: z.string().nullable(),
  after: z.string().nullable(),
  /** A verdict that got worse (Yes → No, say). */
  regression: z.boolean(),
});
export type Change = z.infer<typeof changeSchema>;

const RANK = new Map<string, number>([
  ['Yes', 0],
  ['N/A', 0],
  ['Partial', 1],
  ['Not assessed', 1],
  ['No', 2],
  ['null', 1],
]);
const rank = (compliance: string | undefined) => RANK.get(compliance ?? 'null') ?? 1;

function keys<T>(a: Record<string, T>, b: Record<string, T>): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
}

/**
 * Everything that differs between two runs of the same connection, from their report.json alone. The rows
 * judged from a comparison (CoCo-2) are left out on both sides: see rowsJudgedFromChanges.
 */
export function diffReports(before: RunReport, after: RunReport, comparisonFindingIds: Iterable<string>): Change[] {
  const ids = [...comparisonFindingIds];
  const ignore = new Set([...rowsJudgedFromChanges(before.rows, ids), ...rowsJudgedFromChanges(after.rows, ids)]);
  return diffStates(observedState(before, ignore), observedState(after, ignore));
}

export function diffStates(a: ObservedState, b: ObservedState): Change[] {
  const changes: Change[] = [];
  const add = (kind: Change['kind'], subject: string, before: string | null, after: string | null, regression = false) =>
    changes.push({ kind, subject, before, after, regression });

  const [sweptBefore, sweptAfter] = [sweptBy(a), sweptBy(b)];
  for (const port of keys(a.ports, b.ports)) {
    const [x, y] = [a.ports[port], b.ports[port]];
    const where = (x ?? y)!;
    // A port one run did not sweep (its sweep failed, was narrower, or the gateway was not in that run) is unknown there, not closed.
    if (!sweptBefore(where) || !sweptAfter(where)) continue;
    if (x === undefined) add('port-opened', port, null, y?.service ?? null, true);
    else if (y === undefined) add('port-closed', port, x.service, null);
    else if (serviceChanged(x, y)) add('service-changed', port, x.service, y.service);
  }
  for (const endpoint of keys(a.tls, b.tls)) {
    const [x, y] = [a.tls[endpoint], b.tls[endpoint]];
    if (!x || !y) continue;
    if (x.leaf?.sha256 !== y.leaf?.sha256) {
      const describe = (l: typeof x.leaf) =>
        l ? `${l.sha256.slice(0, 16)}… ${l.subject}, issuer ${l.issuer}, expires ${l.notAfter.slice(0, 10)}` : null;
      add('tls-certificate-replaced', endpoint, describe(x.leaf), describe(y.leaf));
    }
    const offer = (t: typeof x) => `${t.accepted.join(', ')}; ${t.suites.length} suites`;
    if (x.accepted.join() !== y.accepted.join() || x.suites.join() !== y.suites.join()) {
      const added = y.suites.filter((s) => !x.suites.includes(s));
      const removed = x.suites.filter((s) => !y.suites.includes(s));
      add(
        'tls-offer-changed',
        endpoint,
        offer(x),
        `${offer(y)}${added.length ? `; added ${added.join(', ')}` : ''}${removed.length ? `; removed ${removed.join(', ')}` : ''}`,
        added.length > 0 || y.accepted.some((v) => !x.accepted.includes(v)),
      );
    }
  }
  for (const key of keys(a.sshHostKeys, b.sshHostKeys)) {
    const [x, y] = [a.sshHostKeys[key], b.sshHostKeys[key]];
    // A key is compared where both runs heard the port's SSH offer: a port that did not answer, or a gateway not in that run, changed nothing.
    const port = (x ?? y)!.port;
    if (a.sshAlgorithms[`${port} kex`] === undefined || b.sshAlgorithms[`${port} kex`] === undefined) continue;
    // A key type the port offered but whose key one run could not read is unknown there, not removed or added.
    if ((!x && a.sshHostKeysUnread[key]) || (!y && b.sshHostKeysUnread[key])) continue;
    if (x?.fingerprint !== y?.fingerprint) add('ssh-host-key-changed', key, x?.fingerprint ?? null, y?.fingerprint ?? null);
  }
  for (const key of keys(a.sshAlgorithms, b.sshAlgorithms)) {
    const [x, y] = [a.sshAlgorithms[key], b.sshAlgorithms[key]];
    if (!x || !y || x.join() === y.join()) continue;
    const added = y.filter((n) => !x.includes(n));
    const removed = x.filter((n) => !y.includes(n));
    add(
      'ssh-algorithms-changed',
      key,
      removed.length ? `removed ${removed.join(', ')}` : null,
      added.length ? `added ${added.join(', ')}` : null,
      added.length > 0,
    );
  }
  for (const key of keys(a.firewall, b.firewall)) {
    const [x, y] = [a.firewall[key], b.firewall[key]];
    const said = (f: ObservedState['firewall'][string]) => `${f.verdict}: ${f.detail}`;
    if (x && y && x.verdict !== y.verdict) add('firewall-changed', key, said(x), said(y), y.verdict === 'fail');
  }
  for (const key of keys(a.patch, b.patch)) {
    const [x, y] = [a.patch[key], b.patch[key]];
    if (x && y && (x.pending !== y.pending || x.securityPending !== y.securityPending)) {
      add(
        'patch-count-changed',
        key,
        `${x.pending} pending, ${x.securityPending} security`,
        `${y.pending} pending, ${y.securityPending} security`,
        y.securityPending > x.securityPending,
      );
    }
  }
  for (const ref of keys(a.rows, b.rows)) {
    const [x, y] = [a.rows[ref], b.rows[ref]];
    if (x !== y) add('verdict-changed', ref, x ?? null, y ?? null, rank(y) > rank(x));
  }
  return changes;
}

/**
 * Whether the service on a port open in both runs changed. A service nmap did not identify in one run (-sV ran out
 * of time or failed there) is unknown in it, not changed. Two runs that recorded nmap's `name` describe every port
 * in full and are compared so; a run stored before described an undeclared port by its name alone and a declared one
 * in full, so against it only the name is compared (the first word, without its tunnel: "ssl/http nginx" is "http").
 */
function serviceChanged(x: OpenPort, y: OpenPort): boolean {
  if (x.identified === false || y.identified === false) return false;
  if (x.name !== undefined && y.name !== undefined) return x.service !== y.service;
  const name = (p: OpenPort) => (p.name ?? p.service).split(' ', 1)[0]!.replace(/^[^/]*\//, '');
  return name(x) !== name(y);
}

/** Whether a run swept a port: its gateway's sweep was judged and covered the port (every port, when the report does not say). */
function sweptBy(state: ObservedState): (port: OpenPort) => boolean {
  const lists = new Map<string, Set<number>>();
  return ({ gateway, port, transport }) => {
    const scope = state.swept[gateway];
    if (scope === undefined) return false;
    if (scope === null) return true;
    const key = `${transport} ${gateway}`;
    let ports = lists.get(key);
    if (!ports) lists.set(key, (ports = new Set(expandPortList(scope[transport]))));
    return ports.has(port);
  };
}

export function describeChange(c: Change): string {
  const what = c.kind.replace(/-/g, ' ');
  return `${what}: ${c.subject}${c.before !== null ? ` (was ${c.before})` : ''}${c.after !== null ? ` (now ${c.after})` : ''}`;
}
