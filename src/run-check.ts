import { hostname } from 'node:os';
import pLimit, { type LimitFunction } from 'p-limit';
import type { Answer } from './answers/answers.ts';
import { comparison, type Baseline } from './check/compare.ts';
import { connectionForReport } from './check/redact.ts';
import { applyAnswers, applyWaivers, evaluateRows } from './check/evaluate.ts';
import { resolveGateways, systemResolveHost, type GatewayAddresses, type ResolveHost } from './check/resolve-gateways.ts';
import { runGatewayProbe, runRunProbe, type ProbeEnv } from './check/run-probe.ts';
import type { ConnectionFile } from './connection/schema.ts';
import { ExitCode, InternalError, ToolMissingError } from './errors.ts';
import { EvidenceStore, type Artefact } from './evidence-store.ts';
import { exec as realExec, type Exec } from './exec.ts';
import { Facts, type ActivityEvent } from './facts/facts.ts';
import { FINDING_STATUSES, type Finding } from './findings.ts';
import type { Observation } from './history/observation.ts';
import { thisProcessMayUseRawSockets } from './nmap/privilege.ts';
import { nmapVersion } from './nmap/run.ts';
import type { AnyProbe, RunSoFar } from './probe/contract.ts';
import { findingKey } from './profile/evaluate.ts';
import type { Profile } from './profile/load.ts';
import { REPORT_SCHEMA_VERSION, type ReportFinding, type ReportRow, type RunReport } from './report/schema.ts';
import type { Waiver } from './waivers/waivers.ts';
import { waivedFailure } from './waivers/wording.ts';
import { TOOL_VERSION } from './version.ts';

export interface CheckOptions {
  connection: ConnectionFile;
  profile: Profile;
  exec?: Exec;
  now?: () => Date;
  signal?: AbortSignal;
  /** Raw-socket scans (SYN, UDP); defaults to root, or a non-root nmap with the capability (src/nmap/privilege.ts). */
  privileged?: boolean;
  nmapPath?: string;
  /** `nmapVersion(exec, nmapPath)` when the caller asked already (the CLI asks while it reads the profile). */
  nmapVersion?: Promise<string | undefined>;
  /** The masscan program, when scan.engine is masscan. */
  masscanPath?: string;
  onActivity?: (event: ActivityEvent) => void;
  /** The run to compare with: the previous run of the connection, or an approved baseline. */
  baseline?: Baseline;
  waivers?: Waiver[];
  answers?: Answer[];
  /** The command line, secrets masked, recorded as provenance. */
  commandLine?: string[];
  /** Resolves gateway host names (A and AAAA); the system resolver by default. */
  resolveHost?: ResolveHost;
}

export interface CheckResult {
  report: RunReport;
  /** Raw evidence gathered by the probes, to be written under evidence/. */
  artefacts: Artefact[];
  /** Keeps the artefacts' bytes on disk: the caller disposes of it once the report is written. */
  evidence: EvidenceStore;
}

interface Plan {
  gatewayProbes: AnyProbe[];
  runProbes: AnyProbe[];
  /** The nmap version, when some probe reads the sweep. */
  nmap?: string;
  /** Every gateway's address, resolved once before any probe. */
  addresses: GatewayAddresses[];
}

/**
 * Runs every probe the profile needs against the connection's gateways and judges the rows, in stages:
 * plan → gather and judge (each gateway probe) → compare with the baseline → run-level probes → evaluate
 * the rows → assemble the report. Loading the inputs and writing the report are the caller's (the CLI).
 */
export async function runCheck(options: CheckOptions): Promise<CheckResult> {
  const now = options.now ?? (() => new Date());
  const exec = options.exec ?? realExec;
  const privileged = options.privileged ?? thisProcessMayUseRawSockets();
  const startedAt = now().toISOString();
  const plan = await planCheck(options, exec);

  const evidence = new EvidenceStore();
  try {
    return await gatherAndJudge(options, { now, exec, privileged, startedAt, plan, evidence });
  } catch (error) {
    await evidence.dispose();
    throw error;
  }
}

