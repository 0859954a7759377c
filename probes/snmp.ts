import { z } from 'zod';
import type { Gateway } from '../src/connection/schema.ts';
import type { Finding, FindingStatus } from '../src/findings.ts';
import { defineFindings, defineProbe, findingIds, type FindingIdOf, type ProbeContext } from '../src/probe/contract.ts';
import { DEFAULT_WALK_BUDGET, type SnmpFacts } from '../src/snmp/gather.ts';

const thresholds = z.strictObject({
  communities: z
    .array(z.string().min(1).max(64))
    .min(1, { error: 'expected at least one community string' })
    .max(32, { error: 'at most 32 community strings' })
    .default(['public', 'private', 'community', 'cisco', 'manager', 'admin', 'default', 'snmp', 'monitor', 'secret'])
    .describe('Default and well-known community strings tried with v1 and v2c (bounded: each is a datagram per version)'),
  weakAuthProtocols: z.array(z.enum(['md5', 'sha'])).default(['md5', 'sha']),
  weakPrivProtocols: z.array(z.enum(['des'])).default(['des']),
  walkMaxEntries: z
    .number()
    .int()
    .min(1)
    .max(100_000)
    .default(DEFAULT_WALK_BUDGET.maxEntries)
    .describe('Most installed-software entries (hrSWInstalled) read from an agent; more are left out and the list is marked truncated'),
  walkMaxRequests: z
    .number()
    .int()
    .min(1)
    .max(100_000)
    .default(DEFAULT_WALK_BUDGET.maxRequests)
    .describe('Most GETBULK/GETNEXT requests one walk sends to an agent before it stops, marked truncated'),
  walkMaxSeconds: z
    .number()
    .min(1)
    .max(3600)
    .default(DEFAULT_WALK_BUDGET.maxSeconds)
    .describe('Most seconds one walk of an agent takes before it stops, marked truncated'),
});
type Thresholds = z.output<typeof thresholds>;

const snmpFindings = defineFindings({
  'snmp.community': {
    severity: 'high',
    title: 'No default community string is accepted',
    messages: {
      pass: '{endpoint} answered none of {count} community strings with v1 or v2c (SNMP stays silent for a wrong community and for a filtered port alike, so silence does not prove SNMP is off)',
      fail: '{endpoint} accepts {accepted} in clear text; the agent revealed {revealed}',
    },
  },
  'snmp.v3-security': {
    severity: 'high',
    title: 'SNMPv3 requires authentication and privacy',
    messages: {
      pass: '{endpoint} SNMPv3 user {user}: only authPriv is accepted',
      fail: '{endpoint} SNMPv3 user {user} is served at {levels}, below authPriv',
    },
  },
  'snmp.v3-crypto': {
    severity: 'low',
    title: 'SNMPv3 uses SHA-2 and AES',
    messages: {
      pass: '{endpoint} SNMPv3 user {user}: {auth} with {priv}',
      fail: '{endpoint} SNMPv3 user {user} uses {weak}',
    },
  },
  'snmp.undeclared': {
    severity: 'high',
    title: 'SNMP answers only where it is a declared flow',
    messages: {
      pass: '{endpoint} {why}',
      fail: '{endpoint} SNMP answers on {port}/udp, which no flow declares',
    },
  },
});
type SnmpFindingId = FindingIdOf<typeof snmpFindings>;

export default defineProbe({
  meta: {
    id: 'snmp',
    title: 'SNMP communities, v3 security level and what the agent reveals',
    description:
      'On UDP 161 of every gateway, declared or not: tries a short list of default communities with v1 and v2c, the configured v3 user at each ' +
      'security level, and records what an answering agent reveals (system group, installed software).',
    reads: ['snmp'],
    thresholds,
    findings: snmpFindings,
  },

  async run(ctx) {
    const perGateway = await Promise.all(ctx.connection.gateways.map((gateway) => judgeGateway(ctx, gateway)));
    return perGateway.flat();
  },
});

