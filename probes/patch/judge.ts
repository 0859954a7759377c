import type { FindingStatus } from '../../src/findings.ts';
import type { Observation } from '../../src/history/observation.ts';
import type { PatchFacts } from '../../src/patch/facts.ts';
import { findRelease, OS_SUPPORT } from '../../src/patch/os-support.ts';
import type { PendingUpdate } from '../../src/patch/parse.ts';
import type { Verdict } from '../../src/probe/contract.ts';
import { bannerVerdict } from './banners.ts';
import { PATCH_FINDINGS, type PatchFindingId } from './findings.ts';
import type { PatchProbeFacts, PatchSource } from './gather.ts';
import { rebootVerdict } from './reboot.ts';
import type { PatchThresholds } from './thresholds.ts';

export type { PatchProbeFacts } from './gather.ts';

const DAY = 86_400_000;
type Params = Record<string, string | number>;

interface Said {
  status: FindingStatus;
  params: Params;
  expected: string;
  actual: string;
  artefacts: string[];
  data?: Record<string, unknown>;
}

/** One verdict on the gateway; every message names it, the evidence names the source the facts come from. */
function verdict(facts: PatchProbeFacts, source: PatchSource | undefined, id: PatchFindingId, said: Said): Verdict<PatchFindingId> {
  const { status, params, expected, actual, artefacts, data } = said;
  const from = source ? `${source.label} (${source.kind}, collected ${source.collectedAt.toISOString()})` : 'cocoscan patch probe';
  return {
    id,
    target: facts.target,
    status,
    params: { gateway: facts.target.gateway, ...params },
    evidence: { source: from, expected, actual, artefacts },
    data,
  };
}

/**
 * The source the verdicts rest on: the newest dated one, when it is at most maxFactAgeHours old at `now`. One dated
 * further ahead of `now` than that is not fresh either: a wrong clock or altered date would let it speak for weeks.
 */
export function freshSource(
  facts: PatchProbeFacts,
  thresholds: Pick<PatchThresholds, 'maxFactAgeHours'>,
  now: Date,
): PatchSource | undefined {
  const source = facts.source;
  return source && Math.abs(now.getTime() - source.collectedAt.getTime()) <= thresholds.maxFactAgeHours * 3_600_000 ? source : undefined;
}

/** How far a date lies after the moment of the check, said for a reason. */
function aheadText(at: Date, now: Date): string {
  const ahead = at.getTime() - now.getTime();
  return ahead >= DAY ? `${(ahead / DAY).toFixed(1)} days` : `${(ahead / 3_600_000).toFixed(1)} h`;
}

/**
 * Judges a gateway's patch level from the freshest host-reported source. Pure. Pending security updates are
 * held against the profile's window for their severity; an update whose age or security cannot be known is
 * said so, never passed; no source fresh enough leaves every finding not tested, saying what to provide.
 */
export function judgePatch(facts: PatchProbeFacts, t: PatchThresholds, now: Date): Verdict<PatchFindingId>[] {
  const source = freshSource(facts, t, now);
  if (!source) {
    const software = facts.snmp?.software;
    const uptime = facts.snmp?.sysUpTime ? ` and an uptime of ${facts.snmp.sysUpTime} ticks` : '';
    const ahead = facts.source && facts.source.collectedAt.getTime() > now.getTime();
    const stale =
      facts.usableSources === 0
        ? ''
        : ahead
          ? ` (${facts.source!.label} is dated over ${t.maxFactAgeHours} h after this check, ` +
            `${facts.source!.collectedAt.toISOString()}: check the host's clock)`
          : ` (the reports given were collected over ${t.maxFactAgeHours} h ago)`;
    const reason = software
      ? `SNMP shows ${software} installed packages${uptime} but not which updates are pending; ` +
        `give gateways[].ssh credentials or a cocoscan agent report${stale}`
      : `no patch facts: give gateways[].ssh credentials or a cocoscan agent report (cocoscan agent collect)${stale}`;
    return (Object.keys(PATCH_FINDINGS) as PatchFindingId[]).map((id) =>
      verdict(facts, undefined, id, {
        status: 'not_tested',
        params: { reason },
        expected: 'patch facts from the host',
        actual: 'none',
        artefacts: [],
      }),
    );
  }
  const { patch, artefact } = source;
  const said: [PatchFindingId, Said][] = [
    ...updates(patch, t, now, artefact),
    ['patch.os-support', support(patch, now, artefact)],
    ['patch.reboot-required', reboot(patch, artefact)],
    ['patch.service-banners', banners(facts, patch, artefact)],
  ];
  return said.map(([id, s]) => verdict(facts, source, id, s));
}

