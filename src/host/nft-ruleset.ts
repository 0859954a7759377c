/** `nft list ruleset` as chains of rules the evaluator reads, per table. */
import {
  all,
  negate,
  portsMatch,
  protocolMatches,
  statesMatch,
  type Action,
  type Chain,
  type Family,
  type Packet,
  sourcesMatch,
  type Rule,
  type Tri,
} from './ruleset-eval.ts';

export interface NftBaseChain {
  table: string;
  name: string;
  chain: Chain;
}

export interface NftTable {
  family: string;
  name: string;
  chains: Map<string, Chain>;
  /** Chains of type filter on the input hook. */
  inputChains: NftBaseChain[];
}

/** The families a table's rules see: ip is IPv4, ip6 IPv6, inet both; bridge, arp and netdev are not the host's input. */
export function tableFamilies(family: string): Family[] {
  if (family === 'ip') return ['ipv4'];
  if (family === 'ip6') return ['ipv6'];
  if (family === 'inet') return ['ipv4', 'ipv6'];
  return [];
}

const braces = (line: string) => (line.match(/\{/g)?.length ?? 0) - (line.match(/\}/g)?.length ?? 0);

/** Tables, their chains and rules, by the nesting of braces in the listing. */
export function parseNftRuleset(text: string): NftTable[] {
  const tables: NftTable[] = [];
  let table: NftTable | undefined;
  let chain: { name: string; chain: Chain; base: boolean } | undefined;
  let depth = 0;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/^\s+|\s+$/g, '');
    if (!line || line.startsWith('#')) continue;
    const before = depth;
    depth = Math.max(0, depth + braces(line));
    if (before === 0) {
      const head = /^table\s+(\S+)\s+(\S+)\s*\{$/.exec(line);
      table = head ? { family: head[1]!, name: head[2]!, chains: new Map(), inputChains: [] } : undefined;
      if (table) tables.push(table);
      continue;
    }
    if (!table) continue;
    if (before === 1) {
      const head = /^chain\s+(\S+)\s*\{$/.exec(line);
      chain = head ? { name: head[1]!, chain: { rules: [] }, base: false } : undefined;
      if (chain) table.chains.set(chain.name, chain.chain);
      continue;
    }
    if (before !== 2 || !chain || line === '}') continue;
    if (/^type\s/.test(line)) {
      if (/^type\s+filter\s+hook\s+input\b/.test(line)) {
        chain.chain.policy = /policy\s+drop\s*;?/.test(line) ? 'drop' : 'accept';
        table.inputChains.push({ table: `${table.family} ${table.name}`, name: chain.name, chain: chain.chain });
      }
      continue;
    }
    if (/^(comment|policy|devices)\b/.test(line)) continue;
    chain.chain.rules.push(parseNftRule(line));
  }
  return tables;
}

/** Words, with quoted strings and `{ … }` sets kept whole. */
function tokens(line: string): string[] {
  return line.match(/"[^"]*"|\{[^}]*\}|\S+/g) ?? [];
}

const setValues = (token: string): string[] =>
  token.startsWith('{')
    ? token
        .slice(1, -1)
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean)
    : [token];

const unquote = (value: string) => value.replace(/^"(.*)"$/, '$1');

/** One rule line: its conditions, then its verdict at the end. */
export function parseNftRule(line: string): Rule {
  const words = tokens(line);
  const action = nftAction(words);
  const match = nftMatch(words);
  return { match, action };
}

function nftAction(words: string[]): Action {
  for (let i = 0; i < words.length; i += 1) {
    const word = words[i]!;
    if (word === 'accept' || word === 'drop') return { kind: word };
    if (word === 'reject') return { kind: 'reject' };
    if (word === 'return') return { kind: 'return' };
    if ((word === 'jump' || word === 'goto') && words[i + 1]) return { kind: word, chain: words[i + 1]! };
    if (word === 'queue' || word === 'continue') return { kind: 'unknown' };
  }
  return { kind: 'none' };
}

