import type { FindingStatus } from '../findings.ts';
import type { ReportedSource } from '../facts/reported-sources.ts';
import { AV_COMMANDS } from '../host/commands.ts';
import { isClamavEngine } from '../host/processes.ts';
import { AV_FINDING_IDS, type AvFindingId } from './findings.ts';
import type { AvObservation } from './observation.ts';

const HOUR = 3_600_000;

export { AV_FINDING_IDS, type AvFindingId } from './findings.ts';

export interface AvThresholds {
  maxSignatureAgeHours: number;
  maxUpdateGapHours: number;
  maxReportAgeHours: number;
  historyWindowDays: number;
  maxClockSkewMinutes: number;
}

/** Everything known about one gateway's anti-virus, from every source of the run, before any judging. */
export interface GatewayAvFacts {
  gateway: string;
  /** Agent reports, files from the connection file and the SSH session of the same run. */
  sources: ReportedSource[];
  /** Sources that were asked for but could not be read, with why (the SSH session failed, say). */
  missing: string[];
}

export interface AvVerdict {
  id: AvFindingId;
  status: FindingStatus;
  params: Record<string, string | number>;
  expected: string;
  actual: string;
  /** Every source this verdict rests on, named as the evidence cites it. */
  sources: string[];
  data?: Record<string, unknown>;
}

export function hours(ms: number): string {
  const h = ms / HOUR;
  return h >= 48 ? `${(h / 24).toFixed(1)} days` : `${h.toFixed(1)} h`;
}

/** How the evidence names a source: its label, its kind and whether its origin was verified. */
export function citeSource(s: ReportedSource): string {
  const signature = s.signature === 'valid' ? ', signature verified' : s.signature === 'unsigned' ? ', unsigned' : '';
  return `${s.label} (${s.kind}${signature})`;
}

const cite = (sources: Iterable<ReportedSource>) => [...new Set([...sources].map(citeSource))];

interface Sourced {
  o: AvObservation;
  s: ReportedSource;
  /** Added to every date of `o` (whose UTC offset is unknown) when judging it at one offset. */
  shiftMs?: number;
}

/** A date of an observation as judged: moved by the observation's shift, if any. */
const timeOf = (x: Sourced, d: Date) => d.getTime() + (x.shiftMs ?? 0);

/**
 * CoCo-10 for one gateway, judged on the facts of every source together: a pure function of the facts, the
 * thresholds and the moment of the check. A process list read over SSH tells whether the ClamAV that a file
 * reported is running; update runs from several logs fill each other's gaps.
 */