/** What history compares for patch level: the pending updates of a source fresh enough to be judged. */
export function observePatch(facts: PatchProbeFacts, thresholds: PatchThresholds): Observation[] {
  const patch = freshSource(facts, thresholds, facts.gatheredAt)?.patch;
  if (!patch || patch.manager === 'unknown') return [];
  const securityPending = patch.pending.filter((u) => u.security !== false).length;
  return [{ kind: 'pending-updates', gateway: facts.target.gateway, pending: patch.pending.length, securityPending }];
}

function windowFor(u: PendingUpdate, t: PatchThresholds): number {
  const s = (u.severity ?? '').toLowerCase();
  if (s === 'critical') return t.criticalDays;
  if (s === 'important' || s === 'high') return t.highDays;
  if (s === 'moderate' || s === 'medium') return t.mediumDays;
  if (s === 'low') return t.lowDays;
  return t.unratedDays;
}

function listOf(updates: PendingUpdate[], detail: (u: PendingUpdate) => string): string {
  return `${updates.slice(0, 15).map(detail).join('; ')}${updates.length > 15 ? `; and ${updates.length - 15} more` : ''}`;
}

function updates(patch: PatchFacts, t: PatchThresholds, now: Date, artefact: string): [PatchFindingId, Said][] {
  const artefacts = [artefact];
  const listsExpected = `lists refreshed within ${t.listFreshnessDays} days`;
  if (patch.manager === 'unknown') {
    const reason = patch.managerProblem ?? 'no package manager output';
    return [
      [
        'patch.overdue-updates',
        { status: 'not_tested', params: { reason }, expected: 'pending security updates', actual: 'unknown', artefacts },
      ],
      [
        'patch.undated-updates',
        { status: 'not_tested', params: { reason }, expected: 'pending security updates', actual: 'unknown', artefacts },
      ],
      ['patch.package-lists', { status: 'not_tested', params: { reason }, expected: 'fresh package lists', actual: 'unknown', artefacts }],
    ];
  }
  // A listing with lines the reader does not know (another version's format) cannot show that nothing is pending.
  const unread = patch.unreadPending;
  const unreadReason = unread
    ? `${unread.count} line${unread.count === 1 ? '' : 's'} of the ${patch.manager} listing of pending updates could not be read ` +
      `(first: ${unread.sample.map((line) => JSON.stringify(line)).join(', ')}), so it cannot show that none is pending`
    : undefined;
  const security = patch.pending.filter((u) => u.security !== false);
  const dated = security.filter((u) => u.issued);
  const undated = security.filter((u) => !u.issued);
  const overdue = dated.filter((u) => now.getTime() - u.issued!.getTime() > windowFor(u, t) * DAY);
  const describe = (u: PendingUpdate) => {
    const age = Math.floor((now.getTime() - u.issued!.getTime()) / DAY);
    const advisory = u.advisory
      ? ` (${u.advisory}${u.severity ? `, ${u.severity}` : ''}, issued ${u.issued!.toISOString().slice(0, 10)}, ` +
        `${age} days ago, window ${windowFor(u, t)} days)`
      : '';
    return `${u.name} ${u.from ? `${u.from} → ` : ''}${u.version}${advisory}`;
  };
  const windows =
    `windows: critical ${t.criticalDays}, high ${t.highDays}, medium ${t.mediumDays}, ` + `low ${t.lowDays}, unrated ${t.unratedDays} days`;
  const counts = { pending: patch.pending.length, securityPending: security.length };
  const overdueSaid: Said =
    overdue.length === 0 && unreadReason
      ? { status: 'error', params: { reason: unreadReason }, expected: windows, actual: 'listing unreadable', artefacts }
      : overdue.length > 0
        ? {
            status: 'fail',
            params: { count: overdue.length, list: listOf(overdue, describe) },
            expected: windows,
            actual: `${overdue.length} overdue of ${security.length} pending`,
            artefacts,
            data: { overdue: overdue.map((u) => u.name), ...counts },
          }
        : {
            status: 'pass',
            params: {
              summary:
                `no security update pending beyond its window ` +
                `(${dated.length} dated pending, ${patch.pending.length} pending in all, ${patch.manager})`,
            },
            expected: windows,
            actual: `${security.length} security pending`,
            artefacts,
            data: counts,
          };
  const why =
    patch.manager === 'apt'
      ? 'apt says which updates come from a security archive, but its package lists do not date them'
      : patch.manager === 'apk'
        ? 'apk says neither which updates are security fixes nor when they were released'
        : 'their advisories carry no date';
  const undatedExpected = 'every pending security update dated';
  const undatedSaid: Said =
    undated.length === 0 && unreadReason
      ? { status: 'error', params: { reason: unreadReason }, expected: undatedExpected, actual: 'listing unreadable', artefacts }
      : undated.length > 0
        ? {
            status: 'fail',
            params: {
              count: undated.length,
              why,
              list: listOf(undated, (u) => `${u.name} ${u.from ? `${u.from} → ` : ''}${u.version}${u.origin ? ` (${u.origin})` : ''}`),
            },
            expected: undatedExpected,
            actual: `${undated.length} undated`,
            artefacts,
            data: { undated: undated.map((u) => u.name) },
          }
        : {
            status: 'pass',
            params: { summary: 'no pending security update of unknown age' },
            expected: undatedExpected,
            actual: 'none undated',
            artefacts,
          };
  let lists: Said;
  if (patch.listsRefreshedAt && now.getTime() - patch.listsRefreshedAt.getTime() < -t.maxFactAgeHours * 3_600_000) {
    lists = {
      status: 'not_tested',
      params: {
        reason:
          `the package lists are dated ${aheadText(patch.listsRefreshedAt, now)} after this check ` +
          `(${patch.listsRefreshedAt.toISOString()}): a wrong host clock or altered data, so their age is unknown`,
      },
      expected: listsExpected,
      actual: patch.listsRefreshedAt.toISOString(),
      artefacts,
    };
  } else if (patch.listsRefreshedAt) {
    const age = now.getTime() - patch.listsRefreshedAt.getTime();
    const ageText = age >= DAY ? `${(age / DAY).toFixed(1)} days` : `${(age / 3_600_000).toFixed(1)} h`;
    const status = age > t.listFreshnessDays * DAY ? 'fail' : 'pass';
    lists = {
      status,
      params: { age: ageText, limit: t.listFreshnessDays },
      expected: listsExpected,
      actual: patch.listsRefreshedAt.toISOString(),
      artefacts,
    };
  } else {
    lists = {
      status: 'not_tested',
      params: { reason: 'the package lists could not be dated' },
      expected: listsExpected,
      actual: 'unknown',
      artefacts,
    };
  }
  return [
    ['patch.overdue-updates', overdueSaid],
    ['patch.undated-updates', undatedSaid],
    ['patch.package-lists', lists],
  ];
}