async function judgeGateway(ctx: ProbeContext<Thresholds, SnmpFindingId>, gateway: Gateway): Promise<Finding[]> {
  const settings = ctx.connection.snmp;
  const communities = settings.communities ?? ctx.thresholds.communities;
  const t = ctx.thresholds;
  const facts = await ctx.facts.snmp(gateway, { communities, walk: { maxEntries: t.walkMaxEntries, maxRequests: t.walkMaxRequests, maxSeconds: t.walkMaxSeconds } });
  const port = settings.port;
  const target = { gateway: gateway.name, host: gateway.host, port, transport: 'udp' as const };
  const endpoint = `${gateway.host}:${port}/udp`;
  const artefact = ctx.evidence.add([gateway.name, 'snmp.json'], JSON.stringify(facts, null, 2));
  const source = `cocoscan SNMP probe (net-snmp, ${communities.length} communities × v1/v2c${settings.v3 ? `, v3 user ${settings.v3.user}` : ''})`;
  const make = (id: SnmpFindingId, status: FindingStatus, params: Record<string, string | number>, expected: string, actual: string, raw?: string, data?: Record<string, unknown>) =>
    ctx.finding({ id, target, status, params: { endpoint, ...params }, evidence: { source, expected, actual, raw, artefacts: [artefact] }, data });

  if (facts.unresolved) return findingIds(snmpFindings).map((id) => make(id, 'error', { reason: facts.unresolved! }, 'an SNMP check', facts.unresolved!));
  const findings: Finding[] = [];
  const accepted = facts.attempts.filter((a) => a.answered);
  const strange = facts.attempts.filter((a) => a.strange || a.aborted);
  const revealed = facts.system ? Object.entries(facts.system).map(([k, v]) => `${k}=${v}`).join(', ') : 'nothing readable';
  const read = facts.software;
  const software = read
    ? `\n${read.names.length}${read.truncated ? '+' : ''} installed software entries (hrSWInstalled${read.truncated ? `, truncated: ${read.reason}` : ''}; ${read.requests} request(s))`
    : '';
  findings.push(
    accepted.length > 0
      ? make(
          'snmp.community',
          'fail',
          { accepted: accepted.map((a) => `community "${a.community}" with ${a.version}`).join(', '), revealed },
          'no answer to default communities',
          accepted.map((a) => `${a.version} "${a.community}" answered`).join('; '),
          `${revealed}${software}`,
          {
            accepted: accepted.map((a) => ({ version: a.version, community: a.community })),
            system: facts.system ?? null,
            software: read ? { entries: read.names.length, truncated: read.truncated, stop: read.stop, requests: read.requests } : null,
          },
        )
      : strange.length > 0
        ? make('snmp.community', 'error', { reason: `${strange[0]!.reason}: whether a community is accepted cannot be told` }, 'no answer to default communities', strange.map((a) => `${a.version} "${a.community}": ${a.reason}`).slice(0, 4).join('; '))
        : make('snmp.community', 'pass', { count: communities.length }, 'no answer to default communities', `no answer (${facts.attempts[0]?.reason ?? 'none tried'})`),
  );

  const v3 = facts.v3;
  if (!v3) {
    const reason = 'no SNMPv3 user is given in the connection file (snmp.v3)';
    findings.push(make('snmp.v3-security', 'not_applicable', { reason }, 'authPriv only', 'not tested'));
    findings.push(make('snmp.v3-crypto', 'not_applicable', { reason }, 'SHA-2 and AES', 'not tested'));
  } else {
    const levels = v3.levels.map((l) => `${l.level}: ${l.accepted === undefined ? 'untested' : l.accepted ? 'accepted' : 'refused'} (${l.reason})`).join('; ');
    const lower = v3.levels.filter((l) => l.level !== 'authPriv');
    const below = lower.filter((l) => l.accepted === true);
    // A lower level is refused only when the agent said so; silence or an odd reply leaves it unknown.
    const unknown = lower.filter((l) => l.accepted !== false);
    const authPriv = v3.levels.find((l) => l.level === 'authPriv');
    if (below.length > 0) findings.push(make('snmp.v3-security', 'fail', { user: v3.user, levels: below.map((l) => l.level).join(' and ') }, 'authPriv only', levels));
    else if (unknown.length > 0) {
      const reason = `whether the agent refuses ${unknown.map((l) => `${l.level} (${l.reason})`).join(' and ')} is unknown: only a refusal from the agent shows a level is not served; check the SNMP port is reachable without loss and run again`;
      findings.push(make('snmp.v3-security', 'error', { reason }, 'authPriv only', levels));
    } else if (authPriv?.accepted === true) findings.push(make('snmp.v3-security', 'pass', { user: v3.user }, 'authPriv only', levels));
    else findings.push(make('snmp.v3-security', 'error', { reason: authPriv?.accepted === undefined ? authPriv?.reason ?? 'not tested' : `the agent did not answer the v3 user at authPriv (${authPriv.reason}): check the user, protocols and passphrases` }, 'authPriv only', levels));
    const weak = [
      ...(ctx.thresholds.weakAuthProtocols as string[]).includes(v3.authProtocol) ? [`${v3.authProtocol.toUpperCase()} authentication`] : [],
      ...(ctx.thresholds.weakPrivProtocols as string[]).includes(v3.privProtocol) ? [`${v3.privProtocol.toUpperCase()} privacy`] : [],
    ];
    findings.push(
      weak.length > 0
        ? make('snmp.v3-crypto', 'fail', { user: v3.user, weak: weak.join(' and ') }, 'SHA-2 authentication and AES privacy', `${v3.authProtocol}/${v3.privProtocol}`)
        : make('snmp.v3-crypto', 'pass', { user: v3.user, auth: v3.authProtocol.toUpperCase(), priv: v3.privProtocol.toUpperCase() }, 'SHA-2 authentication and AES privacy', `${v3.authProtocol}/${v3.privProtocol}`),
    );
  }

  const answered = accepted.length > 0 || (v3?.levels.some((l) => l.accepted === true) ?? false);
  const declared = ctx.connection.flows.some((f) => f.transport === 'udp' && f.port === port);
  if (!answered && !declared && strange.length > 0) {
    findings.push(make('snmp.undeclared', 'error', { reason: `${strange[0]!.reason}: whether SNMP answers here cannot be told` }, 'SNMP only on a declared flow', 'unclear'));
  } else {
    findings.push(
      answered && !declared
        ? make('snmp.undeclared', 'fail', { port }, 'SNMP only on a declared flow', `SNMP answered on ${port}/udp`)
        : make('snmp.undeclared', 'pass', { why: declared ? `SNMP on ${port}/udp is a declared flow` : `SNMP did not answer on ${port}/udp` }, 'SNMP only on a declared flow', answered ? 'answered (declared)' : 'no answer'),
    );
  }
  return findings;
}