export function judgeAntivirus(facts: GatewayAvFacts, t: AvThresholds, now: Date): AvVerdict[] {
  const { sources } = facts;
  const verdict: Make = (id, status, params, expected, actual, from, data) => ({
    id,
    status,
    params,
    expected,
    actual,
    sources: cite(from),
    ...(data ? { data } : {}),
  });
  const missing = facts.missing.length > 0 ? ` (${facts.missing.join('; ')})` : '';

  if (sources.length === 0) {
    const reason =
      facts.missing.length > 0
        ? `no host data could be read${missing}: fix the SSH access or give gateways[].agentReports (cocoscan agent collect, or ClamAV/Defender output)`
        : 'no agent report and no SSH credentials: give gateways[].agentReports (cocoscan agent collect, or ClamAV/Defender output) or gateways[].ssh';
    return AV_FINDING_IDS.map((id) => verdict(id, 'not_tested', { reason }, 'agent-reported anti-virus data', 'none', []));
  }

  // The reports themselves: rejected ones make every verdict below unsafe.
  const ms = now.getTime();
  const rejected = sources.filter((s) => s.failure);
  const usable = sources.filter((s) => !s.failure);
  const fresh = usable.filter((s) => s.collectedAt && ms - s.collectedAt.getTime() <= t.maxReportAgeHours * HOUR);
  const stale = usable.filter((s) => !fresh.includes(s));
  const skewed = usable.filter(
    (s) =>
      (s.collectedAt && s.collectedAt.getTime() - ms > t.maxClockSkewMinutes * 60_000) ||
      Math.abs(s.clockSkewSeconds ?? 0) > t.maxClockSkewMinutes * 60,
  );
  const describeSource = (s: ReportedSource) => {
    const age = s.collectedAt
      ? `collected ${hours(ms - s.collectedAt.getTime())} ago (${s.collectedAt.toISOString()}, from the ${s.collectedAtFrom})`
      : 'collection time unknown';
    const skew =
      s.clockSkewSeconds !== undefined ? `, host clock ${s.clockSkewSeconds >= 0 ? '+' : ''}${s.clockSkewSeconds} s from this checker` : '';
    const signature =
      s.signature === 'unsigned' ? ', unsigned: its origin cannot be verified' : s.signature === 'valid' ? ', signature verified' : '';
    return `${s.label}: ${s.failure ?? age}${skew}${signature}`;
  };
  const reportSummary = `${sources.map(describeSource).join('; ')}${facts.missing.length > 0 ? `; not read: ${facts.missing.join('; ')}` : ''}`;
  const JUDGED = ['antivirus.present', 'antivirus.signature-age', 'antivirus.update-gaps'] as const;
  if (rejected.length > 0) {
    const reason = rejected.map((s) => `${s.label}: ${s.failure}`).join('; ');
    return [
      verdict('antivirus.reports', 'error', { reason }, 'reports that verify and can be read', reportSummary, sources),
      ...JUDGED.map((id) =>
        verdict(
          id,
          'not_tested',
          { reason: `a report was rejected (${reason}), so it cannot be used` },
          'trusted agent data',
          'none',
          rejected,
        ),
      ),
    ];
  }
  if (skewed.length > 0) {
    const reason =
      `clock skew between the host and this checker is over ${t.maxClockSkewMinutes} min ` +
      `(${skewed.map(describeSource).join('; ')}): ages cannot be trusted`;
    return AV_FINDING_IDS.map((id) =>
      verdict(id, id === 'antivirus.reports' ? 'error' : 'not_tested', { reason }, 'clocks within the skew limit', reportSummary, skewed),
    );
  }
  const verdicts: AvVerdict[] = [
    verdict('antivirus.reports', 'pass', { summary: reportSummary }, 'reports that verify and can be read', reportSummary, sources),
  ];
  if (fresh.length === 0) {
    const reason = `no report is recent enough to speak for now (limit ${t.maxReportAgeHours} h after collection): ${stale.map(describeSource).join('; ')}`;
    return [
      ...verdicts,
      ...JUDGED.map((id) =>
        verdict(id, 'not_tested', { reason }, `a report collected within ${t.maxReportAgeHours} h`, reportSummary, stale),
      ),
    ];
  }

  const observations: Sourced[] = fresh.flatMap((s) => s.observations.map((o) => ({ o, s })));
  if (observations.length === 0) {
    const absent = whyNoObservation(fresh, stale, missing);
    if (absent)
      return [
        ...verdicts,
        ...JUDGED.map((id) =>
          verdict(id, absent.status, { reason: absent.reason }, 'anti-virus data from a recent source', 'none read', absent.from),
        ),
      ];
  }
  verdicts.push(judgePresence(observations, fresh, missing, verdict));
  const latestAllowed = now.getTime() + t.maxClockSkewMinutes * 60_000;
  verdicts.push(underEveryOffset(observations, latestAllowed, (shifted) => judgeSignatureAge(shifted, t, now, verdict)));
  verdicts.push(underEveryOffset(observations, latestAllowed, (shifted) => judgeUpdateGaps(shifted, t, now, verdict)));
  return verdicts;
}

/**
 * When no recent source shows any anti-virus, "none installed" is a verdict only if every way of looking
 * worked: a tool that timed out or was refused is an error, and anti-virus seen only in old reports is not tested.
 */
