import { hostname } from 'node:os';
import pLimit, { type LimitFunction } from 'p-limit';
import type { ConnectionFile } from './connection/schema.ts';
import { ExitCode, InternalError, ToolMissingError, describeCause } from './errors.ts';
import { EvidenceStore, type Artefact } from './evidence-store.ts';
import { exec as realExec, type Exec } from './exec.ts';
import { Facts, type ActivityEvent } from './facts/facts.ts';
import { FINDING_STATUSES, type Finding } from './findings.ts';
import { nmapVersion } from './nmap/run.ts';
import type { Probe } from './probe/contract.ts';
import { findingBuilder } from './probe/finding-builder.ts';
import { evaluateRow, findingKey } from './profile/evaluate.ts';
import type { Profile } from './profile/load.ts';
import { REPORT_SCHEMA_VERSION, type ReportRow, type RunReport } from './report/schema.ts';
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
  const perProbe = await Promise.all(
    profile.probes.map((probe) => runProbe(probe, { connection, profile, exec, now, facts, evidence, signal, connectionLimit })),
  );
  const findings = perProbe.flat().map((f) => ({ key: findingKey(f), ...f }));
  assertUniqueKeys(findings);

  const rows: ReportRow[] = profile.rows.map((row) => {
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
    };
  });

  const automated = rows.filter((r) => r.method === 'automated');
  const exitCode = automated.every((r) => r.compliance === 'Yes' || r.compliance === 'N/A') ? ExitCode.Compliant : ExitCode.NotCompliant;
  const artefacts = evidence.list();
  const report: RunReport = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'cocoscan', version: TOOL_VERSION },
    profile: { id: profile.id, version: profile.version, title: profile.title, sha256: profile.sha256 },
    startedAt,
    finishedAt: now().toISOString(),
    scanner: { hostname: hostname(), privileged, nmapVersion: nmap ?? null, scanType: privileged ? 'syn' : 'connect' },
    connection,
    summary: {
      verdict: exitCode === ExitCode.Compliant ? 'compliant' : 'not-compliant',
      exitCode,
      automatedRows: countBy(automated.map((r) => r.compliance ?? 'null')),
      manualRows: rows.filter((r) => r.method === 'manual').length,
      findings: countBy(findings.map((f) => f.status), FINDING_STATUSES),
    },
    sections: profile.sections,
    rows,
    findings,
    artefacts: artefacts.map((a) => ({ path: a.path, sha256: a.sha256, bytes: a.content.length })),
  };
  return { report, artefacts };
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
}

/** Runs one probe; a probe that throws yields `error` findings for everything it would have judged, never silence. */
async function runProbe(probe: Probe, env: ProbeEnv): Promise<Finding[]> {
  const finding = findingBuilder(probe.meta, env.now);
  try {
    return await probe.run({
      connection: env.connection,
      thresholds: env.profile.thresholds[probe.meta.id],
      exec: env.exec,
      now: env.now,
      facts: env.facts,
      evidence: env.evidence,
      signal: env.signal,
      connectionLimit: env.connectionLimit,
      finding,
    });
  } catch (error) {
    if (error instanceof InternalError) throw error;
    const reason = `the ${probe.meta.id} probe failed: ${describeCause(error)}`;
    return env.connection.gateways.flatMap((gateway) =>
      Object.keys(probe.meta.findings).map((id) =>
        finding({
          id,
          target: { gateway: gateway.name, host: gateway.host },
          status: 'error',
          params: { reason },
          evidence: { source: `cocoscan ${probe.meta.id} probe` },
        }),
      ),
    );
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
