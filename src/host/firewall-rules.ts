/** Reading a host firewall's inbound verdicts, per address family, out of the ruleset dumps each tool prints. */
import { parseCidr, type Cidr } from '../connection/cidr.ts';
import { parseIptablesFilter } from './iptables-ruleset.ts';
import { parseNftRuleset, tableFamilies } from './nft-ruleset.ts';
import {
  combineChains,
  evaluateBaseChain,
  FAMILIES,
  FAMILY_NAMES,
  type Chain,
  type Family,
  type Packet,
  type PortVerdict,
} from './ruleset-eval.ts';
import { candidateBudget, namedBlocks, sourceCandidates } from './source-candidates.ts';

export type { Family, PortVerdict } from './ruleset-eval.ts';

/** A declared flow's port, whose verdict the reading gives. */
export interface DeclaredPort {
  transport: 'tcp' | 'udp';
  port: number;
  /** The flow's name and its only allowed sources, when the connection file restricts it. */
  flow?: string;
  sources?: readonly string[];
}

/** For a flow open only to given sources: what the port does for every other source. */
export interface OtherSources {
  /** accept when some other source gets through (`allowed` names it); unknown when the reader cannot tell. */
  verdict: PortVerdict;
  allowed?: string;
}

/** What one tool shows for one address family. */
export interface FamilyView {
  /** Where the verdict comes from: "table inet fw, chain input (policy drop)", "filter INPUT (policy DROP)". */
  where: string;
  /** New connections to a port no rule names, from a source no rule names. */
  undeclared: { tcp: PortVerdict; udp: PortVerdict };
  declared: { transport: 'tcp' | 'udp'; port: number; verdict: PortVerdict; others?: OtherSources }[];
  /** The tool filters nothing here (no table, inactive): not shown beside a tool that does. */
  unconfigured?: true;
}

export interface PolicyReading {
  tool: string;
  /** The families the tool's output covers. */
  families: Partial<Record<Family, FamilyView>>;
}

/** deny: undeclared ports are dropped or rejected; open: accepted; unknown: the reader cannot tell. */
export type FamilyPolicy = 'deny' | 'open' | 'unknown';

export function familyPolicy(view: FamilyView): FamilyPolicy {
  const { tcp, udp } = view.undeclared;
  if (tcp === 'accept' || udp === 'accept') return 'open';
  return tcp === 'unknown' || udp === 'unknown' ? 'unknown' : 'deny';
}

const sameView = (verdict: PortVerdict, declared: readonly DeclaredPort[], where: string): FamilyView => ({
  where,
  undeclared: { tcp: verdict, udp: verdict },
  declared: declared.map((d) => ({ ...d, verdict, ...(d.sources ? { others: { verdict, allowed: 'any source' } } : {}) })),
});
const unconfigured = (declared: readonly DeclaredPort[], where: string): FamilyView => ({
  ...sameView('accept', declared, where),
  unconfigured: true,
});

/** The address blocks a dump names, and how many stretches between them its length lets be evaluated. */
interface NamedSources {
  blocks: readonly Cidr[];
  budget: number;
}
/** Read only when a flow names its sources: the other readings never pay for it. */
const namedSources = (text: string, declared: readonly DeclaredPort[]): NamedSources =>
  declared.some((d) => d.sources)
    ? { blocks: namedBlocks(text), budget: candidateBudget(text.split('\n').length) }
    : { blocks: [], budget: 0 };

/** Each packet's verdict through the base chains of one hook. */
function evaluate(
  where: string,
  chains: { all: ReadonlyMap<string, Chain>; chain: Chain }[],
  family: Family,
  declared: readonly DeclaredPort[],
  named: NamedSources,
): FamilyView {
  const verdict = (packet: Packet) => combineChains(chains.map((c) => evaluateBaseChain(c.all, c.chain, packet)));
  return {
    where,
    undeclared: { tcp: verdict({ family, proto: 'tcp', port: undefined }), udp: verdict({ family, proto: 'udp', port: undefined }) },
    declared: declared.map((d) => {
      const packet: Packet = { family, proto: d.transport, port: d.port };
      return { ...d, verdict: verdict(packet), ...(d.sources ? { others: otherSources(family, d.sources, named, packet, verdict) } : {}) };
    }),
  };
}

