import { describe, expect, it } from 'vitest';
import { judgeSnmp, type SnmpProbeFacts } from '../../probes/snmp/judge.ts';
import type { SnmpThresholds } from '../../probes/snmp/thresholds.ts';
import type { CommunityAttempt, SnmpFacts, V3LevelAttempt } from '../../src/snmp/gather.ts';
import { judgeTable } from '../helpers/judge-table.ts';

type Crypto = Pick<SnmpThresholds, 'weakAuthProtocols' | 'weakPrivProtocols' | 'communities'>;
/** The profile's default communities: `__proto__` and `constructor` are on it to show they are names like any other. */
const DEFAULTS = ['public', 'private', '__proto__', 'constructor'];
const THRESHOLDS: Crypto = { weakAuthProtocols: ['md5', 'sha'], weakPrivProtocols: ['des'], communities: DEFAULTS };
const NO_ANSWER = 'no answer within 3 s';

const silent = (community: string, version: CommunityAttempt['version'] = 'v2c'): CommunityAttempt => ({
  version,
  community,
  answered: false,
  reason: NO_ANSWER,
});
const answered = (community: string, version: CommunityAttempt['version'] = 'v2c'): CommunityAttempt => ({
  version,
  community,
  answered: true,
});
const silence = (...communities: string[]) => communities.flatMap((c) => [silent(c, 'v2c'), silent(c, 'v1')]);
const refused = (level: V3LevelAttempt['level']): V3LevelAttempt => ({
  level,
  accepted: false,
  reason: 'the agent refused: usmStatsUnsupportedSecLevels',
});
const accepted = (level: V3LevelAttempt['level']): V3LevelAttempt => ({ level, accepted: true, reason: 'answered' });
const timedOut = (level: V3LevelAttempt['level']): V3LevelAttempt => ({ level, accepted: undefined, reason: 'no answer within 3 s' });
const v3 = (levels: V3LevelAttempt[], authProtocol = 'sha256', privProtocol = 'aes'): SnmpFacts['v3'] => ({
  user: 'cocoscan',
  authProtocol,
  privProtocol,
  levels,
});
const AUTH_PRIV_ONLY = [refused('noAuthNoPriv'), refused('authNoPriv'), accepted('authPriv')];

function facts(snmp: Partial<SnmpFacts>, extra: Partial<SnmpProbeFacts> = {}): SnmpProbeFacts {
  return {
    target: { gateway: 'gw', host: '192.0.2.1', port: 161, transport: 'udp' },
    endpoint: '192.0.2.1:161/udp',
    communityCount: 2,
    ownCommunities: 0,
    declared: false,
    snmp: { port: 161, address: '192.0.2.1', attempts: silence('public', 'private'), ...snmp },
    source: 'cocoscan SNMP probe (net-snmp, 2 communities × v1/v2c)',
    artefact: 'evidence/gateways/gw/snmp.json',
    ...extra,
  };
}

