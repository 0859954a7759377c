import { z } from 'zod';
import type { Gateway } from '../src/connection/schema.ts';
import type { Finding, FindingStatus } from '../src/findings.ts';
import type { ReportedSource } from '../src/facts/reported-sources.ts';
import { defineProbe, type FindingSpec, type ProbeContext } from '../src/probe/contract.ts';

const HOUR = 3_600_000;

const thresholds = z.strictObject({
  maxSignatureAgeHours: z.number().positive({ error: 'expected a number of hours above 0' }).max(720).default(4),
  maxUpdateGapHours: z.number().positive({ error: 'expected a number of hours above 0' }).max(720).default(4),
  maxReportAgeHours: z.number().positive({ error: 'expected a number of hours above 0' }).max(720).default(1),
  historyWindowDays: z.number().int().min(1, { error: 'expected 1 to 90 days' }).max(90, { error: 'expected 1 to 90 days' }).default(7),
  maxClockSkewMinutes: z.number().min(0).max(1440).default(5),
});
type Thresholds = z.output<typeof thresholds>;

const avFindings: Record<string, FindingSpec> = {
  'antivirus.reports': {
    severity: 'high',
    title: 'Agent reports can be trusted',
    messages: { pass: '{gateway}: {summary}', fail: '{gateway}: {summary}' },
  },
  'antivirus.present': {
    severity: 'high',
    title: 'Anti-virus is installed and running with real-time protection',
    messages: { pass: '{gateway}: {products}', fail: '{gateway}: {problem}' },
  },
  'antivirus.signature-age': {
    severity: 'high',
    title: 'Signatures are no older than the limit',
    messages: {
      pass: '{gateway}: newest signatures are {age} old ({when}), within {limit} h',
      fail: '{gateway}: newest signatures are {age} old ({when}), over the {limit} h limit',
    },
  },
  'antivirus.update-gaps': {
    severity: 'high',
    title: 'Updates are never further apart than the limit',
    messages: {
      pass: '{gateway}: {runs} update runs over {span}; the longest gap is {gap} (limit {limit} h)',
      fail: '{gateway}: no signature update for {gap}, from {from} to {to} (limit {limit} h)',
    },
  },
};

export default defineProbe({
  meta: {
    id: 'antivirus',
    title: 'Anti-virus signatures and their updates (CoCo-10), from agent-reported data',
    description:
      'Reads agent reports (cocoscan agent reports, signed or not, or raw ClamAV, Defender, mdatp and osquery output) and, with SSH ' +
      'credentials, the same data read live; judges presence, signature age at the time of the check and the longest gap between updates.',
    requires: ['agent-data'],
    thresholds,
    findings: avFindings,
  },

  async run(ctx) {
    const perGateway = await Promise.all(ctx.connection.gateways.map(async (gateway) => judge(ctx, gateway, await ctx.facts.reportedSources(gateway))));
    return perGateway.flat();
  },
});

function hours(ms: number): string {
  const h = ms / HOUR;
  return h >= 48 ? `${(h / 24).toFixed(1)} days` : `${h.toFixed(1)} h`;
}