/** Statements that neither match nor decide: counters, logging, comments. */
const NEUTRAL = new Set(['counter', 'log', 'accept', 'drop', 'reject', 'return', 'jump', 'goto']);

function nftMatch(words: string[]): (packet: Packet) => Tri {
  const conditions: ((packet: Packet) => Tri)[] = [];
  let i = 0;
  const operand = (at: number): [boolean, string, number] => {
    const negated = words[at] === '!=';
    const start = negated || words[at] === '==' ? at + 1 : at;
    return [negated, words[start] ?? '', start + 1];
  };
  const add = (negated: boolean, test: (packet: Packet) => Tri) => conditions.push(negated ? (p) => negate(test(p)) : test);
  while (i < words.length) {
    const word = words[i]!;
    const next = words[i + 1];
    if (NEUTRAL.has(word)) break;
    if (word === 'iif' || word === 'iifname' || (word === 'meta' && (next === 'iif' || next === 'iifname'))) {
      const [negated, value, after] = operand(word === 'meta' ? i + 2 : i + 1);
      const loopback = setValues(value).every((v) => unquote(v) === 'lo');
      add(negated, () => (loopback ? 'no' : 'maybe'));
      i = after;
    } else if (word === 'ct' && next === 'state') {
      const [negated, value, after] = operand(i + 2);
      const states = setValues(value).flatMap((v) => v.split(','));
      add(negated, () => statesMatch(states));
      i = after;
    } else if ((word === 'tcp' || word === 'udp' || word === 'th') && (next === 'dport' || next === 'sport')) {
      const [negated, value, after] = operand(i + 2);
      const values = value.startsWith('@') ? ['@set'] : setValues(value);
      const proto = word;
      const port = next;
      conditions.push((p) => {
        if (proto !== 'th' && proto !== p.proto) return 'no';
        const hit = port === 'sport' ? 'maybe' : portsMatch(values, p.port);
        return negated ? negate(hit) : hit;
      });
      i = after;
    } else if (
      (word === 'meta' && next === 'l4proto') ||
      (word === 'ip' && next === 'protocol') ||
      (word === 'ip6' && next === 'nexthdr')
    ) {
      const [negated, value, after] = operand(i + 2);
      const family = word === 'ip' ? 'ipv4' : word === 'ip6' ? 'ipv6' : undefined;
      const values = setValues(value);
      conditions.push((p) => {
        if (family && p.family !== family) return 'no';
        const hit = values.map((v) => protocolMatches(v, p.proto));
        const any: Tri = hit.includes('yes') ? 'yes' : hit.includes('maybe') ? 'maybe' : 'no';
        return negated ? negate(any) : any;
      });
      i = after;
    } else if (word === 'meta' && next === 'nfproto') {
      const [negated, value, after] = operand(i + 2);
      const values = setValues(value);
      add(negated, (p) => (values.includes(p.family) ? 'yes' : 'no'));
      i = after;
    } else if ((word === 'ip' || word === 'ip6') && (next === 'saddr' || next === 'daddr')) {
      const [negated, value, after] = operand(i + 2);
      const family = word === 'ip' ? 'ipv4' : 'ipv6';
      const source = next === 'saddr';
      conditions.push((p) => {
        if (p.family !== family) return 'no';
        // The default is the verdict for a source no rule names; a destination depends on the address probed.
        const hit: Tri = source ? sourcesMatch(value.startsWith('@') ? [value] : setValues(value), p) : 'maybe';
        return negated ? negate(hit) : hit;
      });
      i = after;
    } else if (word === 'icmp' || word === 'icmpv6' || (word === 'meta' && next === 'protocol')) {
      // An ICMP match never takes a TCP or UDP packet; an ethertype match is not understood.
      conditions.push(() => (word === 'meta' ? 'maybe' : 'no'));
      break;
    } else if (word === 'comment') {
      i += 2;
    } else {
      conditions.push(() => 'maybe');
      break;
    }
  }
  return (packet) => all(conditions.map((c) => c(packet)));
}