function whyNoObservation(
  fresh: ReportedSource[],
  stale: ReportedSource[],
  missing: string,
): { status: FindingStatus; reason: string; from: ReportedSource[] } | undefined {
  const unread = fresh.flatMap((s) =>
    AV_COMMANDS.filter((name) => Object.hasOwn(s.commands ?? {}, name))
      .map((name) => s.commands![name]!)
      .filter((c) => c.status !== 'ok' && c.status !== 'missing')
      .map((c) => ({ s, text: `${c.name}: ${c.status}${c.stderr.trim() ? ` (${c.stderr.trim().slice(0, 120)})` : ''}` })),
  );
  if (unread.length > 0) {
    const which = unread.map((u) => `${u.s.label}: ${u.text}`).join('; ');
    return {
      status: 'error',
      reason: `the anti-virus tools could not be read (${which}): give the account the rights it needs, or send an agent report`,
      from: unread.map((u) => u.s),
    };
  }
  const seenBefore = stale.filter((s) => s.observations.length > 0);
  if (seenBefore.length > 0) {
    const which = seenBefore.map((s) => `${s.label}, collected ${s.collectedAt?.toISOString() ?? 'at an unknown time'}`).join('; ');
    return {
      status: 'not_tested',
      reason: `anti-virus shows only in reports too old to speak for now (${which})${missing}: send a fresh report`,
      from: seenBefore,
    };
  }
  return undefined;
}

type Make = (
  id: AvFindingId,
  status: FindingStatus,
  params: Record<string, string | number>,
  expected: string,
  actual: string,
  from: Iterable<ReportedSource>,
  data?: Record<string, unknown>,
) => AvVerdict;

function judgePresence(observations: Sourced[], fresh: ReportedSource[], missing: string, verdict: Make): AvVerdict {
  const expected = 'an anti-virus engine running with real-time protection';
  if (observations.length === 0) {
    return verdict(
      'antivirus.present',
      'fail',
      { problem: 'no anti-virus was found in the agent data (no ClamAV, Defender or Security Center output)' },
      expected,
      'none found',
      fresh,
    );
  }
  const problems: string[] = [];
  const unknown: string[] = [];
  const running: string[] = [];
  const cited = new Set(observations.map(({ s }) => s));
  // The newest process list of the gateway, whichever source read it.
  const processSource = fresh
    .filter((s) => s.processes !== undefined)
    .sort((a, b) => b.collectedAt!.getTime() - a.collectedAt!.getTime())[0];
  const products = [...new Set(observations.map(({ o }) => o.product))];
  // Security Center only summarises the product behind it; Defender's own status says whether it protects in real time.
  const defenderProtects = observations.some(({ o }) => o.product === 'Microsoft Defender' && o.realTimeProtection === true);
  for (const product of products) {
    const of = observations.filter(({ o }) => o.product === product);
    if (product === 'ClamAV') {
      if (!processSource) {
        unknown.push(
          `ClamAV: no process list in the data of any source${missing}, so whether clamd runs is unknown ` +
            '(the SSH session and cocoscan agent reports list processes)',
        );
        continue;
      }
      cited.add(processSource);
      if (processSource.processes!.some(isClamavEngine)) running.push(`clamd running (process list from ${processSource.label})`);
      else
        problems.push(
          `ClamAV is installed but clamd is not running (no on-access or daemon scanning; process list from ${processSource.label})`,
        );
    } else {
      if (of.some(({ o }) => o.engineRunning === false)) problems.push(`${product}: the anti-virus engine or service is not running`);
      if (of.some(({ o }) => o.realTimeProtection === false)) problems.push(`${product}: real-time protection is off`);
      else if (of.every(({ o }) => o.realTimeProtection === undefined) && !(product === 'Windows Security Center' && defenderProtects)) {
        unknown.push(
          `${product}: ${of.map(({ o, s }) => `${o.format} from ${s.label}`).join(', ')} ` +
            'does not say whether real-time protection is on (send Get-MpComputerStatus or mdatp health output)',
        );
      }
    }
  }
  const versions = observations.map(
    ({ o, s }) =>
      `${o.product}${o.engineVersion ? ` ${o.engineVersion}` : ''}` +
      `${o.signatureVersion ? ` signatures ${o.signatureVersion}` : ''} (${o.format}, from ${s.label})`,
  );
  const actual = [...new Set(versions), ...running].join('; ');
  if (problems.length > 0) return verdict('antivirus.present', 'fail', { problem: problems.join('; ') }, expected, actual, cited);
  if (unknown.length > 0) return verdict('antivirus.present', 'not_tested', { reason: unknown.join('; ') }, expected, actual, cited);
  const protection = products.some((p) => p !== 'ClamAV') ? ', real-time protection on' : '';
  return verdict('antivirus.present', 'pass', { products: `${actual}; engine running${protection}` }, expected, actual, cited);
}