function judge(ctx: ProbeContext<Thresholds>, gateway: Gateway, sources: ReportedSource[]): Finding[] {
  const t = ctx.thresholds;
  const now = ctx.now();
  const target = { gateway: gateway.name, host: gateway.host };
  const artefact = ctx.evidence.add([gateway.name, 'antivirus.json'], JSON.stringify({ checkedAt: now, sources }, null, 2));
  const source = sources.map((s) => `${s.label} (${s.kind}${s.signature === 'valid' ? ', signature verified' : s.signature === 'unsigned' ? ', unsigned' : ''})`).join('; ') || 'no agent data';
  const make = (id: string, status: FindingStatus, params: Record<string, string | number>, expected: string, actual: string, data?: Record<string, unknown>) =>
    ctx.finding({ id, target, status, params: { gateway: gateway.name, ...params }, evidence: { source, expected, actual, artefacts: [artefact] }, data });

  if (sources.length === 0) {
    const reason = 'no agent report and no SSH credentials: give gateways[].agentReports (cocoscan agent collect, or ClamAV/Defender output) or gateways[].ssh';
    return Object.keys(avFindings).map((id) => make(id, 'not_tested', { reason }, 'agent-reported anti-virus data', 'none'));
  }

  // The reports themselves: rejected ones make every verdict below unsafe.
  const rejected = sources.filter((s) => s.unusable);
  const usable = sources.filter((s) => !s.unusable);
  const fresh = usable.filter((s) => s.collectedAt && now.getTime() - s.collectedAt.getTime() <= t.maxReportAgeHours * HOUR);
  const stale = usable.filter((s) => !fresh.includes(s));
  const skewed = usable.filter((s) => (s.collectedAt && s.collectedAt.getTime() - now.getTime() > t.maxClockSkewMinutes * 60_000) || Math.abs(s.clockSkewSeconds ?? 0) > t.maxClockSkewMinutes * 60);
  const describeSource = (s: ReportedSource) => {
    const age = s.collectedAt ? `collected ${hours(now.getTime() - s.collectedAt.getTime())} ago (${s.collectedAt.toISOString()}, from the ${s.collectedAtFrom})` : 'collection time unknown';
    const skew = s.clockSkewSeconds !== undefined ? `, host clock ${s.clockSkewSeconds >= 0 ? '+' : ''}${s.clockSkewSeconds} s from this checker` : '';
    const signature = s.signature === 'unsigned' ? ', unsigned: its origin cannot be verified' : s.signature === 'valid' ? ', signature verified' : '';
    return `${s.label}: ${s.unusable ?? age}${skew}${signature}`;
  };
  const reportSummary = sources.map(describeSource).join('; ');
  if (rejected.length > 0) {
    const reason = rejected.map((s) => `${s.label}: ${s.unusable}`).join('; ');
    return [
      make('antivirus.reports', 'error', { reason }, 'reports that verify and can be read', reportSummary),
      ...['antivirus.present', 'antivirus.signature-age', 'antivirus.update-gaps'].map((id) => make(id, 'not_tested', { reason: `a report was rejected (${reason}), so it cannot be used` }, 'trusted agent data', 'none')),
    ];
  }
  if (skewed.length > 0) {
    const reason = `clock skew between the host and this checker is over ${t.maxClockSkewMinutes} min (${skewed.map(describeSource).join('; ')}): ages cannot be trusted`;
    return Object.keys(avFindings).map((id) => make(id, id === 'antivirus.reports' ? 'error' : 'not_tested', { reason }, 'clocks within the skew limit', reportSummary));
  }
  const findings: Finding[] = [make('antivirus.reports', 'pass', { summary: reportSummary }, 'reports that verify and can be read', reportSummary)];
  if (fresh.length === 0) {
    const reason = `no report is recent enough to speak for now (limit ${t.maxReportAgeHours} h after collection): ${stale.map(describeSource).join('; ')}`;
    return [...findings, ...['antivirus.present', 'antivirus.signature-age', 'antivirus.update-gaps'].map((id) => make(id, 'not_tested', { reason }, `a report collected within ${t.maxReportAgeHours} h`, reportSummary))];
  }

  const observations = fresh.flatMap((s) => s.observations.map((o) => ({ o, s })));
  const products = [...new Set(observations.map(({ o }) => o.product))];

  // Presence, engine and real-time protection.
  const expectedPresent = 'an anti-virus engine running with real-time protection';
  if (observations.length === 0) {
    findings.push(make('antivirus.present', 'fail', { problem: 'no anti-virus was found in the agent data (no ClamAV, Defender or Security Center output)' }, expectedPresent, 'none found'));
  } else {
    const problems: string[] = [];
    const unknown: string[] = [];
    for (const product of products) {
      const of = observations.filter(({ o }) => o.product === product);
      if (product === 'ClamAV') {
        const processes = of.map(({ s }) => s.processes).find((p) => p !== undefined);
        if (processes === undefined) unknown.push('ClamAV: no process list in the data, so whether clamd runs is unknown');
        else if (!/^(clamd|clamonacc)\b/m.test(processes)) problems.push('ClamAV is installed but clamd is not running (no on-access or daemon scanning)');
      } else {
        if (of.some(({ o }) => o.engineRunning === false)) problems.push(`${product}: the anti-virus engine or service is not running`);
        if (of.some(({ o }) => o.realTimeProtection === false)) problems.push(`${product}: real-time protection is off`);
      }
    }
    const versions = observations.map(({ o }) => `${o.product}${o.engineVersion ? ` ${o.engineVersion}` : ''}${o.signatureVersion ? ` signatures ${o.signatureVersion}` : ''} (${o.format})`);
    if (problems.length > 0) findings.push(make('antivirus.present', 'fail', { problem: problems.join('; ') }, expectedPresent, versions.join('; ')));
    else if (unknown.length > 0) findings.push(make('antivirus.present', 'not_tested', { reason: unknown.join('; ') }, expectedPresent, versions.join('; ')));
    else findings.push(make('antivirus.present', 'pass', { products: `${[...new Set(versions)].join('; ')}, engine running, real-time protection on` }, expectedPresent, versions.join('; ')));
  }

  // Signature age at the moment of the check.
  const dated = observations.filter(({ o }) => o.signatureTime);
  const expectedAge = `signatures at most ${t.maxSignatureAgeHours} h old at ${now.toISOString()}`;
  if (dated.length === 0) {
    const reason = observations.map(({ o }) => o.cannotShowAge).find(Boolean) ?? 'no signature date in the agent data';
    findings.push(make('antivirus.signature-age', 'not_tested', { reason }, expectedAge, 'no signature date'));
  } else {
    const newest = dated.reduce((a, b) => (a.o.signatureTime! > b.o.signatureTime! ? a : b));
    const age = now.getTime() - newest.o.signatureTime!.getTime();
    const params = { age: hours(Math.max(0, age)), when: `${newest.o.signatureTime!.toISOString()}, ${newest.o.product} ${newest.o.format}`, limit: t.maxSignatureAgeHours };
    findings.push(make('antivirus.signature-age', age > t.maxSignatureAgeHours * HOUR ? 'fail' : 'pass', params, expectedAge, `${params.age} (${params.when})`, { ageHours: Number((age / HOUR).toFixed(2)) }));
  }

  // The longest period between updates over the evidence window (the condition itself).
  const histories = observations.filter(({ o }) => o.updateRuns);
  const expectedGap = `no gap over ${t.maxUpdateGapHours} h between updates in the last ${t.historyWindowDays} days`;
  if (histories.length === 0) {
    findings.push(make('antivirus.update-gaps', 'not_tested', { reason: 'no update history in the agent data (a freshclam.log, say); only the current signature age could be judged' }, expectedGap, 'no history'));
  } else {
    // Every history together: runs from several logs of the same host fill each other's gaps.
    const windowStart = now.getTime() - t.historyWindowDays * 24 * HOUR;
    const runs = [...new Set(histories.flatMap(({ o }) => o.updateRuns!.map((d) => d.getTime())))].filter((ms) => ms >= windowStart && ms <= now.getTime()).sort((a, b) => a - b);
    const end = Math.max(...histories.map(({ s }) => s.collectedAt?.getTime() ?? now.getTime()));
    const points = [...runs, end];
    let worst = { gap: 0, from: 0, to: 0 };
    for (let i = 1; i < points.length; i += 1) {
      const gap = points[i]! - points[i - 1]!;
      if (gap > worst.gap) worst = { gap, from: points[i - 1]!, to: points[i]! };
    }
    if (runs.length === 0) {
      findings.push(make('antivirus.update-gaps', 'fail', { gap: `the whole ${t.historyWindowDays}-day window`, from: new Date(windowStart).toISOString(), to: new Date(end).toISOString(), limit: t.maxUpdateGapHours }, expectedGap, 'no successful update run in the window'));
    } else if (worst.gap > t.maxUpdateGapHours * HOUR) {
      const to = worst.to === end ? `${new Date(end).toISOString()} (collection)` : new Date(worst.to).toISOString();
      findings.push(make('antivirus.update-gaps', 'fail', { gap: hours(worst.gap), from: new Date(worst.from).toISOString(), to, limit: t.maxUpdateGapHours }, expectedGap, `${runs.length} runs, longest gap ${hours(worst.gap)}`, { runs: runs.length, gapHours: Number((worst.gap / HOUR).toFixed(2)) }));
    } else {
      findings.push(make('antivirus.update-gaps', 'pass', { runs: runs.length, span: hours(end - runs[0]!), gap: hours(worst.gap), limit: t.maxUpdateGapHours }, expectedGap, `${runs.length} runs, longest gap ${hours(worst.gap)}`, { runs: runs.length }));
    }
  }
  return findings;
}