/** The first other source the port accepts, in address order; else drop, or unknown if any could not be evaluated. */
function otherSources(
  family: Family,
  sources: readonly string[],
  named: NamedSources,
  packet: Packet,
  verdict: (packet: Packet) => PortVerdict,
): OtherSources {
  const declared = sources.flatMap((text) => parseCidr(text) ?? []);
  const candidates = sourceCandidates(family, declared, named.blocks, named.budget);
  if (!candidates) return { verdict: 'unknown', allowed: `more than ${named.budget} address ranges to evaluate` };
  let result: PortVerdict = 'drop';
  for (const candidate of candidates) {
    const outcome = verdict({ ...packet, source: candidate.source });
    if (outcome === 'accept') return { verdict: 'accept', allowed: candidate.label };
    if (outcome === 'unknown') result = 'unknown';
  }
  return { verdict: result };
}

/** `nft list ruleset`: every filter chain on the input hook of the tables each family passes through, rules in order. */
export function readNftRuleset(text: string, declared: readonly DeclaredPort[] = []): PolicyReading {
  const tables = parseNftRuleset(text);
  const families: Partial<Record<Family, FamilyView>> = {};
  const named = namedSources(text, declared);
  for (const family of FAMILIES) {
    const chains = tables
      .filter((t) => tableFamilies(t.family).includes(family))
      .flatMap((t) => t.inputChains.map((c) => ({ all: t.chains, chain: c.chain, name: `table ${c.table}, chain ${c.name}` })));
    if (chains.length === 0) {
      const where = tables.length === 0 ? 'empty ruleset' : `no chain hooks input for ${FAMILY_NAMES[family]}`;
      families[family] = unconfigured(declared, where);
      continue;
    }
    const where = chains.map((c) => `${c.name} (policy ${c.chain.policy ?? 'accept'})`).join(' and ');
    families[family] = evaluate(where, chains, family, declared, named);
  }
  return { tool: 'nftables', families };
}

/** `iptables-save` (IPv4) or `ip6tables-save` (IPv6): the filter table's INPUT chain, rules in order, then its policy. */
export function readIptablesSave(text: string, declared: readonly DeclaredPort[] = [], family: Family = 'ipv4'): PolicyReading {
  const tool = family === 'ipv4' ? 'iptables' : 'ip6tables';
  const filter = parseIptablesFilter(text);
  if (!filter?.input) return { tool, families: { [family]: unconfigured(declared, 'no filter table') } };
  const policy = /^:INPUT\s+(\S+)/m.exec(text)?.[1] ?? 'ACCEPT';
  const input = [{ all: filter.chains, chain: filter.input }];
  const view = evaluate(`filter INPUT (policy ${policy})`, input, family, declared, namedSources(text, declared));
  return { tool, families: { [family]: view } };
}

/** `ufw status verbose`: its default incoming policy, for both families; the verdicts of single ports are not read. */
export function readUfwStatus(text: string, declared: readonly DeclaredPort[] = []): PolicyReading {
  const both = (view: FamilyView) => ({ tool: 'ufw', families: { ipv4: view, ipv6: view } });
  if (!/Status:\s*active/i.test(text)) return both(unconfigured(declared, 'ufw is inactive'));
  const incoming = /Default:\s*(\w+)\s*\(incoming\)/i.exec(text)?.[1]?.toLowerCase();
  const verdict: PortVerdict =
    incoming === 'deny' ? 'drop' : incoming === 'reject' ? 'reject' : incoming === 'allow' ? 'accept' : 'unknown';
  return both({ ...sameView(verdict, declared, `active, default ${incoming ?? 'unknown'} (incoming)`), declared: unknownPorts(declared) });
}

/** `firewall-cmd --state && firewall-cmd --list-all`: the zone's target, for both families. */
export function readFirewalld(text: string, declared: readonly DeclaredPort[] = []): PolicyReading {
  const both = (view: FamilyView) => ({ tool: 'firewalld', families: { ipv4: view, ipv6: view } });
  if (!/^running/m.test(text)) return both(unconfigured(declared, 'firewalld is not running'));
  const target = /target:\s*(\S+)/.exec(text)?.[1] ?? 'default';
  const verdict: PortVerdict = target === 'ACCEPT' ? 'accept' : target === 'DROP' ? 'drop' : 'reject';
  const where = target === 'ACCEPT' ? 'zone target ACCEPT' : `zone target ${target} (unlisted services are refused)`;
  return both({ ...sameView(verdict, declared, where), declared: unknownPorts(declared) });
}

