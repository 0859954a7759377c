import type { FindingStatus } from '../../src/findings.ts';
import type { Verdict } from '../../src/probe/contract.ts';
import type { SnmpFindingId } from './findings.ts';
import { SNMP_FINDINGS } from './findings.ts';
import type { SnmpFacts } from '../../src/snmp/gather.ts';
import type { SnmpProbeFacts } from './gather.ts';
import type { SnmpThresholds } from './thresholds.ts';
import { describeSubtree } from '../../src/snmp/view.ts';
import { restrictedByDesign } from '../../src/facts/scanner-address.ts';

export type { SnmpProbeFacts } from './gather.ts';

/** `communities`: the profile's default communities; an accepted one of them fails snmp.community, any other only snmp.cleartext. */
type Crypto = Pick<SnmpThresholds, 'weakAuthProtocols' | 'weakPrivProtocols' | 'communities'>;
type Params = Record<string, string | number>;

interface Said {
  status: FindingStatus;
  params: Params;
  expected: string;
  actual: string;
  raw?: string;
  data?: Record<string, unknown>;
}

/** One verdict on the gateway's SNMP port; every message names the endpoint, every verdict cites snmp.json. */
function verdict(facts: SnmpProbeFacts, id: SnmpFindingId, said: Said): Verdict<SnmpFindingId> {
  const { status, params, expected, actual, raw, data } = said;
  return {
    id,
    target: facts.target,
    status,
    params: { endpoint: facts.endpoint, ...params },
    evidence: { source: facts.source, expected, actual, raw, artefacts: [facts.artefact] },
    data,
  };
}

/**
 * Judges what SNMP on one gateway answered. Pure. Silence to a community is no answer (agents do not reply to
 * a wrong one); a reply that could not be used, a loop or an interrupted run is never taken for silence, and
 * a v3 level counts as refused only when the agent said so.
 */
export function judgeSnmp(facts: SnmpProbeFacts, thresholds: Crypto): Verdict<SnmpFindingId>[] {
  if (facts.failure) {
    const reason = facts.failure;
    return (Object.keys(SNMP_FINDINGS) as SnmpFindingId[]).map((id) =>
      verdict(facts, id, { status: 'error', params: { reason }, expected: 'an SNMP check', actual: reason }),
    );
  }
  const { accepted, strange } = replies(facts.snmp.attempts);
  const judged: [SnmpFindingId, Said][] = [
    ['snmp.community', community(facts, thresholds.communities)],
    ['snmp.cleartext', cleartext(facts)],
    ...v3Verdicts(facts, thresholds),
  ];
  const silent = accepted.length === 0 && strange.length === 0 && !agentAnswered(facts.snmp);
  return [
    ...judged.map(([id, said]) =>
      facts.restrictedTo && silent && said.status !== 'not_applicable'
        ? verdict(facts, id, restricted(facts.restrictedTo, said))
        : verdict(facts, id, said),
    ),
    verdict(facts, 'snmp.undeclared', undeclared(facts, accepted.length > 0, strange[0]?.reason)),
  ];
}

/** Whether the agent itself said something: an engine id, or a v3 level answered or refused. */
function agentAnswered(snmp: SnmpFacts): boolean {
  return snmp.engine?.engineId !== undefined || (snmp.v3?.levels.some((l) => l.accepted !== undefined) ?? false);
}

/** A flow open only to given sources gave the scanner outside them no answer at all: as its firewall should. */
function restricted(sources: readonly string[], said: Said): Said {
  const why = said.status === 'pass' ? said.actual : String(said.params.reason ?? said.actual);
  const reason = `${restrictedByDesign(sources)}; its SNMP can only be checked from one of them (${why})`;
  return { status: 'not_tested', params: { reason }, expected: said.expected, actual: said.actual };
}

/** The attempts a community answered, and those whose outcome is unknown (an unusable reply, an interrupted run). */
function replies(attempts: SnmpFacts['attempts']): { accepted: SnmpFacts['attempts']; strange: SnmpFacts['attempts'] } {
  return { accepted: attempts.filter((a) => a.answered), strange: attempts.filter((a) => a.strange || a.aborted) };
}

const named = (attempts: SnmpFacts['attempts']) => attempts.map((a) => `community "${a.community}" with ${a.version}`).join(', ');

/** Subtrees named in a message; the rest are counted (snmp.json and the finding's data hold them all). */
export const MAX_SUBTREES_NAMED = 12;

function listSubtrees(subtrees: string[]): string {
  const named = subtrees.slice(0, MAX_SUBTREES_NAMED).map(describeSubtree).join(', ');
  const more = subtrees.length - MAX_SUBTREES_NAMED;
  return more > 0 ? `${named} and ${more} more subtree(s)` : named;
}

