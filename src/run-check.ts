import { hostname } from 'node:os';
import pLimit, { type LimitFunction } from 'p-limit';
import type { ConnectionFile } from './connection/schema.ts';
import { ExitCode, InternalError, ToolMissingError, describeProbeFailure, faultDetail } from './errors.ts';
import { EvidenceStore, type Artefact } from './evidence-store.ts';
import { exec as realExec, type Exec } from './exec.ts';
import { Facts, type ActivityEvent } from './facts/facts.ts';
import { FINDING_STATUSES, type Finding } from './findings.ts';
import { nmapVersion } from './nmap/run.ts';
import type { AnyProbe, RunSoFar } from './probe/contract.ts';
import { findingBuilder } from './probe/finding-builder.ts';
import { comparisonFindingIds } from './probe/registry.ts';
import { evaluateRow, findingKey } from './profile/evaluate.ts';
import type { Profile } from './profile/load.ts';
import { REPORT_SCHEMA_VERSION, type ReportFinding, type ReportRow, type RunReport } from './report/schema.ts';
import { diffStates, type Change } from './history/diff.ts';
import { observedState, rowsJudgedFromChanges } from './history/state.ts';
import { describeWaiver, waiverActive, type Waiver } from './waivers/waivers.ts';
import type { Answer } from './answers/answers.ts';
import { TOOL_VERSION } from './version.ts';

export interface CheckOptions {
  connection: ConnectionFile;
  profile: Profile;
  exec?: Exec;
  now?: () => Date;
  signal?: AbortSignal;
  /** Raw-socket scans (SYN, UDP); defaults to running as root. */
  privileged?: boolean;
  nmapPath?: string;
  onActivity?: (event: ActivityEvent) => void;
  /** The run to compare with: the previous run of the connection, or an approved baseline. */
  baseline?: { id: string; report: RunReport; kind: 'previous' | 'baseline' };
  waivers?: Waiver[];
  answers?: Answer[];
  /** The command line, secrets masked, recorded as provenance. */
  commandLine?: string[];
}

export interface CheckResult {
  report: RunReport;
  /** Raw evidence gathered by the probes, to be written under evidence/. */
  artefacts: Artefact[];
}