const unknownPorts = (declared: readonly DeclaredPort[]) =>
  declared.map((d) => ({ ...d, verdict: 'unknown' as const, ...(d.sources ? { others: { verdict: 'unknown' as const } } : {}) }));

/** One ruleset dump that could be read, by the command name that produced it. */
export interface FirewallReading {
  source: string;
  reading: PolicyReading;
}

/** Each firewall tool's command, and the families its output covers. */
export const FIREWALL_SOURCES = ['nft-ruleset', 'iptables-save', 'ip6tables-save', 'ufw-status', 'firewalld'] as const;
const SOURCE_FAMILIES: Readonly<Record<string, readonly Family[]>> = {
  'nft-ruleset': FAMILIES,
  'iptables-save': ['ipv4'],
  'ip6tables-save': ['ipv6'],
  'ufw-status': FAMILIES,
  firewalld: FAMILIES,
};

/** One family's effective verdict, with the tool views it rests on. */
export interface FamilyJudgement {
  family: Family;
  policy: FamilyPolicy;
  /** The views read for this family; for a deny, the one that denies. */
  views: { source: string; tool: string; view: FamilyView }[];
  /** Tools covering this family whose output could not be read in full. */
  unread: string[];
}

export interface FirewallJudgement {
  status: 'pass' | 'fail' | 'not_tested';
  detail: string;
  /** The commands whose output the verdict rests on. */
  sources: string[];
  families: FamilyJudgement[];
  /** Tools whose output could not be read in full. */
  unread: string[];
}

/**
 * The host firewall verdict, per family: a family denies when any tool's input hook drops or rejects undeclared
 * ports (every hook must let a packet through); it is open when every tool that covers it was read and accepts
 * them. Both families denying passes; any family open fails (naming it); anything else — a rule the reader
 * cannot evaluate, a tool that timed out or was cut (`unread`), a family no tool read — is not tested.
 */
export function judgeFirewall(readings: readonly FirewallReading[], unread: readonly string[] = []): FirewallJudgement {
  const families = FAMILIES.map((family): FamilyJudgement => {
    const views = readings.flatMap((r) => {
      const view = r.reading.families[family];
      return view ? [{ source: r.source, tool: r.reading.tool, view }] : [];
    });
    const unreadHere = unread.filter((name) => (SOURCE_FAMILIES[name] ?? FAMILIES).includes(family));
    const deny = views.find((v) => familyPolicy(v.view) === 'deny');
    if (deny) return { family, policy: 'deny', views: [deny], unread: unreadHere };
    const open = views.length > 0 && unreadHere.length === 0 && views.every((v) => familyPolicy(v.view) === 'open');
    return { family, policy: open ? 'open' : 'unknown', views, unread: unreadHere };
  });
  const detail = describeFamilies(families);
  const sources = [...new Set(families.flatMap((f) => f.views.map((v) => v.source)))];
  if (families.every((f) => f.policy === 'deny')) return { status: 'pass', detail, sources, families, unread: [...unread] };
  if (families.some((f) => f.policy === 'open')) {
    const open = families.filter((f) => f.policy === 'open').map((f) => FAMILY_NAMES[f.family]);
    const lead = open.length < families.length ? `${open.join(' and ')} open to undeclared ports. ` : '';
    return { status: 'fail', detail: `${lead}${detail}`, sources, families, unread: [...unread] };
  }
  return { status: 'not_tested', detail, sources, families, unread: [...unread] };
}

const FAMILY_WORDS: Readonly<Record<FamilyPolicy, string>> = {
  deny: 'denies by default',
  open: 'accepts by default',
  unknown: 'not evaluated',
};

/** "IPv4 and IPv6 deny by default: nftables, table inet fw, chain input (policy drop): other ports drop; tcp/22 accept". */
export function describeFamilies(families: readonly FamilyJudgement[]): string {
  const texts = families.map((f) => {
    const configured = f.views.filter((v) => !v.view.unconfigured);
    const views = (configured.length > 0 ? configured : f.views).map((v) => `${v.tool}, ${describeView(v.view)}`);
    const unread = f.unread.length > 0 ? [`${f.unread.join(', ')} not read in full`] : [];
    const shown = [...views, ...unread];
    return { family: f.family, text: `${FAMILY_WORDS[f.policy]}: ${shown.length > 0 ? shown.join('; ') : 'no tool read its ruleset'}` };
  });
  if (texts.length === 2 && texts[0]!.text === texts[1]!.text)
    return `IPv4 and IPv6 ${texts[0]!.text.replace('denies', 'deny').replace('accepts', 'accept')}`;
  return texts.map((t) => `${FAMILY_NAMES[t.family]} ${t.text}`).join('. ');
}