/** What the first accepted community read: the system group and the subtrees its view holds. */
function revealedBy(snmp: SnmpFacts): { revealed: string; readable: string; raw: string } {
  const { system, readable: view, software: read } = snmp;
  const values = Object.entries(system ?? {});
  const revealed = values.length > 0 ? values.map(([k, v]) => `${k}=${v}`).join(', ') : 'nothing of the system group';
  const readable = !view
    ? 'nothing that was read'
    : view.subtrees.length === 0
      ? view.truncated
        ? `unknown: the walk stopped before it found a subtree (${view.reason})`
        : `nothing under 1.3.6.1 (${view.reason})`
      : `${listSubtrees(view.subtrees)}${view.truncated ? ` and maybe more (${view.reason})` : ''}`;
  const software = read
    ? `\n${read.names.length}${read.truncated ? '+' : ''} installed software entries ` +
      `(hrSWInstalled${read.truncated ? `, truncated: ${read.reason}` : ''}; ${read.requests} request(s))`
    : '';
  return { revealed, readable, raw: `${revealed}${software}${view ? `\nreadable: ${readable}` : ''}` };
}

function community(facts: SnmpProbeFacts, defaults: readonly string[]): Said {
  const { attempts, system, software: read, readable: view } = facts.snmp;
  const expected = 'no answer to default communities';
  const { accepted: all, strange } = replies(attempts);
  const accepted = all.filter((a) => defaults.includes(a.community));
  if (accepted.length > 0) {
    const { revealed, readable, raw } = revealedBy(facts.snmp);
    return {
      status: 'fail',
      params: { accepted: named(accepted), revealed, readable },
      expected,
      actual: accepted.map((a) => `${a.version} "${a.community}" answered`).join('; '),
      raw,
      data: {
        accepted: accepted.map((a) => ({ version: a.version, community: a.community })),
        system: system ?? null,
        readable: view ? { subtrees: view.subtrees, truncated: view.truncated, stop: view.stop, requests: view.requests } : null,
        software: read ? { entries: read.names.length, truncated: read.truncated, stop: read.stop, requests: read.requests } : null,
      },
    };
  }
  // A community the organisation gave that is not a default one: clear text (snmp.cleartext), not a default.
  const besides = all.length > 0 ? ` that are defaults (it accepts ${named(all)}, which no default list has)` : '';
  if (strange.length > 0) {
    return {
      status: 'error',
      params: { reason: `${strange[0]!.reason}: whether a community is accepted cannot be told` },
      expected,
      actual: strange
        .map((a) => `${a.version} "${a.community}": ${a.reason}`)
        .slice(0, 4)
        .join('; '),
    };
  }
  // An empty list of communities (snmp.communities: []) asked nothing: no answer to nothing is no pass.
  if (attempts.length === 0) {
    return {
      status: 'not_tested',
      params: { reason: 'no community string was tried (snmp.communities in the connection file is empty)' },
      expected,
      actual: 'none tried',
    };
  }
  return {
    status: 'pass',
    params: { count: facts.communityCount, besides },
    expected,
    actual: all.length > 0 ? `${named(all)} answered, none a default` : `no answer (${attempts[0]!.reason ?? 'none tried'})`,
  };
}

/** Any community accepted, a custom one too, is authentication in clear text: the profile decides what that costs a row. */
function cleartext(facts: SnmpProbeFacts): Said {
  const { attempts } = facts.snmp;
  const expected = 'no community accepted (SNMPv3 authPriv only)';
  const { accepted, strange } = replies(attempts);
  if (accepted.length > 0) {
    const { raw } = revealedBy(facts.snmp);
    return {
      status: 'fail',
      params: { accepted: named(accepted) },
      expected,
      actual: accepted.map((a) => `${a.version} "${a.community}" answered`).join('; '),
      raw,
    };
  }
  if (strange.length > 0)
    return {
      status: 'error',
      params: { reason: `${strange[0]!.reason}: whether a community is accepted cannot be told` },
      expected,
      actual: 'unclear',
    };
  if (attempts.length === 0)
    return {
      status: 'not_tested',
      params: { reason: 'no community string was tried (snmp.communities in the connection file is empty)' },
      expected,
      actual: 'none tried',
    };
  // Silence to the organisation's own community proves nothing unless the agent showed it is there to answer: a
  // wrong community, a filtered port and v1/v2c switched off all look the same.
  if (facts.ownCommunities > 0 && !agentAnswered(facts.snmp)) {
    const reason =
      `no answer to the ${facts.ownCommunities} community string(s) the connection file gives, nor any sign of an agent ` +
      '(no SNMPv3 engine id): a filtered port is silent too, so this does not show that clear-text SNMP is off; ' +
      'check that the port is reachable from the scanner';
    return { status: 'not_tested', params: { reason }, expected, actual: 'no community answered, and no agent answered' };
  }
  return { status: 'pass', params: { count: facts.communityCount }, expected, actual: 'no community answered' };
}

