import type { Session } from 'net-snmp';
import type { Target } from './client.ts';
import { walkOids, type WalkBudget, type WalkReader, type WalkResult } from './walk.ts';

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

/**
 * Finds which subtrees a community can read: GETNEXT from 1.3.6.1, then past the end of each subtree found,
 * one request per readable subtree. Bounded by the walk budget (maxEntries counts subtrees); the `values` of the
 * result are the subtrees' prefixes, in order.
 */
export function readableSubtrees(
  session: Session,
  options: { target: Target; budget: WalkBudget; signal: AbortSignal; now?: () => number },
): Promise<WalkResult> {
  return walkOids(session, VIEW_ROOT, { ...options, bulk: false }, SUBTREES);
}

/** Keeps the subtree an answered OID lies in, and goes on from the first OID past it (its last arc plus one). */
const SUBTREES: WalkReader = {
  visit: (oid) => {
    const prefix = oid.slice(0, SUBTREE_ARCS);
    const value = prefix.join('.');
    const last = prefix[prefix.length - 1]!;
    if (last >= MAX_ARC) return { value, end: `the agent's view ends in ${value}` };
    return { value, next: [...prefix.slice(0, -1), last + 1] };
  },
  scope: 'view',
  noun: 'subtrees',
};
