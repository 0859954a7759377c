/** `iptables-save` / `ip6tables-save`: the filter table's chains and rules, as the evaluator reads them. */
import {
  all,
  negate,
  portsMatch,
  protocolMatches,
  statesMatch,
  type Action,
  type Chain,
  type Packet,
  sourcesMatch,
  type Rule,
  type Tri,
} from './ruleset-eval.ts';

export interface IptablesFilter {
  chains: Map<string, Chain>;
  input: Chain | undefined;
}

/** The `*filter` table, or undefined when the dump has none. */
export function parseIptablesFilter(text: string): IptablesFilter | undefined {
  const body = /^\*filter\s*$([\s\S]*?)^COMMIT\s*$/m.exec(text)?.[1];
  if (body === undefined) return undefined;
  const chains = new Map<string, Chain>();
  const lines = body.split('\n').map((l) => l.trim());
  for (const line of lines) {
    const head = /^:(\S+)\s+(\S+)/.exec(line);
    if (head) chains.set(head[1]!, { rules: [], ...(head[2] === '-' ? {} : { policy: head[2] === 'DROP' ? 'drop' : 'accept' }) });
  }
  for (const line of lines) {
    const rule = /^-A\s+(\S+)\s+(.*)$/.exec(line);
    if (!rule) continue;
    const chain = chains.get(rule[1]!);
    if (chain) chain.rules.push(parseIptablesRule(rule[2]!, chains));
  }
  // A policy written other than ACCEPT or DROP (by hand, in lower case) is not something iptables-restore takes.
  const inputHead = /^:INPUT\s+(\S+)/m.exec(body)?.[1];
  const input = chains.get('INPUT');
  if (input && inputHead !== 'ACCEPT' && inputHead !== 'DROP') input.rules.unshift({ match: () => 'maybe', action: { kind: 'unknown' } });
  return { chains, input };
}

function tokens(text: string): string[] {
  return text.match(/"(?:[^"\\]|\\.)*"|\S+/g) ?? [];
}

const BUILTIN: Readonly<Record<string, Action['kind']>> = {
  ACCEPT: 'accept',
  DROP: 'drop',
  REJECT: 'reject',
  RETURN: 'return',
  LOG: 'none',
  NFLOG: 'none',
  MARK: 'none',
  CONNMARK: 'none',
  TRACE: 'none',
};

export function parseIptablesRule(text: string, chains: ReadonlyMap<string, Chain>): Rule {
  const words = tokens(text);
  const conditions: ((packet: Packet) => Tri)[] = [];
  let action: Action = { kind: 'none' };
  let negated = false;
  for (let i = 0; i < words.length; i += 1) {
    const word = words[i]!;
    const value = words[i + 1] ?? '';
    const not = negated;
    negated = false;
    const add = (test: (packet: Packet) => Tri) => conditions.push(not ? (p) => negate(test(p)) : test);
    if (word === '!') {
      negated = true;
      continue;
    }
    if (word === '-j' || word === '-g') {
      const builtin = Object.hasOwn(BUILTIN, value) ? BUILTIN[value] : undefined;
      if (builtin) action = { kind: builtin } as Action;
      else if (chains.has(value)) action = { kind: word === '-j' ? 'jump' : 'goto', chain: value };
      else action = { kind: 'unknown' };
      break;
    }
    i += 1;
    if (word === '-p' || word === '--protocol') add((p) => protocolMatches(value, p.proto));
    else if (word === '--dport' || word === '--destination-port' || word === '--dports' || word === '--destination-ports') {
      add((p) => portsMatch(value.split(','), p.port));
    } else if (word === '--sport' || word === '--sports' || word === '--source-port' || word === '--source-ports') add(() => 'maybe');
    else if (word === '-i' || word === '--in-interface') add(() => (value === 'lo' ? 'no' : 'maybe'));
    else if (word === '-s' || word === '--source') add((p) => sourcesMatch(value.split(','), p));
    else if (word === '-d' || word === '--destination') add(() => 'maybe');
    else if (word === '--ctstate' || word === '--state') add(() => statesMatch(value.split(',')));
    else if (word === '-m' || word === '--match' || word === '--comment') continue;
    else if (word === '--icmp-type' || word === '--icmpv6-type') add(() => 'no');
    else {
      // Not understood: the rule may match, and the options after it cannot be paired up safely.
      conditions.push(() => 'maybe');
      const jump = words.indexOf('-j', i);
      if (jump >= 0) i = jump - 1;
    }
  }
  return { match: (packet) => all(conditions.map((c) => c(packet))), action };
}