/**
 * Each product present is judged on its own newest signatures, and the verdict is the worst of them: a
 * current Defender never hides a week-old ClamAV on the same gateway.
 */
function judgeSignatureAge(observations: Sourced[], t: AvThresholds, now: Date, verdict: Make): AvVerdict {
  const expected = `signatures of every anti-virus product at most ${t.maxSignatureAgeHours} h old at ${now.toISOString()}`;
  const products = [...new Set(observations.map(({ o }) => o.product))];
  const newestOf = new Map<string, Sourced>();
  for (const product of products) {
    const dated = preferKnownOffset(observations.filter(({ o }) => o.product === product && o.signatureTime));
    if (dated.length > 0)
      newestOf.set(
        product,
        dated.reduce((a, b) => (timeOf(b, b.o.signatureTime!) > timeOf(a, a.o.signatureTime!) ? b : a)),
      );
  }
  if (newestOf.size === 0) {
    const reason = observations.map(({ o }) => o.cannotShowAge).find(Boolean) ?? 'no signature date in the agent data';
    return verdict(
      'antivirus.signature-age',
      'not_tested',
      { reason },
      expected,
      'no signature date',
      observations.map(({ s }) => s),
    );
  }
  const ms = now.getTime();
  const signedAt = (x: Sourced) => new Date(timeOf(x, x.o.signatureTime!)).toISOString();
  const describe = (x: Sourced) => `${signedAt(x)}, ${x.o.product} ${x.o.format} from ${x.s.label}`;
  const judged = [...newestOf.values()].map((x) => ({ x, age: ms - timeOf(x, x.o.signatureTime!) }));
  const cited = judged.map(({ x }) => x.s);
  const summary = judged
    .map(({ x, age }) => `${x.o.product}: ${age < 0 ? `${hours(-age)} ahead` : `${hours(age)} old`} (${describe(x)})`)
    .join('; ');
  const oldest = judged.reduce((a, b) => (b.age > a.age ? b : a));
  const data = {
    ageHours: Number((oldest.age / HOUR).toFixed(2)),
    products: judged.map(({ x, age }) => ({ product: x.o.product, ageHours: Number((age / HOUR).toFixed(2)) })),
  };
  const params = {
    age: hours(Math.max(0, oldest.age)),
    when: describe(oldest.x),
    limit: t.maxSignatureAgeHours,
    product: oldest.x.o.product,
  };
  if (oldest.age > t.maxSignatureAgeHours * HOUR) return verdict('antivirus.signature-age', 'fail', params, expected, summary, cited, data);
  const ahead = judged.filter(({ age }) => -age > t.maxClockSkewMinutes * 60_000);
  if (ahead.length > 0) {
    // Signatures built after the moment of the check: a wrong clock or altered data, never "0 h old".
    const reason = ahead
      .map(
        ({ x, age }) =>
          `the newest ${x.o.product} signatures are dated ${signedAt(x)} (${x.o.format} from ${x.s.label}), ${hours(-age)} after this check`,
      )
      .join('; ');
    return verdict(
      'antivirus.signature-age',
      'error',
      { reason: `${reason}: the date cannot be trusted` },
      expected,
      summary,
      ahead.map(({ x }) => x.s),
    );
  }
  const undated = products.filter((p) => !newestOf.has(p) && !(p === 'Windows Security Center' && newestOf.has('Microsoft Defender')));
  if (undated.length > 0) {
    const reason = undated
      .map(
        (p) =>
          `${p}: ${observations.find(({ o }) => o.product === p && o.cannotShowAge)?.o.cannotShowAge ?? 'no signature date in the agent data'}`,
      )
      .join('; ');
    return verdict(
      'antivirus.signature-age',
      'not_tested',
      { reason: `${reason} (dated: ${summary})` },
      expected,
      summary,
      observations.map(({ s }) => s),
      data,
    );
  }
  return verdict('antivirus.signature-age', 'pass', params, expected, summary, cited, data);
}