/** Runs every probe the profile needs against the connection's gateways and judges the rows. */
export async function runCheck(options: CheckOptions): Promise<CheckResult> {
  const exec = options.exec ?? realExec;
  const now = options.now ?? (() => new Date());
  const signal = options.signal ?? new AbortController().signal;
  const privileged = options.privileged ?? process.getuid?.() === 0;
  const { connection, profile } = options;
  const startedAt = now().toISOString();

  let nmap: string | undefined;
  if (profile.probes.some((p) => p.meta.requires.includes('nmap'))) {
    nmap = await nmapVersion(exec, options.nmapPath);
    if (!nmap) {
      throw new ToolMissingError(
        `nmap is not installed (or "${options.nmapPath ?? 'nmap'}" does not run)`,
        'install it (Debian/Ubuntu: apt-get install nmap) and run the check again; nothing was probed',
      );
    }
  }

  const evidence = new EvidenceStore();
  const sweepEnabled = nmap !== undefined;
  const facts = new Facts({ connection, exec, now, evidence, signal, privileged, sweepEnabled, nmapPath: options.nmapPath, nmapVersion: nmap, onActivity: options.onActivity });
  const limits = new Map<string, LimitFunction>();
  const connectionLimit = (gateway: string) => {
    let limit = limits.get(gateway);
    if (!limit) limits.set(gateway, (limit = pLimit(connection.scan.connectionsPerHost)));
    return limit;
  };
  const env: ProbeEnv = { connection, profile, exec, now, facts, evidence, signal, connectionLimit };
  const keyed = (list: Finding[]) => list.map((f) => ({ key: findingKey(f), ...f }));
  const direct = profile.probes.filter((p) => p.meta.phase !== 'after');
  const after = profile.probes.filter((p) => p.meta.phase === 'after');
  const findings = keyed((await Promise.all(direct.map((probe) => runProbe(probe, env)))).flat());

  // What changed since the baseline is read from this run's findings and verdicts, then judged by the `after`
  // probes (CoCo-2), whose findings join the rest. The rows those probes decide are left out of the comparison
  // on both sides: their verdict follows from the comparison, so comparing it would be circular (before the
  // `after` probes run such a row is not yet judged, and once judged it moves whenever the previous run had
  // changes). Every other row cites only findings that are final at this point, so the state compared here is
  // the state of the finished report; that is checked below, so the recorded changes and the rows agree.
  const baseline = options.baseline;
  const comparisonIds = comparisonFindingIds(after);
  const ignoreRows = new Set([
    ...profile.rows.filter((row) => row.rules.some((rule) => comparisonIds.has(rule.finding))).map((row) => row.ref),
    ...(baseline ? rowsJudgedFromChanges(baseline.report.rows, comparisonIds) : []),
  ]);
  const baselineState = baseline ? observedState(baseline.report, ignoreRows) : undefined;
  const changesIn = (state: Pick<RunReport, 'findings' | 'rows'>) => (baselineState ? diffStates(baselineState, observedState(state, ignoreRows)) : []);
  const changes = changesIn({ findings, rows: evaluateRows(profile, findings) });
  const run: RunSoFar = { changes, ...(baseline ? { baseline: { id: baseline.id, startedAt: baseline.report.startedAt, kind: baseline.kind } } : {}) };
  findings.push(...keyed((await Promise.all(after.map((probe) => runProbe(probe, { ...env, run })))).flat()));
  assertUniqueKeys(findings);

  const rows = evaluateRows(profile, findings);
  const waivers = applyWaivers(options.waivers ?? [], rows, findings, now());
  applyAnswers(options.answers ?? [], rows);
  assertSameChanges(changes, changesIn({ findings, rows }));
  const automated = rows.filter((r) => r.method === 'automated');
  const counts = (r: ReportRow) => r.compliance !== 'Yes' && r.compliance !== 'N/A' && r.waiver?.status !== 'active';
  const exitCode = automated.some(counts) ? ExitCode.NotCompliant : ExitCode.Compliant;
  const artefacts = evidence.list();
  const report: RunReport = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'cocoscan', version: TOOL_VERSION },
    profile: { id: profile.id, version: profile.version, title: profile.title, sha256: profile.sha256, statement: profile.statement },
    startedAt,
    finishedAt: now().toISOString(),
    scanner: { hostname: hostname(), privileged, nmapVersion: nmap ?? null, scanType: privileged ? 'syn' : 'connect' },
    provenance: { commandLine: options.commandLine ?? [], node: process.version, platform: `${process.platform} ${process.arch}` },
    connection,
    summary: {
      verdict: exitCode === ExitCode.Compliant ? 'compliant' : 'not-compliant',
      exitCode,
      automatedRows: countBy(automated.map((r) => r.compliance ?? 'null')),
      manualRows: rows.filter((r) => r.method === 'manual').length,
      findings: countBy(findings.map((f) => f.status), FINDING_STATUSES),
      ...(options.waivers ? { waivers } : {}),
    },
    ...(baseline ? { changes: { since: { id: baseline.id, startedAt: baseline.report.startedAt, kind: baseline.kind }, items: changes } } : {}),
    sections: profile.sections,
    rows,
    findings,
    artefacts: artefacts.map((a) => ({ path: a.path, sha256: a.sha256, bytes: a.content.length })),
  };
  return { report, artefacts };
}

function evaluateRows(profile: Profile, findings: Finding[]): ReportRow[] {
  return profile.rows.map((row) => {
    const verdict = evaluateRow(row, findings);
    return {
      ref: row.ref,
      section: row.section,
      title: row.title,
      heading: row.heading,
      method: row.heading ? null : (row.method ?? 'manual'),
      compliance: verdict.compliance,
      comment: verdict.comment,
      findings: verdict.findings,
      source: row.heading ? null : row.method === 'automated' ? 'measured' : 'open',
    };
  });
}

/**
 * The organisation's answers fill the manual rows. An automated row keeps its measured verdict; an answer to
 * it is shown beside, and a disagreement is said plainly.
 */
function applyAnswers(answers: Answer[], rows: ReportRow[]): void {
  const byRef = new Map(answers.map((a) => [a.ref, a]));
  for (const row of rows) {
    if (row.heading) continue;
    const answer = byRef.get(row.ref);
    if (!answer) {
      if (row.method === 'manual') row.comment = `Open: not yet answered. Guidance: ${row.comment}`;
      continue;
    }
    row.answer = { compliance: answer.compliance, owner: answer.owner, references: answer.references, comment: answer.comment, ...(answer.remediation ? { remediation: answer.remediation } : {}) };
    if (row.method === 'manual') {
      row.compliance = answer.compliance;
      row.source = 'answered';
      const plan = answer.remediation ? ` Remediation: ${answer.remediation.plan} (by ${answer.remediation.date}).` : '';
      row.comment = `${answer.comment}${plan}`;
    } else if (answer.compliance !== row.compliance) {
      row.comment += ` The organisation answered ${answer.compliance} ("${answer.comment}"); the measured verdict stands.`;
    }
  }
}

