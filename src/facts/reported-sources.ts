import { readSafe, readSafeText } from '../input/safe-read.ts';
import type { Gateway } from '../connection/schema.ts';
import { agentReportSchema, verifySignedReport, type AgentReport } from '../agent/report.ts';
import { AV_COMMANDS, type CommandOutcome } from '../host/commands.ts';
import type { HostSession } from '../host/session.ts';
import { parseProcessList } from '../host/processes.ts';
import type { AvObservation } from '../av/observation.ts';
import { parseAvData } from '../av/parse.ts';

/**
 * One source of host-reported data for a gateway: an agent report file, raw tool output, or the live SSH
 * session. Anti-virus observations are read from it here; patch facts come from its command outputs.
 */
export interface ReportedSource {
  label: string;
  kind: 'agent-report' | 'tool-output' | 'ssh-session';
  /** valid: signature checked; unsigned: accepted, origin not verifiable; invalid: not used. */
  signature: 'valid' | 'unsigned' | 'invalid' | 'not-applicable';
  /** Why the source cannot be used, when it cannot. */
  failure?: string;
  collectedAt?: Date;
  collectedAtFrom: 'report' | 'file modification time' | 'ssh session';
  /** Host clock minus this checker's clock, where it could be measured, in seconds. */
  clockSkewSeconds?: number;
  observations: AvObservation[];
  /** Process names from the same source (`ps -eo comm=`), to tell whether an engine runs. */
  processes?: string[];
  /** Raw command outputs (cocoscan agent reports and the SSH session; not plain tool output). */
  commands?: Record<string, CommandOutcome>;
  /** The host's offset from UTC, where known. */
  utcOffsetMinutes?: number;
}

const MAX_REPORT_BYTES = 16 * 1024 * 1024;

export async function loadReportSources(gateway: Gateway, session: HostSession | undefined): Promise<ReportedSource[]> {
  const sources: ReportedSource[] = [];
  for (const entry of gateway.agentReports) {
    const label = entry.path ?? `${gateway.host}:${entry.remotePath}`;
    let text: string;
    let mtime: Date | undefined;
    if (entry.path) {
      const read = await readSafe(entry.path, {
        kind: 'agent-report',
        key: `${gateway.name} agentReports[${gateway.agentReports.indexOf(entry)}].path`,
        maxBytes: MAX_REPORT_BYTES,
      }).catch((error: Error) => error);
      if (read instanceof Error) {
        sources.push(failedSource(label, `the report file cannot be used: ${read.message}`));
        continue;
      }
      text = read.content.toString('utf8');
      mtime = read.info.mtime;
    } else {
      const fetched = session?.ok && Object.hasOwn(session.files, entry.remotePath!) ? session.files[entry.remotePath!] : undefined;
      if (!fetched || fetched.status !== 'ok') {
        sources.push(
          failedSource(
            label,
            session && !session.ok
              ? `the SSH session failed: ${session.reason}`
              : `the report could not be read over SSH (${fetched ? `${fetched.status}: ${fetched.stderr.trim().slice(0, 300)}` : 'not fetched'})`,
          ),
        );
        continue;
      }
      text = fetched.stdout;
    }
    // Raw tool output fetched over SSH is in the session's zone unless the entry says otherwise.
    const offset = entry.utcOffsetMinutes ?? (entry.remotePath && session?.ok ? sessionOffset(session) : undefined);
    sources.push(await readSource(label, text, entry.publicKey, mtime, offset));
  }
  if (session?.ok) sources.push(sessionSource(session));
  return sources;
}

function failedSource(label: string, reason: string): ReportedSource {
  return { label, kind: 'tool-output', signature: 'invalid', failure: reason, collectedAtFrom: 'report', observations: [] };
}

async function readSource(
  label: string,
  text: string,
  publicKeyFile: string | undefined,
  mtime: Date | undefined,
  utcOffsetMinutes: number | undefined,
): Promise<ReportedSource> {
  if (publicKeyFile) {
    const verified = verifySignedReport(text, await readSafeText(publicKeyFile, { kind: 'public-key' }));
    if (!verified.ok) return { ...failedSource(label, `signed report rejected: ${verified.reason}`), kind: 'agent-report' };
    return { ...fromAgentReport(label, verified.report), signature: 'valid' };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (json && typeof json === 'object' && (json as { format?: unknown }).format === 'cocoscan-signed-report') {
    return {
      ...failedSource(label, 'the report is signed, but its entry names no publicKey, so the signature cannot be checked'),
      kind: 'agent-report',
    };
  }
  if (json && typeof json === 'object' && (json as { format?: unknown }).format === 'cocoscan-agent-report') {
    const parsed = agentReportSchema.safeParse(json);
    if (!parsed.success) return { ...failedSource(label, 'the agent report does not match its format'), kind: 'agent-report' };
    return { ...fromAgentReport(label, parsed.data), signature: 'unsigned' };
  }
  const observations = parseAvData(text, utcOffsetMinutes);
  if (observations.length === 0)
    return failedSource(
      label,
      'the file is not in a format cocoscan reads (clamscan, sigtool, freshclam.log, Defender, mdatp, osquery or a cocoscan agent report)',
    );
  return {
    label,
    kind: 'tool-output',
    signature: 'unsigned',
    collectedAt: mtime,
    collectedAtFrom: 'file modification time',
    observations,
    utcOffsetMinutes,
  };
}

function observationsFrom(commands: Record<string, CommandOutcome>, utcOffsetMinutes: number | undefined): AvObservation[] {
  return AV_COMMANDS.flatMap((name) => (commands[name]?.status === 'ok' ? parseAvData(commands[name].stdout, utcOffsetMinutes) : []));
}

function processesOf(commands: Record<string, CommandOutcome>): string[] | undefined {
  const outcome = Object.hasOwn(commands, 'processes') ? commands.processes : undefined;
  return outcome?.status === 'ok' ? parseProcessList(outcome.stdout) : undefined;
}

function fromAgentReport(label: string, report: AgentReport): ReportedSource {
  return {
    label,
    kind: 'agent-report',
    signature: 'unsigned',
    collectedAt: new Date(report.collectedAt),
    collectedAtFrom: 'report',
    observations: observationsFrom(report.commands, report.utcOffsetMinutes),
    processes: processesOf(report.commands),
    commands: report.commands,
    utcOffsetMinutes: report.utcOffsetMinutes,
  };
}

/** The host's UTC offset as `date +%z` printed it in the session, when it did. */
function sessionOffset(session: Extract<HostSession, { ok: true }>): number | undefined {
  const clock = session.commands.clock;
  const zone = clock?.status === 'ok' ? clock.stdout.trim().split('\n')[1] : undefined;
  return zone && /^[+-]\d{4}$/.test(zone)
    ? (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5)))
    : undefined;
}

function sessionSource(session: Extract<HostSession, { ok: true }>): ReportedSource {
  const clock = session.commands.clock;
  const [epoch] = clock?.status === 'ok' ? clock.stdout.trim().split('\n') : [];
  const offset = sessionOffset(session);
  const collectedAt = new Date(session.collectedAt);
  return {
    label: `SSH session as ${session.username}`,
    kind: 'ssh-session',
    signature: 'not-applicable',
    collectedAt,
    collectedAtFrom: 'ssh session',
    clockSkewSeconds: epoch && /^\d+$/.test(epoch) ? Number(epoch) - Math.round(collectedAt.getTime() / 1000) : undefined,
    observations: observationsFrom(session.commands, offset),
    processes: processesOf(session.commands),
    commands: session.commands,
    utcOffsetMinutes: offset,
  };
}