/**
 * The longest period without a successful update inside the window: from the window's start to the first
 * success, between successes, and from the last success to now. A gap over the limit is a fail wherever the
 * history shows it; a pass needs a history that reaches back to the window's start.
 */
function judgeUpdateGaps(observations: Sourced[], t: AvThresholds, now: Date, verdict: Make): AvVerdict {
  const expected = `no gap over ${t.maxUpdateGapHours} h between updates in the last ${t.historyWindowDays} days`;
  const histories = preferKnownOffset(observations.filter(({ o }) => o.updateRuns));
  if (histories.length === 0) {
    return verdict(
      'antivirus.update-gaps',
      'not_tested',
      { reason: 'no update history in the agent data (a freshclam.log, say); only the current signature age could be judged' },
      expected,
      'no history',
      observations.map(({ s }) => s),
    );
  }
  const dated = histories.filter(({ o }) => o.historyStart);
  const from = histories.map(({ s }) => s);
  if (dated.length === 0) {
    const reason = histories.map(({ o, s }) => `${s.label}: ${o.historyProblem ?? 'the history carries no date'}`).join('; ');
    return verdict('antivirus.update-gaps', 'not_tested', { reason }, expected, 'no dated update run', from);
  }
  const end = now.getTime();
  const skew = t.maxClockSkewMinutes * 60_000;
  const timed = dated.map((x) => ({ x, times: sortedRuns(x.o), shift: x.shiftMs ?? 0 }));
  const ahead = timed.flatMap(({ x, times, shift }) => {
    const latest = times.length > 0 ? times[times.length - 1]! + shift : Number.NEGATIVE_INFINITY;
    return latest - end > skew ? [{ s: x.s, latest, count: times.length - firstAtOrAfter(times, end + skew + 1 - shift) }] : [];
  });
  if (ahead.length > 0) {
    // Runs after the moment of the check: a wrong clock, a wrong UTC offset or altered data, never dropped in silence.
    const reason = ahead
      .map(
        ({ s, latest, count }) =>
          `${s.label}: ${count} update run(s) dated after this check, the latest ${new Date(latest).toISOString()} (${hours(latest - end)} ahead)`,
      )
      .join('; ');
    return verdict(
      'antivirus.update-gaps',
      'error',
      {
        reason: `${reason}: the history cannot be trusted; check the host clock, or its UTC offset (utcOffsetMinutes of the agentReports entry)`,
      },
      expected,
      'runs dated in the future',
      ahead.map(({ s }) => s),
    );
  }
  // A history speaks up to the moment it was collected, not beyond: the time between collection and this check
  // is nobody's observation (the report's own age is judged apart), so it never counts as a gap.
  const collected = Math.min(end, Math.max(...dated.map(({ s }) => s.collectedAt?.getTime() ?? end)));
  const windowStart = end - t.historyWindowDays * 24 * HOUR;
  const coveredFrom = Math.min(...dated.map((x) => timeOf(x, x.o.historyStart!)));
  const knownFrom = Math.max(windowStart, coveredFrom);
  // Every history together: runs from several logs of the same host fill each other's gaps.
  // A run a little ahead, within the clock skew allowed, counts as now.
  const inWindow: number[] = [];
  for (const { times, shift } of timed)
    for (let i = firstAtOrAfter(times, knownFrom - shift); i < times.length; i += 1) inWindow.push(Math.min(times[i]! + shift, collected));
  const runs = timed.length === 1 ? inWindow : [...new Set(inWindow)].sort((a, b) => a - b);
  const points = [knownFrom, ...runs, collected];
  let worst = { gap: 0, from: knownFrom, to: knownFrom };
  for (let i = 1; i < points.length; i += 1) {
    const gap = points[i]! - points[i - 1]!;
    if (gap > worst.gap) worst = { gap, from: points[i - 1]!, to: points[i]! };
  }
  const label = (at: number) => {
    const iso = new Date(at).toISOString();
    if (at === windowStart) return `${iso} (start of the ${t.historyWindowDays}-day window)`;
    if (at === coveredFrom && at !== runs[0]) return `${iso} (first entry of the history)`;
    if (at === collected) return `${iso} (${collected === end ? 'now' : 'when the history was collected'})`;
    return iso;
  };
  const actual =
    `${runs.length} successful run(s) from ${new Date(knownFrom).toISOString()} to ${new Date(collected).toISOString()}, ` +
    `longest gap ${hours(worst.gap)}`;
  const data = { runs: runs.length, gapHours: Number((worst.gap / HOUR).toFixed(2)), historyFrom: new Date(coveredFrom).toISOString() };
  if (worst.gap > t.maxUpdateGapHours * HOUR) {
    return verdict(
      'antivirus.update-gaps',
      'fail',
      { gap: hours(worst.gap), from: label(worst.from), to: label(worst.to), limit: t.maxUpdateGapHours },
      expected,
      actual,
      from,
      data,
    );
  }
  if (coveredFrom > windowStart) {
    const reason =
      `the update history reaches back only to ${new Date(coveredFrom).toISOString()} (${hours(end - coveredFrom)}), ` +
      `less than the ${t.historyWindowDays}-day window: too short to judge, ` +
      `though no gap over ${t.maxUpdateGapHours} h shows in what it covers`;
    return verdict('antivirus.update-gaps', 'not_tested', { reason }, expected, actual, from, data);
  }
  return verdict(
    'antivirus.update-gaps',
    'pass',
    { runs: runs.length, span: hours(end - knownFrom), gap: hours(worst.gap), limit: t.maxUpdateGapHours },
    expected,
    actual,
    from,
    data,
  );
}