async function gatherAndJudge(
  options: CheckOptions,
  stage: { now: () => Date; exec: Exec; privileged: boolean; startedAt: string; plan: Plan; evidence: EvidenceStore },
): Promise<CheckResult> {
  const { now, exec, privileged, startedAt, plan, evidence } = stage;
  const env = probeEnv(options, {
    exec,
    now,
    privileged,
    evidence,
    nmap: plan.nmap,
    addresses: plan.addresses,
    gatherers: plan.gatewayProbes.length,
  });
  await env.facts.startSweeps();
  const gathered = await Promise.all(
    plan.gatewayProbes.map((probe) => runGatewayProbe(probe, options.profile.thresholds[probe.meta.id], env)),
  );
  const findings = keyed(gathered.flatMap((o) => o.findings));
  const observations = gathered.flatMap((o) => o.observations);

  const compare = comparison(options.profile, plan.runProbes, options.baseline);
  const changes = compare.changesIn({ findings, rows: evaluateRows(options.profile, findings), observations });
  const run = runSoFar(options, changes);
  findings.push(...keyed(plan.runProbes.flatMap((probe) => runRunProbe(probe, options.profile.thresholds[probe.meta.id], run, now))));
  assertUniqueKeys(findings);

  const rows = evaluateRows(
    options.profile,
    findings,
    options.connection.gateways.map((g) => g.name),
  );
  const waivers = applyWaivers(options.waivers ?? [], rows, findings, now());
  applyAnswers(options.answers ?? [], rows);
  compare.assertSame(changes, { findings, rows, observations });
  const artefacts = evidence.list();
  const report = assembleReport(options, {
    startedAt,
    finishedAt: now().toISOString(),
    privileged,
    nmap: plan.nmap,
    addresses: plan.addresses,
    rows,
    findings,
    observations,
    changes,
    waivers,
    artefacts,
  });
  return { report, artefacts, evidence };
}

/**
 * Which probes run in which phase, the one tool a run cannot do without when some probe sweeps, and the
 * address of every gateway (a name is resolved here, once, so that the sweep and the probes reach the same one).
 */
async function planCheck(options: CheckOptions, exec: Exec): Promise<Plan> {
  const { profile, nmapPath, connection } = options;
  const runProbes = profile.probes.filter((p) => p.meta.phase === 'after');
  const gatewayProbes = profile.probes.filter((p) => p.meta.phase !== 'after');
  const sweeps = profile.probes.some((p) => (p.meta.reads as readonly string[]).includes('sweep'));
  const nmap = sweeps ? await (options.nmapVersion ?? nmapVersion(exec, nmapPath)) : undefined;
  if (sweeps && !nmap) {
    throw new ToolMissingError(
      `nmap is not installed (or "${nmapPath ?? 'nmap'}" does not run)`,
      'install it (Debian/Ubuntu: apt-get install nmap) and run the check again; nothing was probed',
    );
  }
  const resolveTimeoutMs = connection.scan.probeTimeoutSeconds * 1000;
  const addresses = await resolveGateways(connection.gateways, options.resolveHost ?? systemResolveHost, resolveTimeoutMs);
  return { gatewayProbes, runProbes, ...(nmap ? { nmap } : {}), addresses };
}

function probeEnv(
  options: CheckOptions,
  run: {
    exec: Exec;
    now: () => Date;
    privileged: boolean;
    evidence: EvidenceStore;
    nmap?: string;
    addresses: GatewayAddresses[];
    gatherers: number;
  },
): ProbeEnv {
  const { connection } = options;
  const signal = options.signal ?? new AbortController().signal;
  const unresolved = new Map(run.addresses.flatMap((a) => (a.failure ? [[a.gateway, a.failure] as const] : [])));
  const facts = new Facts({
    // A gateway whose name gave no address is not swept: nmap would only fail to resolve it again.
    connection: { ...connection, gateways: connection.gateways.filter((g) => !unresolved.has(g.name)) },
    exec: run.exec,
    now: run.now,
    evidence: run.evidence,
    signal,
    privileged: run.privileged,
    sweepEnabled: run.nmap !== undefined,
    nmapPath: options.nmapPath,
    masscanPath: options.masscanPath,
    nmapVersion: run.nmap,
    addresses: new Map(run.addresses.flatMap((a) => (a.addresses.length === 1 ? [[a.gateway, a.addresses[0]!] as const] : []))),
    onActivity: options.onActivity,
    sshdUsers: (options.profile.thresholds.ssh as { authUsers?: string[] } | undefined)?.authUsers ?? [],
    gatherers: run.gatherers,
  });
  const limits = new Map<string, LimitFunction>();
  const connectionLimit = (gateway: string) => {
    let limit = limits.get(gateway);
    if (!limit) limits.set(gateway, (limit = pLimit(connection.scan.connectionsPerHost)));
    return limit;
  };
  return {
    connection,
    exec: run.exec,
    now: run.now,
    facts,
    evidence: run.evidence,
    signal,
    connectionLimit,
    unresolved,
    onActivity: options.onActivity,
  };
}

