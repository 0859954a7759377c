import type { FindingStatus } from '../findings.ts';
import type { ReportedSource } from '../facts/reported-sources.ts';
import { AV_COMMANDS } from '../host/commands.ts';
import { isClamavEngine } from '../host/processes.ts';
import type { AvObservation } from './observation.ts';

const HOUR = 3_600_000;

export const AV_FINDING_IDS = ['antivirus.reports', 'antivirus.present', 'antivirus.signature-age', 'antivirus.update-gaps'] as const;
export type AvFindingId = (typeof AV_FINDING_IDS)[number];

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
}

/**
 * CoCo-10 for one gateway, judged on the facts of every source together: a pure function of the facts, the
 * thresholds and the moment of the check. A process list read over SSH tells whether the ClamAV that a file
 * reported is running; update runs from several logs fill each other's gaps.
 */
export function judgeAntivirus(facts: GatewayAvFacts, t: AvThresholds, now: Date): AvVerdict[] {
  const { sources } = facts;
  const verdict = (id: AvFindingId, status: FindingStatus, params: Record<string, string | number>, expected: string, actual: string, from: Iterable<ReportedSource>, data?: Record<string, unknown>): AvVerdict => ({
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
  const rejected = sources.filter((s) => s.unusable);
  const usable = sources.filter((s) => !s.unusable);
  const fresh = usable.filter((s) => s.collectedAt && ms - s.collectedAt.getTime() <= t.maxReportAgeHours * HOUR);
  const stale = usable.filter((s) => !fresh.includes(s));
  const skewed = usable.filter((s) => (s.collectedAt && s.collectedAt.getTime() - ms > t.maxClockSkewMinutes * 60_000) || Math.abs(s.clockSkewSeconds ?? 0) > t.maxClockSkewMinutes * 60);
  const describeSource = (s: ReportedSource) => {
    const age = s.collectedAt ? `collected ${hours(ms - s.collectedAt.getTime())} ago (${s.collectedAt.toISOString()}, from the ${s.collectedAtFrom})` : 'collection time unknown';
    const skew = s.clockSkewSeconds !== undefined ? `, host clock ${s.clockSkewSeconds >= 0 ? '+' : ''}${s.clockSkewSeconds} s from this checker` : '';
    const signature = s.signature === 'unsigned' ? ', unsigned: its origin cannot be verified' : s.signature === 'valid' ? ', signature verified' : '';
    return `${s.label}: ${s.unusable ?? age}${skew}${signature}`;
  };
  const reportSummary = `${sources.map(describeSource).join('; ')}${facts.missing.length > 0 ? `; not read: ${facts.missing.join('; ')}` : ''}`;
  const JUDGED = ['antivirus.present', 'antivirus.signature-age', 'antivirus.update-gaps'] as const;
  if (rejected.length > 0) {
    const reason = rejected.map((s) => `${s.label}: ${s.unusable}`).join('; ');
    return [
      verdict('antivirus.reports', 'error', { reason }, 'reports that verify and can be read', reportSummary, sources),
      ...JUDGED.map((id) => verdict(id, 'not_tested', { reason: `a report was rejected (${reason}), so it cannot be used` }, 'trusted agent data', 'none', rejected)),
    ];
  }
  if (skewed.length > 0) {
    const reason = `clock skew between the host and this checker is over ${t.maxClockSkewMinutes} min (${skewed.map(describeSource).join('; ')}): ages cannot be trusted`;
    return AV_FINDING_IDS.map((id) => verdict(id, id === 'antivirus.reports' ? 'error' : 'not_tested', { reason }, 'clocks within the skew limit', reportSummary, skewed));
  }
  const verdicts: AvVerdict[] = [verdict('antivirus.reports', 'pass', { summary: reportSummary }, 'reports that verify and can be read', reportSummary, sources)];
  if (fresh.length === 0) {
    const reason = `no report is recent enough to speak for now (limit ${t.maxReportAgeHours} h after collection): ${stale.map(describeSource).join('; ')}`;
    return [...verdicts, ...JUDGED.map((id) => verdict(id, 'not_tested', { reason }, `a report collected within ${t.maxReportAgeHours} h`, reportSummary, stale))];
  }

  const observations: Sourced[] = fresh.flatMap((s) => s.observations.map((o) => ({ o, s })));
  if (observations.length === 0) {
    const absent = whyNoObservation(fresh, stale, missing);
    if (absent) return [...verdicts, ...JUDGED.map((id) => verdict(id, absent.status, { reason: absent.reason }, 'anti-virus data from a recent source', 'none read', absent.from))];
  }
  verdicts.push(judgePresence(observations, fresh, missing, verdict));
  verdicts.push(judgeSignatureAge(observations, t, now, verdict));
  verdicts.push(judgeUpdateGaps(observations, t, now, verdict));
  return verdicts;
}

/**
 * When no recent source shows any anti-virus, "none installed" is a verdict only if every way of looking
 * worked: a tool that timed out or was refused is an error, and anti-virus seen only in old reports is not tested.
 */
function whyNoObservation(fresh: ReportedSource[], stale: ReportedSource[], missing: string): { status: FindingStatus; reason: string; from: ReportedSource[] } | undefined {
  const unread = fresh.flatMap((s) =>
    AV_COMMANDS.filter((name) => Object.hasOwn(s.commands ?? {}, name))
      .map((name) => s.commands![name]!)
      .filter((c) => c.status !== 'ok' && c.status !== 'missing')
      .map((c) => ({ s, text: `${c.name}: ${c.status}${c.stderr.trim() ? ` (${c.stderr.trim().slice(0, 120)})` : ''}` })),
  );
  if (unread.length > 0) {
    return { status: 'error', reason: `the anti-virus tools could not be read (${unread.map((u) => `${u.s.label}: ${u.text}`).join('; ')}): give the account the rights it needs, or send an agent report`, from: unread.map((u) => u.s) };
  }
  const seenBefore = stale.filter((s) => s.observations.length > 0);
  if (seenBefore.length > 0) {
    return { status: 'not_tested', reason: `anti-virus shows only in reports too old to speak for now (${seenBefore.map((s) => `${s.label}, collected ${s.collectedAt?.toISOString() ?? 'at an unknown time'}`).join('; ')})${missing}: send a fresh report`, from: seenBefore };
  }
  return undefined;
}

type Make = (id: AvFindingId, status: FindingStatus, params: Record<string, string | number>, expected: string, actual: string, from: Iterable<ReportedSource>, data?: Record<string, unknown>) => AvVerdict;

function judgePresence(observations: Sourced[], fresh: ReportedSource[], missing: string, verdict: Make): AvVerdict {
  const expected = 'an anti-virus engine running with real-time protection';
  if (observations.length === 0) {
    return verdict('antivirus.present', 'fail', { problem: 'no anti-virus was found in the agent data (no ClamAV, Defender or Security Center output)' }, expected, 'none found', fresh);
  }
  const problems: string[] = [];
  const unknown: string[] = [];
  const running: string[] = [];
  const cited = new Set(observations.map(({ s }) => s));
  // The newest process list of the gateway, whichever source read it.
  const processSource = fresh.filter((s) => s.processes !== undefined).sort((a, b) => b.collectedAt!.getTime() - a.collectedAt!.getTime())[0];
  const products = [...new Set(observations.map(({ o }) => o.product))];
  for (const product of products) {
    const of = observations.filter(({ o }) => o.product === product);
    if (product === 'ClamAV') {
      if (!processSource) {
        unknown.push(`ClamAV: no process list in the data of any source${missing}, so whether clamd runs is unknown (the SSH session and cocoscan agent reports list processes)`);
        continue;
      }
      cited.add(processSource);
      if (processSource.processes!.some(isClamavEngine)) running.push(`clamd running (process list from ${processSource.label})`);
      else problems.push(`ClamAV is installed but clamd is not running (no on-access or daemon scanning; process list from ${processSource.label})`);
    } else {
      if (of.some(({ o }) => o.engineRunning === false)) problems.push(`${product}: the anti-virus engine or service is not running`);
      if (of.some(({ o }) => o.realTimeProtection === false)) problems.push(`${product}: real-time protection is off`);
    }
  }
  const versions = observations.map(({ o, s }) => `${o.product}${o.engineVersion ? ` ${o.engineVersion}` : ''}${o.signatureVersion ? ` signatures ${o.signatureVersion}` : ''} (${o.format}, from ${s.label})`);
  const actual = [...new Set(versions), ...running].join('; ');
  if (problems.length > 0) return verdict('antivirus.present', 'fail', { problem: problems.join('; ') }, expected, actual, cited);
  if (unknown.length > 0) return verdict('antivirus.present', 'not_tested', { reason: unknown.join('; ') }, expected, actual, cited);
  return verdict('antivirus.present', 'pass', { products: `${actual}; engine running, real-time protection on` }, expected, actual, cited);
}

function judgeSignatureAge(observations: Sourced[], t: AvThresholds, now: Date, verdict: Make): AvVerdict {
  const expected = `signatures at most ${t.maxSignatureAgeHours} h old at ${now.toISOString()}`;
  const dated = observations.filter(({ o }) => o.signatureTime).sort((a, b) => b.o.signatureTime!.getTime() - a.o.signatureTime!.getTime());
  if (dated.length === 0) {
    const reason = observations.map(({ o }) => o.cannotShowAge).find(Boolean) ?? 'no signature date in the agent data';
    return verdict('antivirus.signature-age', 'not_tested', { reason }, expected, 'no signature date', observations.map(({ s }) => s));
  }
  const newest = dated[0]!;
  const age = now.getTime() - newest.o.signatureTime!.getTime();
  if (-age > t.maxClockSkewMinutes * 60_000) {
    // Signatures built after the moment of the check: a wrong clock or altered data, never "0 h old".
    const reason = `the newest signatures are dated ${newest.o.signatureTime!.toISOString()} (${newest.o.product} ${newest.o.format} from ${newest.s.label}), ${hours(-age)} after this check: the date cannot be trusted`;
    return verdict('antivirus.signature-age', 'error', { reason }, expected, `dated ${newest.o.signatureTime!.toISOString()}`, dated.map(({ s }) => s));
  }
  const params = { age: hours(Math.max(0, age)), when: `${newest.o.signatureTime!.toISOString()}, ${newest.o.product} ${newest.o.format} from ${newest.s.label}`, limit: t.maxSignatureAgeHours };
  const status = age > t.maxSignatureAgeHours * HOUR ? 'fail' : 'pass';
  return verdict('antivirus.signature-age', status, params, expected, `${params.age} (${params.when})`, dated.map(({ s }) => s), { ageHours: Number((age / HOUR).toFixed(2)) });
}

/**
 * The longest period without a successful update inside the window: from the window's start to the first
 * success, between successes, and from the last success to now. A gap over the limit is a fail wherever the
 * history shows it; a pass needs a history that reaches back to the window's start.
 */
function judgeUpdateGaps(observations: Sourced[], t: AvThresholds, now: Date, verdict: Make): AvVerdict {
  const expected = `no gap over ${t.maxUpdateGapHours} h between updates in the last ${t.historyWindowDays} days`;
  const histories = observations.filter(({ o }) => o.updateRuns);
  if (histories.length === 0) {
    return verdict('antivirus.update-gaps', 'not_tested', { reason: 'no update history in the agent data (a freshclam.log, say); only the current signature age could be judged' }, expected, 'no history', observations.map(({ s }) => s));
  }
  const dated = histories.filter(({ o }) => o.historyStart);
  const from = histories.map(({ s }) => s);
  if (dated.length === 0) {
    const reason = histories.map(({ o, s }) => `${s.label}: ${o.historyProblem ?? 'the history carries no date'}`).join('; ');
    return verdict('antivirus.update-gaps', 'not_tested', { reason }, expected, 'no dated update run', from);
  }
  const end = now.getTime();
  const windowStart = end - t.historyWindowDays * 24 * HOUR;
  const coveredFrom = Math.min(...dated.map(({ o }) => o.historyStart!.getTime()));
  const knownFrom = Math.max(windowStart, coveredFrom);
  // Every history together: runs from several logs of the same host fill each other's gaps.
  const runs = [...new Set(dated.flatMap(({ o }) => o.updateRuns!.map((d) => d.getTime())))].filter((at) => at >= knownFrom && at <= end).sort((a, b) => a - b);
  const points = [knownFrom, ...runs, end];
  let worst = { gap: 0, from: knownFrom, to: knownFrom };
  for (let i = 1; i < points.length; i += 1) {
    const gap = points[i]! - points[i - 1]!;
    if (gap > worst.gap) worst = { gap, from: points[i - 1]!, to: points[i]! };
  }
  const label = (at: number) => {
    const iso = new Date(at).toISOString();
    if (at === windowStart) return `${iso} (start of the ${t.historyWindowDays}-day window)`;
    if (at === coveredFrom && at !== runs[0]) return `${iso} (first entry of the history)`;
    if (at === end) return `${iso} (now)`;
    return iso;
  };
  const actual = `${runs.length} successful run(s) from ${new Date(knownFrom).toISOString()} to now, longest gap ${hours(worst.gap)}`;
  const data = { runs: runs.length, gapHours: Number((worst.gap / HOUR).toFixed(2)), historyFrom: new Date(coveredFrom).toISOString() };
  if (worst.gap > t.maxUpdateGapHours * HOUR) {
    return verdict('antivirus.update-gaps', 'fail', { gap: hours(worst.gap), from: label(worst.from), to: label(worst.to), limit: t.maxUpdateGapHours }, expected, actual, from, data);
  }
  if (coveredFrom > windowStart) {
    const reason = `the update history reaches back only to ${new Date(coveredFrom).toISOString()} (${hours(end - coveredFrom)}), less than the ${t.historyWindowDays}-day window: too short to judge, though no gap over ${t.maxUpdateGapHours} h shows in what it covers`;
    return verdict('antivirus.update-gaps', 'not_tested', { reason }, expected, actual, from, data);
  }
  return verdict('antivirus.update-gaps', 'pass', { runs: runs.length, span: hours(end - knownFrom), gap: hours(worst.gap), limit: t.maxUpdateGapHours }, expected, actual, from, data);
}