/** Dates with a known UTC offset, where any exist: a guess at the offset never outweighs a date that carries one. */
function preferKnownOffset(observations: Sourced[]): Sourced[] {
  const known = observations.filter(({ o }) => !o.offsetUnknown);
  return known.length > 0 ? known : observations;
}

/** The latest date an observation carries (signatures, update runs, end of its history), as read. */
function newestDate(o: AvObservation): number {
  const runs = sortedRuns(o);
  return Math.max(
    o.signatureTime?.getTime() ?? -Infinity,
    runs.length > 0 ? runs[runs.length - 1]! : -Infinity,
    o.historyEnd?.getTime() ?? -Infinity,
  );
}

/** Every UTC offset in use, in quarter hours (all zones are whole quarter hours), from UTC-12:00 to UTC+14:00. */
export const UTC_OFFSETS_MINUTES: readonly number[] = Array.from({ length: (840 + 720) / 15 + 1 }, (_, i) => -720 + i * 15);

export function formatOffset(minutes: number): string {
  const abs = Math.abs(minutes);
  return `UTC${minutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** Each history's run times, sorted and without repeats, computed once: judging at every offset reuses them. */
const RUN_TIMES = new WeakMap<AvObservation, Float64Array>();
function sortedRuns(o: AvObservation): Float64Array {
  let times = RUN_TIMES.get(o);
  if (!times) {
    times = Float64Array.from(new Set((o.updateRuns ?? []).map((d) => d.getTime()))).sort();
    RUN_TIMES.set(o, times);
  }
  return times;
}

/** Index of the first time at or after `at` in a sorted array (its length when there is none). */
function firstAtOrAfter(times: Float64Array, at: number): number {
  let [lo, hi] = [0, times.length];
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid]! < at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * A verdict from local times whose UTC offset is unknown holds only if it holds on a host at any offset:
 * judged at each one, a unanimous status stands; a status that depends on the offset is not_tested.
 */
function underEveryOffset(observations: Sourced[], latestAllowed: number, judge: (observations: Sourced[]) => AvVerdict): AvVerdict {
  const local = observations.filter(({ o }) => o.offsetUnknown);
  if (local.length === 0) return judge(observations);
  // The host cannot be at an offset that dates what it wrote after this check: such offsets are not candidates
  // (unless every offset does, and then the dates themselves are wrong, which the judges say).
  const newestLocal = Math.max(...local.map(({ o }) => newestDate(o)));
  const possible = UTC_OFFSETS_MINUTES.filter((offset) => newestLocal - offset * 60_000 <= latestAllowed);
  const offsets = possible.length > 0 ? possible : UTC_OFFSETS_MINUTES;
  const results = offsets.map((offset) => ({
    offset,
    v: judge(observations.map((x) => (x.o.offsetUnknown ? { ...x, shiftMs: -offset * 60_000 } : x))),
  }));
  const files = [...new Set(local.map(({ s }) => s.label))].join(', ');
  const statuses = new Set(results.map(({ v }) => v.status));
  if (statuses.size === 1) {
    // A pass is shown at its least favourable offset, a fail at its most favourable one: each holds at every offset.
    const figure = ({ v }: { v: AvVerdict }) => Number(v.data?.gapHours ?? v.data?.ageHours ?? 0);
    const status = results[0]!.v.status;
    const pick =
      status === 'pass'
        ? results.reduce((a, b) => (figure(b) > figure(a) ? b : a))
        : status === 'fail'
          ? results.reduce((a, b) => (figure(b) < figure(a) ? b : a))
          : (results.find(({ offset }) => offset === 0) ?? results[0]!);
    const note =
      `${files} print local time with no UTC offset: the verdict holds at every offset the host can be at, ` +
      `from ${formatOffset(offsets[0]!)} to ${formatOffset(offsets[offsets.length - 1]!)} (figures shown for ${formatOffset(pick.offset)})`;
    return { ...pick.v, actual: `${pick.v.actual}; ${note}` };
  }
  const spans: { status: FindingStatus; from: number; to: number }[] = [];
  for (const { offset, v } of results) {
    const last = spans[spans.length - 1];
    if (last && last.status === v.status) last.to = offset;
    else spans.push({ status: v.status, from: offset, to: offset });
  }
  const depends = spans
    .map(({ status, from, to }) => `${status} at ${formatOffset(from)}${to !== from ? ` to ${formatOffset(to)}` : ''}`)
    .join(', ');
  const reason =
    `${files} print local time with no UTC offset, and the verdict depends on it (${depends}): ` +
    "set utcOffsetMinutes on that gateways[].agentReports entry (the host's offset from UTC in minutes, e.g. 300 for UTC+05:00)";
  const first = results[0]!.v;
  return {
    id: first.id,
    status: 'not_tested',
    params: { reason },
    expected: first.expected,
    actual: `depends on the host's UTC offset (${depends})`,
    sources: [...new Set(results.flatMap(({ v }) => v.sources))],
  };
}