/**
 * Marks the rows and findings waivers cover. A verdict is never changed; an active waiver only keeps a row
 * out of the exit code. A row is covered by a row waiver, or when every finding that makes it fall short is
 * covered by finding waivers.
 */
function applyWaivers(waivers: Waiver[], rows: ReportRow[], findings: ReportFinding[], now: Date) {
  const note = (w: Waiver, scope: 'row' | 'findings') => ({
    status: waiverActive(w, now) ? ('active' as const) : ('expired' as const),
    expires: w.expires,
    approvedBy: w.approvedBy,
    justification: w.justification,
    plan: w.plan,
    scope,
  });
  const used = new Set<Waiver>();
  const matches = (w: Waiver, f: ReportFinding) => {
    if (w.finding !== f.id) return false;
    if (!w.target) return true;
    const [gateway, port, transport] = w.target.split('/');
    return f.target.gateway === gateway && (!port || String(f.target.port) === port) && (!transport || (f.target.transport ?? 'tcp') === transport);
  };
  for (const finding of findings) {
    const w = waivers.find((x) => matches(x, finding));
    if (w) {
      finding.waiver = note(w, 'findings');
      used.add(w);
    }
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
    if (row.waiver) row.comment += ` Waiver: ${row.waiver.status === 'active' ? `waived until ${row.waiver.expires}` : `EXPIRED on ${row.waiver.expires}, counts again`}, approved by ${row.waiver.approvedBy}; plan: ${row.waiver.plan}`;
  }
  return {
    active: rows.filter((r) => r.waiver?.status === 'active').length,
    expired: rows.filter((r) => r.waiver?.status === 'expired').length,
    unmatched: waivers.filter((w) => !used.has(w)).map(describeWaiver),
  };
}

interface ProbeEnv {
  connection: ConnectionFile;
  profile: Profile;
  exec: Exec;
  now: () => Date;
  facts: Facts;
  evidence: EvidenceStore;
  signal: AbortSignal;
  connectionLimit: (gateway: string) => LimitFunction;
  run?: RunSoFar;
}

/** Runs one probe; a probe that throws yields `error` findings for everything it would have judged, never silence. */
async function runProbe(probe: AnyProbe, env: ProbeEnv): Promise<Finding[]> {
  const finding = findingBuilder(probe.meta, env.now);
  try {
    return await probe.run({
      connection: env.connection,
      // The profile loader parsed these with this probe's own `meta.thresholds` schema (see AnyProbe).
      thresholds: env.profile.thresholds[probe.meta.id] as never,
      exec: env.exec,
      now: env.now,
      facts: env.facts,
      evidence: env.evidence,
      signal: env.signal,
      connectionLimit: env.connectionLimit,
      run: env.run,
      finding,
    });
  } catch (error) {
    if (error instanceof InternalError) throw error;
    // The finding says what could not be done and what to do; the raw error goes to the evidence only.
    const reason = describeProbeFailure(probe.meta.id, error);
    return env.connection.gateways.flatMap((gateway) =>
      Object.keys(probe.meta.findings).map((id) =>
        finding({
          id,
          target: { gateway: gateway.name, host: gateway.host },
          status: 'error',
          params: { reason },
          evidence: { source: `cocoscan ${probe.meta.id} probe`, raw: faultDetail(error) },
        }),
      ),
    );
  }
}

/** The changes CoCo-2 judged must be those of the finished report, or the report would contradict itself. */
function assertSameChanges(judged: Change[], final: Change[]): void {
  if (JSON.stringify(judged) !== JSON.stringify(final)) {
    throw new InternalError(`the changes judged for CoCo-2 (${judged.length}) differ from those of the finished report (${final.length}); a row depends on a finding of an after-phase probe without being left out of the comparison`);
  }
}

function assertUniqueKeys(findings: { key: string }[]): void {
  const seen = new Set<string>();
  for (const { key } of findings) {
    if (seen.has(key)) throw new InternalError(`two findings share the key ${key}; a probe reported the same target twice`);
    seen.add(key);
  }
}

function countBy(values: string[], known: readonly string[] = []): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(known.map((k) => [k, 0]));
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