/** "table inet fw, chain input (policy drop): other ports drop; tcp/22 accept, udp/53 unknown". */
export function describeView(view: FamilyView): string {
  const { tcp, udp } = view.undeclared;
  const other = tcp === udp ? `other ports ${tcp}` : `other TCP ports ${tcp}, other UDP ports ${udp}`;
  const declared = view.declared.map((d) => `${d.transport}/${d.port} ${d.verdict}`).join(', ');
  return `${view.where}: ${other}${declared ? `; ${declared}` : ''}`;
}

/** Reads each dump that was obtained (by command name) with its tool's reader, in a fixed order. */
export function readFirewallDumps(dumps: ReadonlyMap<string, string>, declared: readonly DeclaredPort[] = []): FirewallReading[] {
  const readers: [string, (text: string) => PolicyReading][] = [
    ['nft-ruleset', (text) => readNftRuleset(text, declared)],
    ['iptables-save', (text) => readIptablesSave(text, declared, 'ipv4')],
    ['ip6tables-save', (text) => readIptablesSave(text, declared, 'ipv6')],
    ['ufw-status', (text) => readUfwStatus(text, declared)],
    ['firewalld', (text) => readFirewalld(text, declared)],
  ];
  return readers.flatMap(([source, read]) => {
    const text = dumps.get(source);
    return text === undefined ? [] : [{ source, reading: read(text) }];
  });
}

/** For one flow open only to given sources: whether every other source is refused, per family, by the rules read. */
export interface FlowSourcesJudgement {
  status: 'pass' | 'fail' | 'not_tested';
  detail: string;
  sources: string[];
}

/**
 * A family is restricted when some tool's input hook refuses every other source on the port (every hook must let
 * a packet through); it is open when every tool covering it was read and lets some other source in (named by the
 * widest block of the ruleset that holds it). Both restricted passes; either open fails; anything else is not tested.
 */
export function judgeFlowSources(
  readings: readonly FirewallReading[],
  port: DeclaredPort,
  unread: readonly string[] = [],
): FlowSourcesJudgement {
  const name = `${port.transport}/${port.port}`;
  const families = FAMILIES.map((family) => {
    const views = readings.flatMap((r) => {
      const view = r.reading.families[family];
      const entry = view?.declared.find((d) => d.transport === port.transport && d.port === port.port);
      return entry?.others
        ? [{ source: r.source, tool: r.reading.tool, others: entry.others, unconfigured: view?.unconfigured === true }]
        : [];
    });
    const unreadHere = unread.filter((tool) => (SOURCE_FAMILIES[tool] ?? FAMILIES).includes(family));
    const refusing = views.find((v) => v.others.verdict === 'drop' || v.others.verdict === 'reject');
    if (refusing) return { family, state: 'restricted' as const, views: [refusing], text: `${refusing.tool} refuses every other source` };
    const open = views.length > 0 && unreadHere.length === 0 && views.every((v) => v.others.verdict === 'accept');
    if (open) {
      // A tool that filters nothing here is not named beside one that does (as in describeFamilies).
      const configured = views.filter((v) => !v.unconfigured);
      const shown = configured.length > 0 ? configured : views;
      const allowed = [...new Set(shown.map((v) => v.others.allowed ?? 'another source'))].join(', ');
      return { family, state: 'open' as const, views, text: `${shown.map((v) => v.tool).join(' and ')} accepts ${allowed}` };
    }
    const why = [
      ...views.map((v) => `${v.tool} not evaluated${v.others.allowed ? ` (${v.others.allowed})` : ''}`),
      ...(unreadHere.length > 0 ? [`${unreadHere.join(', ')} not read in full`] : []),
    ];
    return { family, state: 'unknown' as const, views, text: why.length > 0 ? why.join('; ') : 'no tool read its ruleset' };
  });
  const detail = `${name} ${families.map((f) => `${FAMILY_NAMES[f.family]}: ${f.text}`).join('. ')}`;
  const sources = [...new Set(families.flatMap((f) => f.views.map((v) => v.source)))];
  if (families.every((f) => f.state === 'restricted')) return { status: 'pass', detail, sources };
  if (families.some((f) => f.state === 'open')) return { status: 'fail', detail, sources };
  return { status: 'not_tested', detail, sources };
}
