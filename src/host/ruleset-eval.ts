/**
 * Evaluating an input ruleset in order, per address family, for one kind of new inbound connection: a protocol
 * and a destination port, from a source no rule names. Only simple matches are understood (protocol, port,
 * loopback interface, connection state, named sources); a rule the reader cannot evaluate that could decide the
 * packet makes the verdict `unknown`, never accept or drop.
 */
import { cidrContains, parseCidr, type Cidr } from '../connection/cidr.ts';

export type Family = 'ipv4' | 'ipv6';
export const FAMILIES: readonly Family[] = ['ipv4', 'ipv6'];
export const FAMILY_NAMES: Readonly<Record<Family, string>> = { ipv4: 'IPv4', ipv6: 'IPv6' };

export type PortVerdict = 'accept' | 'drop' | 'reject' | 'unknown';

/** A new connection from outside: `port` undefined stands for a port no rule names. */
export interface Packet {
  family: Family;
  proto: 'tcp' | 'udp';
  port: number | undefined;
  /** One source address (a block of one); undefined for a source no rule names. */
  source?: Cidr;
}

/** Whether a rule's match applies to a packet; `maybe` when it depends on what the reader cannot see. */
export type Tri = 'yes' | 'no' | 'maybe';

export type Action = { kind: 'accept' | 'drop' | 'reject' | 'return' | 'none' | 'unknown' } | { kind: 'jump' | 'goto'; chain: string };

export interface Rule {
  match: (packet: Packet) => Tri;
  action: Action;
}

export interface Chain {
  rules: Rule[];
  /** Base chains only. */
  policy?: 'accept' | 'drop';
}

/** `end`: the chain ran out (or returned); `next`: the rule decided nothing, go on. */
type Outcome = PortVerdict | 'end';

const MAX_DEPTH = 16;

/** The verdict of a base chain for a packet: its rules in order, then its policy. */
export function evaluateBaseChain(chains: ReadonlyMap<string, Chain>, chain: Chain, packet: Packet): PortVerdict {
  const outcome = runRules(chains, chain.rules, packet, 0, chain.policy ?? 'accept');
  return outcome === 'end' ? (chain.policy ?? 'accept') : outcome;
}

/** Every base chain on the hook must let a packet through: the first refusal decides, any unknown is unknown. */
export function combineChains(verdicts: readonly PortVerdict[]): PortVerdict {
  return verdicts.find((v) => v === 'drop' || v === 'reject') ?? (verdicts.includes('unknown') ? 'unknown' : 'accept');
}

/**
 * `fallThrough`: what running off the end means (a base chain's policy); in a jumped-to chain it means going on in
 * the caller, which this chain cannot see, so a rule that may apply there is unknown unless it also ends the chain.
 */
function runRules(
  chains: ReadonlyMap<string, Chain>,
  rules: readonly Rule[],
  packet: Packet,
  depth: number,
  fallThrough: Outcome = 'end',
): Outcome {
  // Rules that may or may not apply: the packet's fate is known only when every way agrees. Kept in a list, not
  // by recursion, so that a ruleset of many thousand such rules cannot overflow the stack.
  const maybe: Outcome[] = [];
  let outcome: Outcome = fallThrough;
  for (const rule of rules) {
    const match = rule.match(packet);
    if (match === 'no') continue;
    const taken = act(chains, rule.action, packet, depth);
    if (taken === 'next') continue;
    if (match === 'yes') {
      outcome = taken === 'end' ? fallThrough : taken;
      break;
    }
    maybe.push(taken === 'end' ? fallThrough : taken);
  }
  return maybe.reduceRight<Outcome>((rest, taken) => agree(taken, rest), outcome);
}

function agree(a: Outcome, b: Outcome): Outcome {
  if (a === b) return a;
  const deny = (o: Outcome) => o === 'drop' || o === 'reject';
  return deny(a) && deny(b) ? 'drop' : 'unknown';
}

function act(chains: ReadonlyMap<string, Chain>, action: Action, packet: Packet, depth: number): Outcome | 'next' {
  switch (action.kind) {
    case 'none':
      return 'next';
    case 'return':
      return 'end';
    case 'jump':
    case 'goto': {
      const target = chains.get(action.chain);
      if (!target || depth >= MAX_DEPTH) return 'unknown';
      const outcome = runRules(chains, target.rules, packet, depth + 1);
      if (outcome !== 'end') return outcome;
      return action.kind === 'jump' ? 'next' : 'end';
    }
    default:
      return action.kind;
  }
}

/** All of a rule's conditions hold: any no is no, any maybe makes it maybe. */
export function all(results: readonly Tri[]): Tri {
  if (results.includes('no')) return 'no';
  return results.includes('maybe') ? 'maybe' : 'yes';
}

export const negate = (t: Tri): Tri => (t === 'yes' ? 'no' : t === 'no' ? 'yes' : 'maybe');

/** Ports written as "22", "1000-2000" or "1000:2000", or a list of them; a name or anything else is unknown. */
export function portsMatch(values: readonly string[], port: number | undefined): Tri {
  let result: Tri = 'no';
  for (const value of values) {
    const range = /^(\d+)(?:[-:](\d+))?$/.exec(value.trim());
    const named = SERVICE_PORTS.get(value.trim());
    if (!range && named === undefined) return 'maybe';
    const low = named ?? Number(range![1]);
    const high = named ?? Number(range![2] ?? range![1]);
    if (port === undefined) {
      // A port no rule names is inside a range, but never one of the single ports.
      if (high > low) result = 'maybe';
    } else if (port >= low && port <= high) return 'yes';
  }
  return result;
}

const SERVICE_PORTS = new Map<string, number>([
  ['ssh', 22],
  ['domain', 53],
  ['http', 80],
  ['https', 443],
  ['snmp', 161],
  ['ntp', 123],
]);

/** Connection states: a new inbound connection is in state NEW (and matches none of the others). */
export function statesMatch(values: readonly string[]): Tri {
  const states = values.map((v) => v.toLowerCase());
  if (states.some((s) => !/^(new|established|related|invalid|untracked|snat|dnat)$/.test(s))) return 'maybe';
  return states.includes('new') ? 'yes' : 'no';
}

/** A protocol name or number as a match for a TCP or UDP packet. */
export function protocolMatches(value: string, proto: 'tcp' | 'udp'): Tri {
  const name = value.toLowerCase();
  if (name === 'tcp' || name === '6') return proto === 'tcp' ? 'yes' : 'no';
  if (name === 'udp' || name === '17') return proto === 'udp' ? 'yes' : 'no';
  if (name === 'all' || name === '0') return 'yes';
  if (/^(icmp|ipv6-icmp|icmpv6|1|58|esp|ah|gre|sctp|igmp|udplite)$/.test(name)) return 'no';
  return 'maybe';
}

/**
 * A source match (`ip saddr …`, `-s …`) for a packet: without a source, a source no rule names, so never; with one,
 * whether an address or block of the list holds it. A named set, a range or a name cannot be evaluated here.
 */
export function sourcesMatch(values: readonly string[], packet: Packet): Tri {
  if (!packet.source) return values.some((v) => v.startsWith('@')) ? 'maybe' : 'no';
  let result: Tri = 'no';
  for (const value of values) {
    const block = parseCidr(value);
    if (!block) result = 'maybe';
    else if (cidrContains(block, packet.source)) return 'yes';
  }
  return result;
}
