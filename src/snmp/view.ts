import type { Session, Varbind } from 'net-snmp';
import { ask, type Target } from './client.ts';
import { compareOids, isBelow, parseOid, type Oid } from './oid.ts';
import { exceptionOf, renderValue } from './values.ts';
import type { WalkBudget, WalkResult, WalkStop } from './walk.ts';

/** Where a view walk starts: the whole internet subtree, so a community restricted to any view is seen. */
export const VIEW_ROOT = '1.3.6.1';
/** Sub-identifiers of a readable subtree as reported (1.3.6.1.2.1.2 is interfaces, 1.3.6.1.4.1.8072 an enterprise). */
const SUBTREE_ARCS = 7;
const MAX_ARC = 0xffffffff;

const NAMES = new Map<string, string>([
  ['1.3.6.1.2.1.1', 'system'],
  ['1.3.6.1.2.1.2', 'interfaces'],
  ['1.3.6.1.2.1.3', 'at'],
  ['1.3.6.1.2.1.4', 'ip'],
  ['1.3.6.1.2.1.5', 'icmp'],
  ['1.3.6.1.2.1.6', 'tcp'],
  ['1.3.6.1.2.1.7', 'udp'],
  ['1.3.6.1.2.1.10', 'transmission'],
  ['1.3.6.1.2.1.11', 'snmp'],
  ['1.3.6.1.2.1.25', 'host resources'],
  ['1.3.6.1.2.1.31', 'IF-MIB ifMIB'],
  ['1.3.6.1.2.1.55', 'IPv6 MIB'],
  ['1.3.6.1.2.1.88', 'event MIB'],
  ['1.3.6.1.2.1.92', 'notification log'],
  ['1.3.6.1.6.3.10', 'SNMP framework'],
  ['1.3.6.1.6.3.11', 'SNMP MPD'],
  ['1.3.6.1.6.3.12', 'SNMP target'],
  ['1.3.6.1.6.3.13', 'SNMP notification'],
  ['1.3.6.1.6.3.15', 'USM'],
  ['1.3.6.1.6.3.16', 'VACM'],
]);

/** A readable subtree as the evidence names it: "1.3.6.1.2.1.2 (interfaces)". */
export function describeSubtree(prefix: string): string {
  const name = NAMES.get(prefix) ?? (prefix.startsWith('1.3.6.1.4.1.') ? 'enterprise' : undefined);
  return name ? `${prefix} (${name})` : prefix;
}

/** v1 answers a GETNEXT past the end of its view with noSuchName (error status 2). */
const NO_SUCH_NAME = 2;

/**
 * Finds which subtrees a community can read: GETNEXT from 1.3.6.1, then past the end of each subtree found,
 * one request per readable subtree. Bounded by the walk budget (maxEntries counts subtrees); the `values` of the
 * result are the subtrees' prefixes, in order.
 */
export async function readableSubtrees(
  session: Session,
  options: { target: Target; budget: WalkBudget; signal: AbortSignal; now?: () => number },
): Promise<WalkResult> {
  const now = options.now ?? (() => performance.now());
  const { budget, signal } = options;
  const root = parseOid(VIEW_ROOT);
  const deadline = now() + budget.maxSeconds * 1000;
  const values: string[] = [];
  let requests = 0;
  let from: Oid = root;
  const end = (stop: WalkStop, reason: string): WalkResult => ({
    values,
    requests,
    complete: stop === 'end-of-subtree' || stop === 'end-of-mib',
    stop,
    reason,
  });

  for (;;) {
    if (signal.aborted) return end('aborted', `the run was interrupted after ${requests} request(s)`);
    if (requests >= budget.maxRequests) return end('max-requests', `stopped after ${requests} requests (walkMaxRequests)`);
    if (now() >= deadline) return end('max-seconds', `stopped after ${budget.maxSeconds} s (walkMaxSeconds)`);
    requests += 1;
    const fromText = from.join('.');
    const outcome = await ask<Varbind[]>(session, options.target, signal, (done) => session.getNext([fromText], done), deadline - now());
    if (!outcome.ok) {
      if (outcome.aborted) return end('aborted', `the run was interrupted after ${requests} request(s)`);
      if (outcome.budgetSpent || now() >= deadline) return end('max-seconds', `stopped after ${budget.maxSeconds} s (walkMaxSeconds)`);
      const status = (outcome.error as { status?: unknown } | undefined)?.status;
      if (status === NO_SUCH_NAME) return end('end-of-mib', 'the agent answered noSuchName: the end of its view');
      if (typeof status === 'number')
        return end('error-status', `the agent answered with an error status (${outcome.reason}) after ${fromText}`);
      if (outcome.error?.name === 'ResponseInvalidError') return end('bad-reply', `the agent sent an invalid reply: ${outcome.reason}`);
      return end('no-answer', `${outcome.reason} (request ${requests}, after ${fromText})`);
    }
    const varbind = Array.isArray(outcome.value) ? outcome.value[0] : undefined;
    if (!varbind) return end('bad-reply', `the agent answered a GETNEXT with no varbind after ${fromText}`);
    const exception = exceptionOf(varbind);
    if (exception === 'endOfMibView') return end('end-of-mib', 'the agent answered endOfMibView: the end of its view');
    if (exception) return end('exception-value', `the agent answered ${exception} for ${renderValue(varbind.oid)} after ${fromText}`);
    let oid: Oid;
    try {
      oid = parseOid(varbind.oid);
    } catch (error) {
      return end('bad-reply', (error as Error).message);
    }
    if (compareOids(oid, from) <= 0)
      return end('non-increasing-oid', `the agent answered ${renderValue(varbind.oid)} after ${fromText}: OIDs must increase`);
    if (!isBelow(root, oid)) return end('end-of-subtree', `the agent went past ${VIEW_ROOT}`);
    const prefix = oid.slice(0, SUBTREE_ARCS);
    values.push(prefix.join('.'));
    if (values.length >= budget.maxEntries) return end('max-entries', `stopped at ${budget.maxEntries} subtrees (walkMaxEntries)`);
    // Next: the first OID past this subtree (its last sub-identifier plus one).
    const last = prefix[prefix.length - 1]!;
    if (last >= MAX_ARC) return end('end-of-mib', `the agent's view ends in ${prefix.join('.')}`);
    from = [...prefix.slice(0, -1), last + 1];
  }
}
