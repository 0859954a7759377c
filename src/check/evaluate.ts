import type { Answer } from '../answers/answers.ts';
import type { Finding } from '../findings.ts';
import { evaluateRow, supportingEvidence } from '../profile/evaluate.ts';
import type { Profile } from '../profile/load.ts';
import type { ReportFinding, ReportRow } from '../report/schema.ts';
import { matchesTarget, parseTargetSpec } from '../target.ts';
import { waiverActive, type Waiver } from '../waivers/waivers.ts';
import { describeWaiver, waiverComment } from '../waivers/wording.ts';

/**
 * The statement's rows. With `gateways` (the connection's) naming several, an automated row also carries the
 * verdict of each gateway on its own findings; a finding about the connection as a whole counts for every one.
 */
export function evaluateRows(profile: Profile, findings: Finding[], gateways: readonly string[] = []): ReportRow[] {
  const named = new Set(gateways);
  const ofGateway = new Map(
    (gateways.length > 1 ? gateways : []).map((g) => [g, findings.filter((f) => f.target.gateway === g || !named.has(f.target.gateway))]),
  );
  return profile.rows.map((row) => {
    const verdict = evaluateRow(row, findings);
    const automated = !row.heading && row.method === 'automated';
    // Each gateway judged on its own findings, for the scorecard of a connection with several.
    const perGateway =
      automated && gateways.length > 1
        ? gateways.map((gateway) => {
            const own = evaluateRow(row, ofGateway.get(gateway) ?? []);
            return { gateway, compliance: own.compliance ?? 'Not assessed', ...(own.reason ? { reason: own.reason } : {}) };
          })
        : undefined;
    return {
      ref: row.ref,
      section: row.section,
      title: row.title,
      heading: row.heading,
      method: row.heading ? null : (row.method ?? 'manual'),
      compliance: verdict.compliance,
      comment: verdict.comment,
      findings: verdict.findings,
      ...(verdict.reason ? { reason: verdict.reason } : {}),
      ...(verdict.effects ? { effects: verdict.effects } : {}),
      ...(perGateway ? { gateways: perGateway } : {}),
      source: row.heading ? null : row.method === 'automated' ? 'measured' : 'open',
    };
  });
}

/**
 * The organisation's answers fill the manual rows. An automated row keeps its measured verdict; an answer to
 * it is shown beside, and a disagreement is said plainly.
 */
export function applyAnswers(answers: Answer[], rows: ReportRow[]): void {
  const byRef = new Map(answers.map((a) => [a.ref, a]));
  for (const row of rows) {
    if (row.heading) continue;
    const answer = byRef.get(row.ref);
    if (!answer) {
      if (row.method === 'manual') row.comment = `Open: not yet answered. Guidance: ${row.comment}`;
      continue;
    }
    row.answer = {
      compliance: answer.compliance,
      owner: answer.owner,
      references: answer.references,
      comment: answer.comment,
      ...(answer.remediation ? { remediation: answer.remediation } : {}),
    };
    if (row.method === 'manual') {
      row.compliance = answer.compliance;
      row.source = 'answered';
      const plan = answer.remediation ? ` Remediation: ${answer.remediation.plan} (by ${answer.remediation.date}).` : '';
      row.comment = `${answer.comment}${plan}${supportingEvidence(row.comment)}`;
    } else if (answer.compliance !== row.compliance) {
      row.comment += ` The organisation answered ${answer.compliance} ("${answer.comment}"); the measured verdict stands.`;
    }
  }
}

/**
 * Marks the rows and findings waivers cover. A verdict is never changed; an active waiver only keeps a row
 * out of the exit code. A row is covered by a row waiver, or when every finding that makes it fall short is
 * a failure covered by finding waivers (one that could not be tested is never covered).
 */
export function applyWaivers(waivers: Waiver[], rows: ReportRow[], findings: ReportFinding[], now: Date) {
  const note = (w: Waiver, scope: 'row' | 'findings') => ({
    status: waiverActive(w, now) ? ('active' as const) : ('expired' as const),
    expires: w.expires,
    approvedBy: w.approvedBy,
    justification: w.justification,
    plan: w.plan,
    scope,
  });
  const used = new Set<Waiver>();
  const matches = (w: Waiver, f: ReportFinding) => w.finding === f.id && (!w.target || matchesTarget(parseTargetSpec(w.target), f.target));
  for (const finding of findings) {
    const w = waivers.find((x) => matches(x, finding));
    if (!w) continue;
    used.add(w);
    // A waiver accepts a known failure: a finding that could not be tested stays unwaived, so its row still counts.
    if (finding.status === 'fail') finding.waiver = note(w, 'findings');
  }
  for (const row of rows) {
    if (row.method !== 'automated' || row.compliance === 'Yes' || row.compliance === 'N/A') continue;
    const rowWaiver = waivers.find((w) => w.ref === row.ref);
    if (rowWaiver) {
      row.waiver = note(rowWaiver, 'row');
      used.add(rowWaiver);
      continue;
    }
    const behind = findings.filter((f) => row.findings.includes(f.key) && f.status !== 'pass' && f.status !== 'not_applicable');
    if (behind.length > 0 && behind.every((f) => f.waiver)) {
      const statuses = behind.map((f) => f.waiver!);
      const first = statuses.find((s) => s.status === 'expired') ?? statuses[0]!;
      row.waiver = { ...first, scope: 'findings' };
    }
  }
  for (const row of rows) {
    if (row.waiver) row.comment += waiverComment(row.waiver);
  }
  return {
    active: rows.filter((r) => r.waiver?.status === 'active').length,
    expired: rows.filter((r) => r.waiver?.status === 'expired').length,
    unmatched: waivers.filter((w) => !used.has(w)).map(describeWaiver),
  };
}