function runSoFar(options: CheckOptions, changes: RunSoFar['changes']): RunSoFar {
  const { baseline, connection } = options;
  return {
    connection,
    changes,
    ...(baseline ? { baseline: { id: baseline.id, startedAt: baseline.report.startedAt, kind: baseline.kind } } : {}),
  };
}

interface Judged {
  startedAt: string;
  finishedAt: string;
  privileged: boolean;
  nmap?: string;
  addresses: GatewayAddresses[];
  rows: ReportRow[];
  findings: ReportFinding[];
  observations: Observation[];
  changes: RunSoFar['changes'];
  waivers: ReturnType<typeof applyWaivers>;
  artefacts: Artefact[];
}

function assembleReport(options: CheckOptions, judged: Judged): RunReport {
  const { connection, profile, baseline } = options;
  const { rows, findings } = judged;
  const automated = rows.filter((r) => r.method === 'automated');
  const exitCode = runExitCode(automated);
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'cocoscan', version: TOOL_VERSION },
    profile: { id: profile.id, version: profile.version, title: profile.title, sha256: profile.sha256, statement: profile.statement },
    startedAt: judged.startedAt,
    finishedAt: judged.finishedAt,
    scanner: {
      hostname: hostname(),
      privileged: judged.privileged,
      nmapVersion: judged.nmap ?? null,
      scanType: judged.privileged ? 'syn' : 'connect',
    },
    provenance: { commandLine: options.commandLine ?? [], node: process.version, platform: `${process.platform} ${process.arch}` },
    connection: connectionForReport(connection, publicCommunities(profile)),
    addresses: judged.addresses,
    summary: {
      verdict: VERDICT_OF_EXIT[exitCode],
      exitCode,
      automatedRows: countBy(automated.map((r) => r.compliance ?? 'null')),
      manualRows: rows.filter((r) => r.method === 'manual').length,
      findings: countBy(
        findings.map((f) => f.status),
        FINDING_STATUSES,
      ),
      ...(options.waivers ? { waivers: judged.waivers } : {}),
    },
    ...(baseline
      ? { changes: { since: { id: baseline.id, startedAt: baseline.report.startedAt, kind: baseline.kind }, items: judged.changes } }
      : {}),
    sections: profile.sections,
    rows,
    findings,
    observations: judged.observations,
    artefacts: judged.artefacts.map((a) => ({ path: a.path, sha256: a.sha256, bytes: a.bytes })),
  };
}

function keyed(list: Finding[]): ReportFinding[] {
  return list.map((f) => ({ key: findingKey(f), ...f }));
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

/** The community strings the profile tries by default: well known, so not secrets. */
function publicCommunities(profile: Profile): readonly string[] {
  const snmp = profile.thresholds.snmp as { communities?: unknown } | undefined;
  return Array.isArray(snmp?.communities) ? snmp.communities.filter((c): c is string => typeof c === 'string') : [];
}

const VERDICT_OF_EXIT = {
  [ExitCode.Compliant]: 'compliant',
  [ExitCode.NotCompliant]: 'not-compliant',
  [ExitCode.NotAssessed]: 'not-assessed',
} as const;

/**
 * A failing row (No or Partial) decides the exit code before a row that could not be assessed: a pipeline learns first
 * that the gateway is non-compliant, and exit 4 means only "nothing failed, but something could not be checked".
 * An active waiver keeps a No or Partial row from counting; a row not assessed counts whatever its waiver.
 */
export function runExitCode(automated: ReportRow[]): 0 | 1 | 4 {
  const counting = automated.filter((r) => !waivedFailure(r));
  if (counting.some((r) => r.compliance === 'No' || r.compliance === 'Partial')) return ExitCode.NotCompliant;
  if (counting.some((r) => r.compliance !== 'Yes' && r.compliance !== 'N/A')) return ExitCode.NotAssessed;
  return ExitCode.Compliant;
}