judgeTable('snmp', {
  judge: (f: SnmpProbeFacts, t: Crypto) => judgeSnmp(f, t),
  thresholds: THRESHOLDS,
  now: new Date('2026-11-30T10:00:00Z'),
  valid: [
    { name: 'no default community answered, no v3 user given', facts: facts({}) },
    {
      name: 'a v3 user served at authPriv only, with SHA-2 and AES, on a declared flow',
      facts: facts({ v3: v3(AUTH_PRIV_ONLY) }, { declared: true }),
    },
    {
      name: 'SHA-512 with AES-256 (not on the weak lists)',
      facts: facts({ v3: v3(AUTH_PRIV_ONLY, 'sha512', 'aes256r') }, { declared: true }),
    },
    { name: 'a declared SNMP flow that stays silent', facts: facts({}, { declared: true }) },
    {
      name: 'an agent found by engine discovery on a declared flow, no community accepted',
      facts: facts({ engine: { engineId: '80001f8880aabbccdd', reason: 'discovery Report' } }, { declared: true }),
    },
    {
      name: 'SHA-1 with a laxer profile',
      facts: facts({ v3: v3(AUTH_PRIV_ONLY, 'sha') }, { declared: true }),
      thresholds: { weakAuthProtocols: ['md5'], weakPrivProtocols: ['des'], communities: DEFAULTS },
    },
    {
      name: "the organisation's own community is silent where the agent answered engine discovery: it is not accepted",
      facts: facts(
        { attempts: silence('Acme-Monitor-7'), engine: { engineId: '80001f8880aabbccdd', reason: 'discovery Report' } },
        { declared: true, ownCommunities: 1, communityCount: 1 },
      ),
    },
    {
      name: 'a restricted flow that answers is judged on what it answered',
      facts: facts({ v3: v3(AUTH_PRIV_ONLY) }, { declared: true, restrictedTo: ['10.99.0.0/16'] }),
    },
  ],
  invalid: [
    {
      name: "silence to the organisation's own community and no sign of an agent: clear text is not tested",
      facts: facts({ attempts: silence('Acme-Monitor-7') }, { declared: true, ownCommunities: 1, communityCount: 1 }),
      verdicts: [
        {
          id: 'snmp.cleartext',
          status: 'not_tested',
          params: { reason: /^no answer to the 1 community string\(s\) the connection file gives, nor any sign of an agent/ },
        },
        { id: 'snmp.community', status: 'pass' },
      ],
    },
    {
      name: 'a flow open only to given sources, the scanner outside them, silent to everything: not tested by design',
      facts: facts(
        { attempts: silence('public', 'private'), v3: v3([timedOut('noAuthNoPriv'), timedOut('authNoPriv'), timedOut('authPriv')]) },
        { declared: true, restrictedTo: ['10.99.0.0/16'] },
      ),
      verdicts: [
        ...(['snmp.community', 'snmp.cleartext', 'snmp.v3-security', 'snmp.v3-crypto'] as const).map((id) => ({
          id,
          status: 'not_tested' as const,
          params: {
            reason:
              /^restricted to 10\.99\.0\.0\/16 by design; the scanner is not among them; its SNMP can only be checked from one of them \(/,
          },
        })),
        { id: 'snmp.undeclared', status: 'pass' },
      ],
    },
    {
      name: 'a restricted flow without a v3 user: v3 still does not apply',
      facts: facts({}, { declared: true, restrictedTo: ['10.99.0.0/16'] }),
      verdicts: [
        { id: 'snmp.community', status: 'not_tested' },
        { id: 'snmp.v3-security', status: 'not_applicable' },
      ],
    },
    {
      name: 'the default community "public" accepted with v2c',
      facts: facts({
        attempts: [answered('public'), silent('private'), silent('public', 'v1'), silent('private', 'v1')],
        system: { sysDescr: 'Linux gw 6.1' },
      }),
      verdicts: [
        {
          id: 'snmp.community',
          status: 'fail',
          params: { accepted: 'community "public" with v2c', revealed: 'sysDescr=Linux gw 6.1', endpoint: '192.0.2.1:161/udp' },
          actual: 'v2c "public" answered',
        },
        { id: 'snmp.cleartext', status: 'fail', params: { accepted: 'community "public" with v2c' } },
        { id: 'snmp.undeclared', status: 'fail', params: { port: 161 }, actual: 'SNMP answered on 161/udp (a community was accepted)' },
      ],
    },
    {
      name: 'v1 and v2c both answered',
      facts: facts({ attempts: [answered('private', 'v2c'), answered('private', 'v1'), silent('public'), silent('public', 'v1')] }),
      verdicts: [
        {
          id: 'snmp.community',
          status: 'fail',
          params: {
            accepted: 'community "private" with v2c, community "private" with v1',
            revealed: 'nothing of the system group',
            readable: 'nothing that was read',
          },
        },
      ],
    },
    {
      name: 'an accepted community on a declared flow still fails the community, not the flow',
      facts: facts({ attempts: [answered('public')] }, { declared: true }),
      verdicts: [
        { id: 'snmp.community', status: 'fail' },
        { id: 'snmp.undeclared', status: 'pass', params: { why: 'SNMP on 161/udp is a declared flow' }, actual: 'answered (declared)' },
      ],
    },
    {
      name: 'a community named __proto__ is a name like any other',
      facts: facts({
        attempts: [answered('__proto__'), silent('constructor')],
        system: JSON.parse('{"__proto__":"x","constructor":"y"}') as Record<string, string>,
      }),
      verdicts: [
        {
          id: 'snmp.community',
          status: 'fail',
          params: { accepted: 'community "__proto__" with v2c', revealed: '__proto__=x, constructor=y' },
        },
      ],
    },
    {
      name: 'a sysDescr with control characters (rendered by the reader) is quoted as data',
      facts: facts({ attempts: [answered('public')], system: { sysDescr: 'a?[31mred?evil\u0007' } }),
      verdicts: [{ id: 'snmp.community', status: 'fail', params: { revealed: 'sysDescr=a?[31mred?evil\u0007' } }],
    },
    {
      name: 'a reply loop or an undecodable reply is no refusal',
      facts: facts({
        attempts: [
          { version: 'v2c', community: 'public', answered: false, strange: true, reason: 'the agent sent 8 replies to one request' },
          silent('public', 'v1'),
        ],
      }),
      verdicts: [
        {
          id: 'snmp.community',
          status: 'error',
          params: { reason: /8 replies to one request: whether a community is accepted cannot be told/ },
        },
        { id: 'snmp.undeclared', status: 'error', params: { reason: /whether SNMP answers here cannot be told/ }, actual: 'unclear' },
      ],
    },
    {
      name: 'an interrupted run is no silence',
      facts: facts({
        attempts: [{ version: 'v2c', community: 'public', answered: false, aborted: true, reason: 'interrupted' }],
        interrupted: 'the run was interrupted',
      }),
      verdicts: [
        { id: 'snmp.community', status: 'error', params: { reason: /^interrupted/ } },
        { id: 'snmp.undeclared', status: 'error' },
      ],
    },
    {
      name: 'a reply loop on a declared flow: the community is unknown, the flow is declared',
      facts: facts(
        { attempts: [{ version: 'v2c', community: 'public', answered: false, strange: true, reason: 'loop' }] },
        { declared: true },
      ),
      verdicts: [
        { id: 'snmp.community', status: 'error' },
        { id: 'snmp.undeclared', status: 'pass' },
      ],
    },
    {
      name: 'the host does not resolve: every finding is an error saying so',
      facts: facts(
        { attempts: [], address: undefined, unresolved: 'gw.invalid does not resolve: ENOTFOUND' },
        { failure: 'gw.invalid does not resolve: ENOTFOUND' },
      ),
      verdicts: (['snmp.community', 'snmp.v3-security', 'snmp.v3-crypto', 'snmp.undeclared'] as const).map((id) => ({
        id,
        status: 'error' as const,
        params: { reason: 'gw.invalid does not resolve: ENOTFOUND' },
      })),
    },
    {
      // Bug fixed: an empty community list used to pass as "answered none of 0 community strings".
      name: 'no community string tried (snmp.communities: []) and no v3 user: nothing was tested',
      facts: facts({ attempts: [] }, { communityCount: 0 }),
      verdicts: [
        { id: 'snmp.community', status: 'not_tested', params: { reason: /snmp.communities in the connection file is empty/ } },
        { id: 'snmp.undeclared', status: 'not_tested' },
      ],
    },
    {
      name: 'no community tried but a v3 user served at authPriv only',
      facts: facts({ attempts: [], v3: v3(AUTH_PRIV_ONLY) }, { communityCount: 0 }),
      verdicts: [
        { id: 'snmp.community', status: 'not_tested' },
        { id: 'snmp.v3-security', status: 'pass' },
        { id: 'snmp.undeclared', status: 'fail' },
      ],
    },
    {
      name: 'v3 noAuthNoPriv accepted',
      facts: facts({ v3: v3([accepted('noAuthNoPriv'), refused('authNoPriv'), accepted('authPriv')]) }),
      verdicts: [
        {
          id: 'snmp.v3-security',
          status: 'fail',
          params: { user: 'cocoscan', levels: 'noAuthNoPriv' },
          actual: /noAuthNoPriv: accepted \(answered\); authNoPriv: refused/,
        },
        { id: 'snmp.undeclared', status: 'fail' },
      ],
    },
    {
      name: 'v3 authNoPriv accepted',
      facts: facts({ v3: v3([refused('noAuthNoPriv'), accepted('authNoPriv'), accepted('authPriv')]) }),
      verdicts: [{ id: 'snmp.v3-security', status: 'fail', params: { levels: 'authNoPriv' } }],
    },
    {
      name: 'v3 noAuthNoPriv and authNoPriv accepted, the lower level unknown does not hide the fail',
      facts: facts({ v3: v3([accepted('noAuthNoPriv'), timedOut('authNoPriv'), accepted('authPriv')]) }),
      verdicts: [{ id: 'snmp.v3-security', status: 'fail', params: { levels: 'noAuthNoPriv' } }],
    },
    {
      name: 'a lower level that timed out is not a refusal',
      facts: facts({ v3: v3([timedOut('noAuthNoPriv'), refused('authNoPriv'), accepted('authPriv')]) }),
      verdicts: [
        {
          id: 'snmp.v3-security',
          status: 'error',
          params: { reason: /whether the agent refuses noAuthNoPriv \(no answer within 3 s\) is unknown/ },
        },
      ],
    },
    {
      name: 'every level timed out: unknown, never a pass',
      facts: facts({ v3: v3([timedOut('noAuthNoPriv'), timedOut('authNoPriv'), timedOut('authPriv')]) }),
      verdicts: [
        { id: 'snmp.v3-security', status: 'error' },
        {
          id: 'snmp.v3-crypto',
          status: 'not_tested',
          params: { reason: /did not serve the v3 user at authPriv \(no answer within 3 s\)/ },
        },
        { id: 'snmp.undeclared', status: 'pass', params: { why: 'SNMP did not answer on 161/udp' } },
      ],
    },
    {
      name: 'a Report loop at every level (no refusal)',
      facts: facts({
        v3: v3(
          ['noAuthNoPriv', 'authNoPriv', 'authPriv'].map(
            (level) => ({ level, accepted: undefined, reason: 'the agent sent 5 replies to one request' }) as V3LevelAttempt,
          ),
        ),
      }),
      verdicts: [{ id: 'snmp.v3-security', status: 'error', params: { reason: /5 replies to one request/ } }],
    },
    {
      name: 'every level refused, authPriv too: the user or its keys are wrong',
      facts: facts({ v3: v3([refused('noAuthNoPriv'), refused('authNoPriv'), refused('authPriv')]) }),
      verdicts: [
        {
          id: 'snmp.v3-security',
          status: 'error',
          params: { reason: /did not answer the v3 user at authPriv .*check the user, protocols and passphrases/ },
        },
        // Bug fixed: the protocols of the connection file used to pass though no agent served them.
        { id: 'snmp.v3-crypto', status: 'not_tested' },
      ],
    },
    {
      name: 'DES privacy cannot be tested without the legacy provider',
      facts: facts({
        v3: v3(
          [
            refused('noAuthNoPriv'),
            refused('authNoPriv'),
            { level: 'authPriv', accepted: undefined, reason: 'DES privacy cannot be tested' },
          ],
          'sha256',
          'des',
        ),
      }),
      verdicts: [
        { id: 'snmp.v3-security', status: 'error', params: { reason: 'DES privacy cannot be tested' } },
        { id: 'snmp.v3-crypto', status: 'fail', params: { weak: 'DES privacy' } },
      ],
    },
    {
      name: 'weak MD5 authentication',
      facts: facts({ v3: v3(AUTH_PRIV_ONLY, 'md5', 'aes') }),
      verdicts: [{ id: 'snmp.v3-crypto', status: 'fail', params: { weak: 'MD5 authentication' }, actual: 'md5/aes' }],
    },
    {
      name: 'weak SHA-1 authentication and DES privacy',
      facts: facts({ v3: v3(AUTH_PRIV_ONLY, 'sha', 'des') }),
      verdicts: [{ id: 'snmp.v3-crypto', status: 'fail', params: { weak: 'SHA authentication and DES privacy' } }],
    },
    {
      name: 'issue 16 item 1: a v1 community restricted to a view of the interfaces (noSuchName for the system group)',
      facts: facts({
        attempts: [silent('public'), answered('public', 'v1'), silent('private'), silent('private', 'v1')],
        system: {},
        readable: { subtrees: ['1.3.6.1.2.1.2'], truncated: false, stop: 'end-of-mib', reason: 'noSuchName', requests: 2 },
      }),
      verdicts: [
        {
          id: 'snmp.community',
          status: 'fail',
          params: {
            accepted: 'community "public" with v1',
            revealed: 'nothing of the system group',
            readable: '1.3.6.1.2.1.2 (interfaces)',
          },
        },
        { id: 'snmp.cleartext', status: 'fail' },
        { id: 'snmp.undeclared', status: 'fail', actual: /a community was accepted/ },
      ],
    },
    {
      name: 'a view walk cut short by its budget says the list may go on',
      facts: facts({
        attempts: [answered('public')],
        readable: {
          subtrees: ['1.3.6.1.2.1.1', '1.3.6.1.4.1.8072'],
          truncated: true,
          stop: 'max-requests',
          reason: 'stopped after 2 requests (walkMaxRequests)',
          requests: 2,
        },
      }),
      verdicts: [
        {
          id: 'snmp.community',
          status: 'fail',
          params: {
            readable: '1.3.6.1.2.1.1 (system), 1.3.6.1.4.1.8072 (enterprise) and maybe more (stopped after 2 requests (walkMaxRequests))',
          },
        },
      ],
    },
    {
      name: 'a full view: twelve subtrees are named, the rest counted',
      facts: facts({
        attempts: [answered('public')],
        readable: {
          subtrees: Array.from({ length: 30 }, (_, i) => `1.3.6.1.2.1.${i + 1}`),
          truncated: false,
          stop: 'end-of-mib',
          reason: 'endOfMibView',
          requests: 31,
        },
      }),
      verdicts: [
        {
          id: 'snmp.community',
          status: 'fail',
          params: { readable: /^1\.3\.6\.1\.2\.1\.1 \(system\), .*1\.3\.6\.1\.2\.1\.12 and 18 more subtree\(s\)$/ },
        },
      ],
    },
    {
      name: 'an accepted community whose view is empty (endOfMibView at once) still fails: the reply proves it',
      facts: facts({
        attempts: [answered('private')],
        system: {},
        readable: { subtrees: [], truncated: false, stop: 'end-of-mib', reason: 'the agent answered endOfMibView', requests: 1 },
      }),
      verdicts: [
        {
          id: 'snmp.community',
          status: 'fail',
          params: { readable: 'nothing under 1.3.6.1 (the agent answered endOfMibView)' },
        },
      ],
    },
    {
      name: 'issue 16 item 13: a custom community the organisation gave is no default, but it is clear text',
      facts: facts({ attempts: [answered('Acme-Monitoring-7'), silent('Acme-Monitoring-7', 'v1')] }, { declared: true, communityCount: 1 }),
      verdicts: [
        {
          id: 'snmp.community',
          status: 'pass',
          params: { besides: / that are defaults \(it accepts community "Acme-Monitoring-7" with v2c, which no default list has\)/ },
          actual: 'community "Acme-Monitoring-7" with v2c answered, none a default',
        },
        { id: 'snmp.cleartext', status: 'fail', params: { accepted: 'community "Acme-Monitoring-7" with v2c' } },
        { id: 'snmp.undeclared', status: 'pass' },
      ],
    },
    {
      name: 'a custom community answered while a default one got an unusable reply: the default is unknown',
      facts: facts({
        attempts: [answered('acme'), { ...silent('public'), strange: true, reason: 'the agent sent 8 replies to one request' }],
      }),
      verdicts: [
        { id: 'snmp.community', status: 'error', params: { reason: /8 replies to one request/ } },
        { id: 'snmp.cleartext', status: 'fail' },
      ],
    },
    {
      name: 'issue 16 item 3: an agent found by engine discovery on an undeclared port, no community known',
      facts: facts({
        engine: { engineId: '80001f8880aabbccdd', reason: 'the agent sent a discovery Report with engine id 80001f8880aabbccdd' },
      }),
      verdicts: [
        { id: 'snmp.community', status: 'pass' },
        { id: 'snmp.cleartext', status: 'pass' },
        {
          id: 'snmp.undeclared',
          status: 'fail',
          params: { port: 161 },
          actual: 'SNMP answered on 161/udp (engine discovery; SNMPv3 engine id 80001f8880aabbccdd)',
        },
      ],
    },
    {
      name: 'engine discovery found nothing and no community was tried: asked, and SNMP did not answer',
      facts: facts({ attempts: [], engine: { reason: 'no answer (timed out)' } }),
      verdicts: [
        { id: 'snmp.community', status: 'not_tested' },
        { id: 'snmp.cleartext', status: 'not_tested' },
        { id: 'snmp.undeclared', status: 'pass', params: { why: 'SNMP did not answer on 161/udp' } },
      ],
    },
    {
      name: 'a v3 user answered on an undeclared port',
      facts: facts({ v3: v3(AUTH_PRIV_ONLY) }),
      verdicts: [{ id: 'snmp.undeclared', status: 'fail' }],
    },
  ],
});

describe('snmp judge: evidence', () => {
  it('says the installed-software walk was truncated by its budget, and keeps the counts in data', () => {
    const read = {
      names: Array.from({ length: 5000 }, (_, i) => `pkg-${i}`),
      truncated: true,
      stop: 'max-entries' as const,
      reason: 'the walk reached its limit of 5000 entries',
      requests: 84,
    };
    const [community] = judgeSnmp(facts({ attempts: [answered('public')], system: { sysName: 'gw' }, software: read }), THRESHOLDS);
    expect(community).toMatchObject({ id: 'snmp.community', status: 'fail' });
    expect(community!.evidence.raw).toBe(
      'sysName=gw\n5000+ installed software entries (hrSWInstalled, truncated: the walk reached its limit of 5000 entries; 84 request(s))',
    );
    expect(community!.data).toEqual({
      accepted: [{ version: 'v2c', community: 'public' }],
      system: { sysName: 'gw' },
      readable: null,
      software: { entries: 5000, truncated: true, stop: 'max-entries', requests: 84 },
    });
  });

  it('a complete walk has no "+" and no truncation', () => {
    const read = { names: ['a', 'b'], truncated: false, stop: 'end-of-subtree' as const, reason: 'end of subtree', requests: 1 };
    const [community] = judgeSnmp(facts({ attempts: [answered('public')], software: read }), THRESHOLDS);
    expect(community!.evidence.raw).toBe('nothing of the system group\n2 installed software entries (hrSWInstalled; 1 request(s))');
  });

  it('every verdict is on the SNMP port, cites snmp.json and names the endpoint', () => {
    for (const v of judgeSnmp(facts({ v3: v3(AUTH_PRIV_ONLY) }), THRESHOLDS)) {
      expect(v.target).toEqual({ gateway: 'gw', host: '192.0.2.1', port: 161, transport: 'udp' });
      expect(v.evidence).toMatchObject({
        source: 'cocoscan SNMP probe (net-snmp, 2 communities × v1/v2c)',
        artefacts: ['evidence/gateways/gw/snmp.json'],
      });
      expect(v.params?.endpoint).toBe('192.0.2.1:161/udp');
    }
  });

  it('a silent agent passes with the count of communities tried and the reason of the first miss', () => {
    const [community] = judgeSnmp(facts({}), THRESHOLDS);
    expect(community).toMatchObject({ status: 'pass', params: { count: 2 }, evidence: { actual: `no answer (${NO_ANSWER})` } });
  });
});