function support(patch: PatchFacts, now: Date, artefact: string): Said {
  const expected = `a release inside its vendor's support (table checked ${OS_SUPPORT.checked})`;
  const artefacts = [artefact];
  if (!patch.os)
    return { status: 'not_tested', params: { reason: '/etc/os-release could not be read' }, expected, actual: 'unknown', artefacts };
  const release = findRelease(patch.os.id, patch.os.versionId);
  if (!release) {
    const reason = `${patch.os.prettyName} is not in cocoscan's support table (src/patch/os-support.yaml)`;
    return { status: 'not_tested', params: { reason }, expected, actual: patch.os.prettyName, artefacts };
  }
  const ends = new Date(`${release.supportEnds}T23:59:59Z`);
  const extended = release.extendedEnds ? new Date(`${release.extendedEnds}T23:59:59Z`) : undefined;
  if (now <= ends)
    return {
      status: 'pass',
      params: { os: release.name, support: `is supported until ${release.supportEnds}` },
      expected,
      actual: `supported until ${release.supportEnds}`,
      artefacts,
    };
  if (extended && now <= extended) {
    const supportText =
      `left regular support on ${release.supportEnds} and is in extended support (security fixes) ` + `until ${release.extendedEnds}`;
    return {
      status: 'pass',
      params: { os: release.name, support: supportText },
      expected,
      actual: `extended support until ${release.extendedEnds}`,
      artefacts,
    };
  }
  const since = release.extendedEnds ?? release.supportEnds;
  return { status: 'fail', params: { os: release.name, since }, expected, actual: `support ended ${since}`, artefacts };
}

function reboot(patch: PatchFacts, artefact: string): Said {
  const result = rebootVerdict(patch);
  const expected = 'no reboot owed';
  const artefacts = [artefact];
  if (result.status === 'fail') return { status: 'fail', params: { why: result.text }, expected, actual: result.text, artefacts };
  if (result.status === 'not_tested')
    return { status: 'not_tested', params: { reason: result.text }, expected, actual: 'unknown', artefacts };
  return { status: 'pass', params: { summary: result.text }, expected, actual: 'none owed', artefacts };
}

function banners(facts: PatchProbeFacts, patch: PatchFacts, artefact: string): Said {
  const result = bannerVerdict(facts.banners, patch.installed);
  const artefacts = result.citesSweep && facts.sweepArtefact ? [artefact, facts.sweepArtefact] : [artefact];
  return {
    status: result.status,
    params: result.params,
    expected: 'banners matching installed packages',
    actual: result.actual,
    artefacts,
  };
}