function v3Verdicts(facts: SnmpProbeFacts, thresholds: Crypto): [SnmpFindingId, Said][] {
  const v3 = facts.snmp.v3;
  if (!v3) {
    const reason = 'no SNMPv3 user is given in the connection file (snmp.v3)';
    return [
      ['snmp.v3-security', { status: 'not_applicable', params: { reason }, expected: 'authPriv only', actual: 'not tested' }],
      ['snmp.v3-crypto', { status: 'not_applicable', params: { reason }, expected: 'SHA-2 and AES', actual: 'not tested' }],
    ];
  }
  const levels = v3.levels
    .map((l) => `${l.level}: ${l.accepted === undefined ? 'untested' : l.accepted ? 'accepted' : 'refused'} (${l.reason})`)
    .join('; ');
  const lower = v3.levels.filter((l) => l.level !== 'authPriv');
  const below = lower.filter((l) => l.accepted === true);
  // A lower level is refused only when the agent said so; silence or an odd reply leaves it unknown.
  const unknown = lower.filter((l) => l.accepted !== false);
  const authPriv = v3.levels.find((l) => l.level === 'authPriv');
  const expected = 'authPriv only';
  let security: Said;
  if (below.length > 0)
    security = { status: 'fail', params: { user: v3.user, levels: below.map((l) => l.level).join(' and ') }, expected, actual: levels };
  else if (unknown.length > 0) {
    const reason =
      `whether the agent refuses ${unknown.map((l) => `${l.level} (${l.reason})`).join(' and ')} is unknown: ` +
      'only a refusal from the agent shows a level is not served; ' +
      'check the SNMP port is reachable without loss and run again';
    security = { status: 'error', params: { reason }, expected, actual: levels };
  } else if (authPriv?.accepted === true) security = { status: 'pass', params: { user: v3.user }, expected, actual: levels };
  else {
    const reason =
      authPriv?.accepted === undefined
        ? (authPriv?.reason ?? 'not tested')
        : `the agent did not answer the v3 user at authPriv (${authPriv.reason}): check the user, protocols and passphrases`;
    security = { status: 'error', params: { reason }, expected, actual: levels };
  }
  return [
    ['snmp.v3-security', security],
    ['snmp.v3-crypto', crypto(v3, authPriv?.accepted === true ? undefined : (authPriv?.reason ?? 'not tested'), thresholds)],
  ];
}

/** `unserved`: why the agent did not show it serves the user at authPriv, when it did not. */
function crypto(v3: NonNullable<SnmpProbeFacts['snmp']['v3']>, unserved: string | undefined, thresholds: Crypto): Said {
  const weakAuth: readonly string[] = thresholds.weakAuthProtocols;
  const weakPriv: readonly string[] = thresholds.weakPrivProtocols;
  const weak = [
    ...(weakAuth.includes(v3.authProtocol) ? [`${v3.authProtocol.toUpperCase()} authentication`] : []),
    ...(weakPriv.includes(v3.privProtocol) ? [`${v3.privProtocol.toUpperCase()} privacy`] : []),
  ];
  const expected = 'SHA-2 authentication and AES privacy';
  const actual = `${v3.authProtocol}/${v3.privProtocol}`;
  if (weak.length > 0) return { status: 'fail', params: { user: v3.user, weak: weak.join(' and ') }, expected, actual };
  // The protocols are those of the connection file; only an agent that served them at authPriv shows it uses them.
  if (unserved !== undefined) {
    const protocols = `${v3.authProtocol.toUpperCase()} with ${v3.privProtocol.toUpperCase()}`;
    const reason = `the agent did not serve the v3 user at authPriv (${unserved}), so it is not shown to use ${protocols}`;
    return { status: 'not_tested', params: { reason }, expected, actual };
  }
  return {
    status: 'pass',
    params: { user: v3.user, auth: v3.authProtocol.toUpperCase(), priv: v3.privProtocol.toUpperCase() },
    expected,
    actual,
  };
}

function undeclared(facts: SnmpProbeFacts, communityAnswered: boolean, strangeReason: string | undefined): Said {
  const { port } = facts.target;
  const { v3, engine } = facts.snmp;
  const v3Answered = v3?.levels.some((l) => l.accepted === true) ?? false;
  const answered = communityAnswered || v3Answered || engine?.engineId !== undefined;
  const expected = 'SNMP only on a declared flow';
  if (!answered && !facts.declared && strangeReason !== undefined) {
    return {
      status: 'error',
      params: { reason: `${strangeReason}: whether SNMP answers here cannot be told` },
      expected,
      actual: 'unclear',
    };
  }
  if (answered && !facts.declared) {
    // A community or v3 user answering says more than the engine id alone; the engine id is cited whenever known.
    const how = communityAnswered ? 'a community was accepted' : v3Answered ? 'the v3 user was answered' : 'engine discovery';
    const id = engine?.engineId ? `; SNMPv3 engine id ${engine.engineId}` : '';
    return {
      status: 'fail',
      params: { port },
      expected,
      actual: `SNMP answered on ${port}/udp (${how}${id})`,
      ...(engine?.engineId ? { raw: engine.reason, data: { engineId: engine.engineId } } : {}),
    };
  }
  if (!facts.declared && facts.snmp.attempts.length === 0 && !v3 && !engine) {
    return {
      status: 'not_tested',
      params: { reason: 'nothing was asked of SNMP: no community string and no v3 user is given' },
      expected,
      actual: 'none tried',
    };
  }
  const why = facts.declared ? `SNMP on ${port}/udp is a declared flow` : `SNMP did not answer on ${port}/udp`;
  return { status: 'pass', params: { why }, expected, actual: answered ? 'answered (declared)' : 'no answer' };
}
