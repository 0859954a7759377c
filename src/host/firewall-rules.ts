/** Reading a host firewall's input policy out of the ruleset dumps each tool prints. */
export interface PolicyReading {
  tool: string;
  /** deny: inbound is dropped or rejected unless a rule allows it; open: accepted by default; none: nothing configured. */
  policy: 'deny' | 'open' | 'none';
  detail: string;
}

/** `nft list ruleset`: input-hook chains and their policy (or a final drop/reject rule). */
export function readNftRuleset(text: string): PolicyReading {
  const chains = [...text.matchAll(/table\s+(\S+)\s+(\S+)\s*\{([\s\S]*?)\n\}/g)].flatMap((table) =>
    [...table[3]!.matchAll(/chain\s+(\S+)\s*\{([\s\S]*?)\n\t?\s*\}/g)].map((chain) => ({
      table: `${table[1]} ${table[2]}`,
      name: chain[1]!,
      body: chain[2]!,
    })),
  );
  const input = chains.filter((c) => /type\s+filter\s+hook\s+input\b/.test(c.body));
  if (input.length === 0)
    return { tool: 'nftables', policy: 'none', detail: chains.length === 0 ? 'empty ruleset' : 'no chain hooks input' };
  for (const chain of input) {
    const policy = /policy\s+(accept|drop)\s*;/.exec(chain.body)?.[1] ?? 'accept';
    const rules = chain.body
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('type '));
    const last = rules[rules.length - 1] ?? '';
    if (policy === 'drop') return { tool: 'nftables', policy: 'deny', detail: `table ${chain.table}, chain ${chain.name}: policy drop` };
    if (/^(drop|reject)\b/.test(last) || (/\b(drop|reject)( with .*)?$/.test(last) && !/\b(dport|sport|saddr|daddr|iif|ct)\b/.test(last))) {
      return { tool: 'nftables', policy: 'deny', detail: `table ${chain.table}, chain ${chain.name}: ends with "${last}"` };
    }
  }
  return { tool: 'nftables', policy: 'open', detail: input.map((c) => `table ${c.table}, chain ${c.name}: policy accept`).join('; ') };
}

/** `iptables-save`: the filter table's INPUT policy, or a final catch-all DROP/REJECT. */
export function readIptablesSave(text: string): PolicyReading {
  const filter = /\*filter\n([\s\S]*?)\nCOMMIT/.exec(text)?.[1];
  if (!filter) return { tool: 'iptables', policy: 'none', detail: 'no filter table' };
  const policy = /^:INPUT\s+(ACCEPT|DROP)/m.exec(filter)?.[1];
  if (policy === 'DROP') return { tool: 'iptables', policy: 'deny', detail: 'INPUT policy DROP' };
  const rules = filter.split('\n').filter((l) => l.startsWith('-A INPUT '));
  const last = rules[rules.length - 1] ?? '';
  if (/^-A INPUT -j (DROP|REJECT)\b/.test(last)) return { tool: 'iptables', policy: 'deny', detail: `INPUT ends with "${last}"` };
  return {
    tool: 'iptables',
    policy: rules.length === 0 && policy !== 'DROP' ? 'none' : 'open',
    detail: `INPUT policy ${policy ?? 'ACCEPT'}, ${rules.length} rule(s), no final drop`,
  };
}

/** `ufw status verbose`. */
export function readUfwStatus(text: string): PolicyReading {
  if (!/Status:\s*active/i.test(text)) return { tool: 'ufw', policy: 'none', detail: 'ufw is inactive' };
  const incoming = /Default:\s*(\w+)\s*\(incoming\)/i.exec(text)?.[1]?.toLowerCase();
  return incoming === 'deny' || incoming === 'reject'
    ? { tool: 'ufw', policy: 'deny', detail: `active, default ${incoming} (incoming)` }
    : { tool: 'ufw', policy: 'open', detail: `active, default ${incoming ?? 'unknown'} (incoming)` };
}

/** `firewall-cmd --state && firewall-cmd --list-all`. */
export function readFirewalld(text: string): PolicyReading {
  if (!/^running/m.test(text)) return { tool: 'firewalld', policy: 'none', detail: 'firewalld is not running' };
  const target = /target:\s*(\S+)/.exec(text)?.[1] ?? 'default';
  return target === 'ACCEPT'
    ? { tool: 'firewalld', policy: 'open', detail: 'zone target ACCEPT' }
    : { tool: 'firewalld', policy: 'deny', detail: `zone target ${target} (unlisted services are rejected)` };
}

/** One ruleset dump that could be read, by the command name that produced it. */
export interface FirewallReading {
  source: string;
  reading: PolicyReading;
}

export type FirewallJudgement =
  | { status: 'pass'; detail: string; sources: string[] }
  | { status: 'fail'; detail: string; sources: string[] }
  /** `partial`: what the tools that were read show, when others could not be read in full (`unread`). */
  | { status: 'not_tested'; sources: []; partial?: string; unread: string[] };

/**
 * The host firewall verdict: any tool showing a default-deny inbound policy passes; readings that are all
 * open or empty fail, unless a tool timed out or its output was cut (`unread`): that one may hold the deny
 * policy, so the verdict is not tested; no reading at all is not tested (the caller says which tools could
 * not be read).
 */
export function judgeFirewall(readings: readonly FirewallReading[], unread: readonly string[] = []): FirewallJudgement {
  const deny = readings.find((r) => r.reading.policy === 'deny');
  if (deny) return { status: 'pass', detail: `${deny.reading.tool}, ${deny.reading.detail}`, sources: [deny.source] };
  const detail = readings.map((r) => `${r.reading.tool}: ${r.reading.detail}`).join('; ');
  if (readings.length > 0 && unread.length === 0) return { status: 'fail', detail, sources: readings.map((r) => r.source) };
  return { status: 'not_tested', sources: [], unread: [...unread], ...(detail ? { partial: detail } : {}) };
}

/** Reads each dump that was obtained (by command name) with its tool's reader, in a fixed order. */
export function readFirewallDumps(dumps: ReadonlyMap<string, string>): FirewallReading[] {
  const readers: [string, (text: string) => PolicyReading][] = [
    ['nft-ruleset', readNftRuleset],
    ['iptables-save', readIptablesSave],
    ['ufw-status', readUfwStatus],
    ['firewalld', readFirewalld],
  ];
  return readers.flatMap(([source, read]) => {
    const text = dumps.get(source);
    return text === undefined ? [] : [{ source, reading: read(text) }];
  });
}

export const FIREWALL_SOURCES = ['nft-ruleset', 'iptables-save', 'ufw-status', 'firewalld'] as const;
