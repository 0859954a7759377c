import { describe, expect, it } from 'vitest';
import { judgePatch, observePatch, type PatchProbeFacts } from '../../probes/patch/judge.ts';
import type { PatchThresholds } from '../../probes/patch/thresholds.ts';
import type { PatchFacts } from '../../src/patch/facts.ts';
import type { OsRelease, PendingUpdate } from '../../src/patch/parse.ts';
import { judgeTable } from '../helpers/judge-table.ts';

const NOW = new Date('2026-11-30T10:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * HOUR);
const daysAgo = (d: number) => new Date(NOW.getTime() - d * DAY);
const THRESHOLDS: PatchThresholds = {
  criticalDays: 7,
  highDays: 7,
  mediumDays: 28,
  lowDays: 90,
  unratedDays: 14,
  listFreshnessDays: 7,
  maxFactAgeHours: 24,
};

const os = (id: string, versionId: string, prettyName: string, idLike: string[] = []): OsRelease => ({ id, versionId, prettyName, idLike });
const RHEL = os('rhel', '9.5', 'Red Hat Enterprise Linux 9.5', ['fedora']);
const DEBIAN12 = os('debian', '12', 'Debian GNU/Linux 12');
const MINT = os('linuxmint', '22', 'Linux Mint 22', ['ubuntu', 'debian']);
const K28 = '6.1.0-28-amd64';
const K30 = '6.1.0-30-amd64';
const NOT_SET = { required: false, packages: [] };

/** A dated security update from an advisory (dnf). */
const advisory = (name: string, severity: string | undefined, daysOld: number): PendingUpdate => ({
  name,
  version: '2.0-1',
  from: '1.0-1',
  security: true,
  advisory: 'RHSA-2026:1000',
  ...(severity ? { severity } : {}),
  issued: daysAgo(daysOld),
});

function patch(p: Partial<PatchFacts> = {}): PatchFacts {
  return {
    os: RHEL,
    manager: 'dnf',
    pending: [],
    listsRefreshedAt: hoursAgo(1),
    reboot: NOT_SET,
    runningKernel: K30,
    installedKernels: [K28, K30],
    installed: new Map(),
    ...p,
  };
}

function facts(p: Partial<PatchFacts> = {}, extra: Partial<PatchProbeFacts> = {}, collectedAt = hoursAgo(0.5)): PatchProbeFacts {
  return {
    target: { gateway: 'gw', host: '192.0.2.1' },
    gatheredAt: NOW,
    usableSources: 1,
    source: { label: 'report.json', kind: 'agent-report', collectedAt, patch: patch(p), artefact: 'evidence/gateways/gw/patch.json' },
    banners: [],
    ...extra,
  };
}
const noSource = (extra: Partial<PatchProbeFacts> = {}): PatchProbeFacts => ({ ...facts(), source: undefined, usableSources: 0, ...extra });
const ALL_IDS = [
  'patch.overdue-updates',
  'patch.undated-updates',
  'patch.package-lists',
  'patch.os-support',
  'patch.reboot-required',
  'patch.service-banners',
] as const;
const SSH_BANNER = { port: 22, protocol: 'tcp' as const, product: 'OpenSSH', version: '9.2p1 Debian 2+deb12u10' };

judgeTable('patch', {
  judge: judgePatch,
  thresholds: THRESHOLDS,
  now: NOW,
  valid: [
    { name: 'nothing pending, fresh lists, a supported release, the newest kernel running', facts: facts() },
    { name: 'a critical update within its 7 days', facts: facts({ pending: [advisory('kernel', 'Critical', 6.9)] }) },
    { name: 'an Important update exactly at its 7 days', facts: facts({ pending: [advisory('kernel', 'Important', 7)] }) },
    {
      name: 'a Moderate update at 27 days, a Low one at 89, an unrated one at 13',
      facts: facts({ pending: [advisory('a', 'Moderate', 27), advisory('b', 'Low', 89), advisory('c', undefined, 13)] }),
    },
    {
      name: 'an old update that is no security fix',
      facts: facts({ pending: [{ ...advisory('appstream', undefined, 400), security: false }] }),
    },
    {
      name: 'a laxer profile: critical within 14 days',
      facts: facts({ pending: [advisory('kernel', 'Critical', 10)] }),
      thresholds: { ...THRESHOLDS, criticalDays: 14 },
    },
    {
      name: 'Debian 12 in extended support, the reboot flag not set',
      facts: facts({ os: DEBIAN12, manager: 'apt', runningKernel: undefined, installedKernels: [] }),
    },
    { name: 'RHEL 7 in extended support', facts: facts({ os: os('rhel', '7.9', 'Red Hat Enterprise Linux 7.9') }) },
    { name: 'a report collected exactly maxFactAgeHours ago still speaks', facts: facts({}, {}, hoursAgo(24)) },
    { name: 'an advisory dated after the check is not overdue', facts: facts({ pending: [advisory('kernel', 'Critical', -3)] }) },
    // No clock-skew allowance exists for patch facts (thresholds.patch has none): a date a little ahead counts as now.
    {
      name: 'lists and a report dated minutes after the check (host clock ahead)',
      facts: facts({ listsRefreshedAt: hoursAgo(-0.1) }, {}, hoursAgo(-0.1)),
    },
    {
      name: 'a banner matching its installed package',
      facts: facts(
        { installed: new Map([['openssh-server', '1:9.2p1-2+deb12u10']]) },
        { banners: [SSH_BANNER], sweepArtefact: 'evidence/nmap.xml' },
      ),
    },
  ],
  invalid: [
    {
      name: 'a critical update past its 7 days, named with its advisory and age',
      facts: facts({ pending: [advisory('kernel', 'Critical', 8), advisory('tzdata', 'Low', 8)] }),
      verdicts: [
        {
          id: 'patch.overdue-updates',
          status: 'fail',
          params: {
            gateway: 'gw',
            count: 1,
            list: 'kernel 1.0-1 → 2.0-1 (RHSA-2026:1000, Critical, issued 2026-11-22, 8 days ago, window 7 days)',
          },
          actual: '1 overdue of 2 pending',
        },
      ],
    },
    {
      name: 'High past 7 days',
      facts: facts({ pending: [advisory('openssl', 'High', 7.01)] }),
      verdicts: [{ id: 'patch.overdue-updates', status: 'fail', params: { list: /window 7 days/ } }],
    },
    {
      name: 'Important past 7 days',
      facts: facts({ pending: [advisory('openssl', 'important', 8)] }),
      verdicts: [{ id: 'patch.overdue-updates', status: 'fail' }],
    },
    {
      name: 'Moderate past 28 days',
      facts: facts({ pending: [advisory('libxml2', 'Moderate', 29)] }),
      verdicts: [{ id: 'patch.overdue-updates', status: 'fail', params: { list: /window 28 days/ } }],
    },
    {
      name: 'Medium past 28 days',
      facts: facts({ pending: [advisory('libxml2', 'MEDIUM', 29)] }),
      verdicts: [{ id: 'patch.overdue-updates', status: 'fail', params: { list: /window 28 days/ } }],
    },
    {
      name: 'Low past 90 days',
      facts: facts({ pending: [advisory('tzdata', 'Low', 91)] }),
      verdicts: [{ id: 'patch.overdue-updates', status: 'fail', params: { list: /window 90 days/ } }],
    },
    {
      name: 'unrated past 14 days',
      facts: facts({ pending: [advisory('curl', undefined, 15)] }),
      verdicts: [{ id: 'patch.overdue-updates', status: 'fail', params: { list: /\(RHSA-2026:1000, issued .*window 14 days/ } }],
    },
    {
      name: 'a severity named constructor is unrated',
      facts: facts({ pending: [advisory('curl', 'constructor', 15)] }),
      verdicts: [{ id: 'patch.overdue-updates', status: 'fail', params: { list: /constructor, issued .*window 14 days/ } }],
    },
    {
      name: 'packages named constructor and __proto__ are names like any other',
      facts: facts({ pending: [advisory('constructor', 'Critical', 30), advisory('__proto__', 'Critical', 30)] }),
      verdicts: [{ id: 'patch.overdue-updates', status: 'fail', params: { count: 2, list: /^constructor .*; __proto__ / } }],
    },
    {
      name: 'a long list names 15 and counts the rest',
      facts: facts({ pending: Array.from({ length: 20 }, (_, i) => advisory(`pkg${i}`, 'Critical', 30)) }),
      verdicts: [{ id: 'patch.overdue-updates', status: 'fail', params: { count: 20, list: /pkg14 .*; and 5 more$/ } }],
    },
    {
      name: 'a dnf advisory without a date',
      facts: facts({ pending: [{ ...advisory('kernel', 'Important', 0), issued: undefined }] }),
      verdicts: [
        {
          id: 'patch.undated-updates',
          status: 'fail',
          params: { count: 1, why: 'their advisories carry no date', list: 'kernel 1.0-1 → 2.0-1' },
        },
        {
          id: 'patch.overdue-updates',
          status: 'pass',
          params: { summary: 'no security update pending beyond its window (0 dated pending, 1 pending in all, dnf)' },
        },
      ],
    },
    {
      name: 'apt security updates have no date',
      facts: facts({
        os: DEBIAN12,
        manager: 'apt',
        pending: [{ name: 'apt', version: '2.6.2', from: '2.6.1', security: true, origin: 'oldstable-security' }],
      }),
      verdicts: [
        {
          id: 'patch.undated-updates',
          status: 'fail',
          params: { why: /^apt says which updates come from a security archive/, list: 'apt 2.6.1 → 2.6.2 (oldstable-security)' },
        },
      ],
    },
    {
      name: 'Alpine: pending updates neither dated nor told secure, and 3.20 out of support',
      facts: facts({
        os: os('alpine', '3.20.3', 'Alpine Linux v3.20'),
        manager: 'apk',
        pending: [{ name: 'musl', version: '1.2.5-r9', from: '1.2.5-r8', security: undefined }],
      }),
      verdicts: [
        {
          id: 'patch.undated-updates',
          status: 'fail',
          params: { why: 'apk says neither which updates are security fixes nor when they were released' },
        },
        { id: 'patch.os-support', status: 'fail', params: { os: 'Alpine Linux 3.20', since: '2026-04-01' } },
      ],
    },
    {
      name: 'a listing with lines the reader could not read shows no pending update, yet proves none',
      facts: facts({ unreadPending: { count: 2, sample: ['Name Type Severity Package Issued'] } }),
      verdicts: (['patch.overdue-updates', 'patch.undated-updates'] as const).map((id) => ({
        id,
        status: 'error' as const,
        params: { reason: /^2 lines of the dnf listing of pending updates could not be read \(first: "Name Type/ },
      })),
    },
    {
      name: 'an overdue update read from a listing with unread lines still fails',
      facts: facts({ pending: [advisory('kernel', 'Critical', 30)], unreadPending: { count: 1, sample: ['?'] } }),
      verdicts: [
        { id: 'patch.overdue-updates', status: 'fail' },
        { id: 'patch.undated-updates', status: 'error' },
      ],
    },
    {
      name: 'package lists 8 days old',
      facts: facts({ listsRefreshedAt: daysAgo(8) }),
      verdicts: [{ id: 'patch.package-lists', status: 'fail', params: { age: '8.0 days', limit: 7 } }],
    },
    {
      name: 'package lists a few hours old are given in hours',
      facts: facts({ listsRefreshedAt: hoursAgo(5) }),
      verdicts: [{ id: 'patch.package-lists', status: 'pass', params: { age: '5.0 h' } }],
    },
    {
      name: 'package lists that could not be dated',
      facts: facts({ listsRefreshedAt: undefined }),
      verdicts: [{ id: 'patch.package-lists', status: 'not_tested', params: { reason: 'the package lists could not be dated' } }],
    },
    {
      name: 'no package manager output',
      facts: facts({
        manager: 'unknown',
        managerProblem: 'no package manager output could be read (apt-upgradable: missing)',
        listsRefreshedAt: undefined,
      }),
      verdicts: (['patch.overdue-updates', 'patch.undated-updates', 'patch.package-lists'] as const).map((id) => ({
        id,
        status: 'not_tested' as const,
        params: { reason: /apt-upgradable: missing/ },
      })),
    },
    {
      name: 'a report collected over maxFactAgeHours ago cannot speak for now',
      facts: facts({ pending: [advisory('kernel', 'Critical', 30)] }, {}, hoursAgo(24.01)),
      verdicts: ALL_IDS.map((id) => ({
        id,
        status: 'not_tested' as const,
        params: { reason: /cocoscan agent report \(cocoscan agent collect\) \(the reports given were collected over 24 h ago\)$/ },
      })),
    },
    {
      // Dated a month ahead, a report would speak for "now" until a month after that: its date places it nowhere.
      name: 'a report dated further after the check than maxFactAgeHours cannot speak for now',
      facts: facts({ pending: [advisory('kernel', 'Critical', 30)] }, {}, daysAgo(-30)),
      verdicts: ALL_IDS.map((id) => ({
        id,
        status: 'not_tested' as const,
        params: { reason: /dated over 24 h after this check/ },
      })),
    },
    {
      name: 'package lists dated a year after the check are not fresh, they are undated',
      facts: facts({ listsRefreshedAt: daysAgo(-365) }),
      verdicts: [{ id: 'patch.package-lists', status: 'not_tested', params: { reason: /dated .* after this check/ } }],
    },
    {
      name: 'no patch facts at all',
      facts: noSource(),
      verdicts: ALL_IDS.map((id) => ({
        id,
        status: 'not_tested' as const,
        params: { reason: 'no patch facts: give gateways[].ssh credentials or a cocoscan agent report (cocoscan agent collect)' },
      })),
    },
    {
      name: 'SNMP shows the installed software but not what is pending',
      facts: noSource({ snmp: { software: 812, sysUpTime: '123456' } }),
      verdicts: [
        {
          id: 'patch.overdue-updates',
          status: 'not_tested',
          params: { reason: /^SNMP shows 812 installed packages and an uptime of 123456 ticks but not which updates are pending/ },
        },
      ],
    },
    {
      name: 'a usable report with no collection time is never fresh',
      facts: noSource({ usableSources: 1 }),
      verdicts: [{ id: 'patch.os-support', status: 'not_tested', params: { reason: /collected over 24 h ago/ } }],
    },
    {
      name: 'Debian 10, out of support',
      facts: facts({ os: os('debian', '10', 'Debian GNU/Linux 10 (buster)'), manager: 'apt' }),
      verdicts: [
        {
          id: 'patch.os-support',
          status: 'fail',
          params: { os: 'Debian 10 (buster)', since: '2024-06-30' },
          actual: 'support ended 2024-06-30',
        },
      ],
    },
    {
      name: 'Debian 12 in extended support says so',
      facts: facts({ os: DEBIAN12, manager: 'apt' }),
      verdicts: [
        { id: 'patch.os-support', status: 'pass', params: { support: /in extended support \(security fixes\) until 2028-06-30/ } },
      ],
    },
    {
      name: 'a release not in the support table',
      facts: facts({ os: os('plan9', '4', 'Plan 9 4th edition') }),
      verdicts: [
        { id: 'patch.os-support', status: 'not_tested', params: { reason: /Plan 9 4th edition is not in cocoscan's support table/ } },
      ],
    },
    {
      name: 'an OS named constructor',
      facts: facts({ os: os('constructor', '__proto__', 'constructor') }),
      verdicts: [{ id: 'patch.os-support', status: 'not_tested' }],
    },
    {
      name: '/etc/os-release unread',
      facts: facts({ os: undefined }),
      verdicts: [{ id: 'patch.os-support', status: 'not_tested', params: { reason: '/etc/os-release could not be read' } }],
    },
    // The reboot cases, moved from test/unit/patch.test.ts.
    {
      name: 'RHEL, uname -r missing, /boot read, flag reads not-required',
      facts: facts({ runningKernel: undefined }),
      verdicts: [
        {
          id: 'patch.reboot-required',
          status: 'not_tested',
          params: { reason: /running kernel is unknown.*Debian\/Ubuntu flag that Red Hat Enterprise Linux 9.5 does not write/ },
        },
      ],
    },
    {
      name: 'RHEL, running kernel older than one installed',
      facts: facts({ runningKernel: K28 }),
      verdicts: [{ id: 'patch.reboot-required', status: 'fail', params: { why: `kernel ${K28} runs while ${K30} is installed` } }],
    },
    {
      name: 'RHEL, /boot unread',
      facts: facts({ installedKernels: [] }),
      verdicts: [{ id: 'patch.reboot-required', status: 'not_tested', params: { reason: /could not be read from \/boot/ } }],
    },
    {
      name: 'RHEL, running kernel not among those in /boot',
      facts: facts({ runningKernel: '5.14.0-1' }),
      verdicts: [{ id: 'patch.reboot-required', status: 'not_tested', params: { reason: /is not among the kernels in \/boot/ } }],
    },
    {
      name: 'Debian, uname -r missing, flag not set',
      facts: facts({ os: DEBIAN12, manager: 'apt', runningKernel: undefined }),
      verdicts: [
        { id: 'patch.reboot-required', status: 'pass', params: { summary: /reboot-required is not set; running kernel unknown/ } },
      ],
    },
    {
      name: 'a Debian derivative by ID_LIKE, the flag not set (and not in the support table)',
      facts: facts({ os: MINT, manager: 'apt', runningKernel: undefined, installedKernels: [] }),
      verdicts: [
        { id: 'patch.reboot-required', status: 'pass', params: { summary: /not set/ } },
        { id: 'patch.os-support', status: 'not_tested' },
      ],
    },
    {
      name: 'Debian, flag set',
      facts: facts({ os: DEBIAN12, manager: 'apt', reboot: { required: true, packages: ['linux-image-amd64'] }, installedKernels: [] }),
      verdicts: [{ id: 'patch.reboot-required', status: 'fail', params: { why: /set by linux-image-amd64/ } }],
    },
    {
      name: 'Debian, flag set and an older kernel running',
      facts: facts({ os: DEBIAN12, manager: 'apt', reboot: { required: true, packages: [] }, runningKernel: K28 }),
      verdicts: [
        {
          id: 'patch.reboot-required',
          status: 'fail',
          params: { why: `/var/run/reboot-required is set; kernel ${K28} runs while ${K30} is installed` },
        },
      ],
    },
    {
      name: 'Debian, flag unreadable, uname -r missing',
      facts: facts({ os: DEBIAN12, manager: 'apt', reboot: undefined, runningKernel: undefined }),
      verdicts: [{ id: 'patch.reboot-required', status: 'not_tested', params: { reason: /could not be read/ } }],
    },
    {
      name: 'no os-release, apt, flag not set',
      facts: facts({ os: undefined, manager: 'apt', runningKernel: undefined }),
      verdicts: [{ id: 'patch.reboot-required', status: 'pass' }],
    },
    {
      name: 'nothing read for a reboot',
      facts: facts({ os: undefined, manager: 'unknown', reboot: undefined, runningKernel: undefined, installedKernels: [] }),
      verdicts: [{ id: 'patch.reboot-required', status: 'not_tested', params: { reason: /running kernel is unknown/ } }],
    },
    {
      name: 'a banner older than its installed package: the service was not restarted',
      facts: facts(
        { installed: new Map([['openssh-server', '1:9.2p1-2+deb12u12']]) },
        { banners: [SSH_BANNER], sweepArtefact: 'evidence/nmap.xml' },
      ),
      verdicts: [
        {
          id: 'patch.service-banners',
          status: 'fail',
          params: { mismatches: /^22\/tcp reports OpenSSH 9.2p1 Debian 2\+deb12u10 but openssh-server 1:9.2p1-2\+deb12u12 is installed/ },
        },
      ],
    },
    {
      // Bug fixed: a banner on a UDP port was named as TCP.
      name: 'a banner on a UDP port is named as UDP',
      facts: facts(
        { installed: new Map([['snmpd', '5.9.3+dfsg-2']]) },
        { banners: [{ port: 161, protocol: 'udp', product: 'Net-SNMP', version: '5.9.1' }], sweepArtefact: 'evidence/nmap.xml' },
      ),
      verdicts: [{ id: 'patch.service-banners', status: 'fail', params: { mismatches: /^161\/udp reports Net-SNMP 5\.9\.1/ } }],
    },
    {
      name: 'banner products named like prototype members are not compared',
      facts: facts(
        { installed: new Map([['constructor', '1.0']]) },
        {
          banners: ['constructor', '__proto__', 'toString'].map((product, i) => ({
            port: 80 + i,
            protocol: 'tcp' as const,
            product,
            version: '1.0',
          })),
        },
      ),
      verdicts: [{ id: 'patch.service-banners', status: 'not_applicable', params: { reason: 'no versioned service banner to compare' } }],
    },
    {
      name: 'banners but no installed-package list',
      facts: facts({}, { banners: [SSH_BANNER] }),
      verdicts: [
        { id: 'patch.service-banners', status: 'not_applicable', params: { reason: 'no installed-package list to compare with' } },
      ],
    },
    {
      name: 'a banner whose product has no installed package',
      facts: facts({ installed: new Map([['nginx', '1.22.1-9']]) }, { banners: [SSH_BANNER] }),
      verdicts: [
        { id: 'patch.service-banners', status: 'not_applicable', params: { reason: 'no banner product has a matching installed package' } },
      ],
    },
  ],
});

describe('patch judge: evidence and observation', () => {
  it('names the source and its collection time, and cites patch.json and the sweep where the banners decide', () => {
    const f = facts(
      { installed: new Map([['openssh-server', '1:9.2p1-2+deb12u10']]) },
      { banners: [SSH_BANNER], sweepArtefact: 'evidence/nmap.xml' },
    );
    const verdicts = judgePatch(f, THRESHOLDS, NOW);
    expect(verdicts.map((v) => v.id)).toEqual(ALL_IDS);
    for (const v of verdicts) {
      expect(v.target).toEqual({ gateway: 'gw', host: '192.0.2.1' });
      expect(v.evidence.source).toBe('report.json (agent-report, collected 2026-11-30T09:30:00.000Z)');
      expect(v.evidence.artefacts).toEqual(
        v.id === 'patch.service-banners' ? ['evidence/gateways/gw/patch.json', 'evidence/nmap.xml'] : ['evidence/gateways/gw/patch.json'],
      );
    }
  });

  it('without facts: the probe as source and no artefact', () => {
    for (const v of judgePatch(noSource(), THRESHOLDS, NOW))
      expect(v.evidence).toMatchObject({
        source: 'cocoscan patch probe',
        expected: 'patch facts from the host',
        actual: 'none',
        artefacts: [],
      });
  });

  it('keeps the overdue and pending counts in data', () => {
    const f = facts({
      pending: [
        advisory('kernel', 'Critical', 30),
        advisory('tzdata', 'Low', 1),
        { ...advisory('appstream', undefined, 1), security: false },
      ],
    });
    const [overdue] = judgePatch(f, THRESHOLDS, NOW);
    expect(overdue!.data).toEqual({ overdue: ['kernel'], pending: 3, securityPending: 2 });
    expect(judgePatch(facts(), THRESHOLDS, NOW)[0]!.data).toEqual({ pending: 0, securityPending: 0 });
  });

  it('observes the pending updates exactly where the overdue finding carries them', () => {
    const f = facts({
      pending: [
        advisory('kernel', 'Critical', 30),
        { ...advisory('appstream', undefined, 1), security: false },
        { name: 'musl', version: '2', security: undefined },
      ],
    });
    expect(observePatch(f, THRESHOLDS)).toEqual([{ kind: 'pending-updates', gateway: 'gw', pending: 3, securityPending: 2 }]);
    expect(observePatch(facts({ manager: 'unknown' }), THRESHOLDS)).toEqual([]);
    expect(observePatch(noSource(), THRESHOLDS)).toEqual([]);
    // Stale at the end of the gathering: no finding carries counts, so nothing is observed.
    expect(observePatch(facts({}, {}, hoursAgo(25)), THRESHOLDS)).toEqual([]);
    for (const sample of [f, facts({ manager: 'unknown' }), noSource(), facts({}, {}, hoursAgo(25))]) {
      const data = judgePatch(sample, THRESHOLDS, NOW)[0]!.data;
      const observed = observePatch(sample, THRESHOLDS).find((o) => o.kind === 'pending-updates');
      expect(observed ? { pending: observed.pending, securityPending: observed.securityPending } : undefined).toEqual(
        data ? { pending: data.pending, securityPending: data.securityPending } : undefined,
      );
    }
  });
});
