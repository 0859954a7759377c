import { basename, dirname, join, resolve } from 'node:path';
import { loadConnectionFile } from '../connection/load.ts';
import { checkProfileRequirements } from '../profile/requirements.ts';
import { portSpecSchema, type ConnectionFile } from '../connection/schema.ts';
import { ExitCode, UsageError, worstExitCode } from '../errors.ts';
import { renderReportFiles, writeReportFolder, type ReportFiles } from '../output/write-report.ts';
import { checkOutFolder, removeLeftovers } from '../output/out-folder.ts';
import { loadProfile, type Profile } from '../profile/load.ts';
import { runCheck } from '../run-check.ts';
import type { ActivityEvent } from '../facts/facts.ts';
import { checkHistoryFolder, historyRoot, latestRun, resolveRun, runStamp, saveRun, type StoredRun } from '../history/store.ts';
import type { RunReport } from '../report/schema.ts';
import { readEarlierRuns } from '../history/timeline.ts';
import { loadWaivers, type Waiver } from '../waivers/waivers.ts';
import { loadAnswers, type Answer } from '../answers/answers.ts';
import { createPrivateKey } from 'node:crypto';
import { readSafeText } from '../input/safe-read.ts';
import { renderJson } from '../../reports/json.ts';
import { renderTextSummary, wantsColour } from '../../reports/text.ts';
import { Progress } from './progress.ts';
import { terminalText } from '../../reports/escape.ts';
import type { SarifSource } from '../../reports/sarif.ts';
import { checkReportPaths, parseReportPaths, sarifUri, writeReportPaths, type ReportPath } from '../output/report-paths.ts';
import { declarationLines } from '../connection/lines.ts';
import { readYaml } from '../input/yaml-input.ts';
import { exec } from '../exec.ts';
import { nmapVersion } from '../nmap/run.ts';

export interface CheckCommandOptions {
  out?: string;
  /** false: keep no history (and compare with nothing unless --baseline). */
  history: boolean;
  historyDir?: string;
  baseline?: string;
  waivers?: string;
  answers?: string;
  /** Ed25519 private key file to sign the evidence manifest with. */
  sign?: string;
  /** The command line as typed, for provenance (secrets are never on it; values that look like one are masked). */
  argv?: string[];
  profile: string;
  format: 'text' | 'json';
  ports?: string;
  udpPorts?: string;
  udpTopPorts?: string;
  timing?: string;
  maxRate?: string;
  concurrency?: string;
  serviceDetection: boolean;
  privileged?: boolean;
  progress: boolean;
  nmap?: string;
  /** `--report FORMAT=PATH` values: further formats written to paths of their own. */
  report?: string[];
  masscan?: string;
}

export interface PreparedCheck {
  connection: ConnectionFile;
  profile: Profile;
  waivers?: Waiver[];
  answers?: Answer[];
  signingKeyPem?: string;
  historyRoot: string;
  reportPaths: ReportPath[];
  /** Where the connection file declares its gateways and flows; read only when SARIF is asked for. */
  sarif?: SarifSource;
  /** `nmap --version`, asked first so that it runs while the files are read (for a run that starts at once). */
  nmapVersion: Promise<string | undefined>;
}

/** Everything a check needs, read and validated before any packet is sent. */
export async function prepareCheck(file: string, options: CheckCommandOptions): Promise<PreparedCheck> {
  // Typed as the two it must be, but it comes from the command line.
  const format: string = options.format;
  if (format !== 'text' && format !== 'json') {
    throw new UsageError(`--format must be "text" or "json", not "${format}"`);
  }
  const reportPaths = parseReportPaths(options.report ?? []);
  // Asked first, to run while the files are read; stopped when they turn out unusable, so that it keeps nothing waiting.
  const asking = new AbortController();
  const version = nmapVersion(exec, options.nmap, asking.signal);
  try {
    const connection = applyScanOverrides(await loadConnectionFile(file), options);
    const sarif = reportPaths.some((r) => r.format === 'sarif')
      ? { uri: sarifUri(file), lines: declarationLines(await readYaml(file, 'connection file')) }
      : undefined;
    const profile = await loadProfile(options.profile);
    checkProfileRequirements(connection, profile, file);
    const waivers = options.waivers ? await loadWaivers(options.waivers, profile) : undefined;
    const answers = options.answers ? await loadAnswers(options.answers, profile) : undefined;
    const signingKeyPem = options.sign ? await readSigningKey(options.sign) : undefined;
    const root = historyRoot(options.historyDir);
    // A run killed while writing leaves a temporary folder; the next start clears the ones that are provably ours.
    if (options.history) {
      await checkHistoryFolder(root, connection.connection.name);
      await removeLeftovers([join(root, connection.connection.name)]);
    }
    return {
      connection,
      profile,
      waivers,
      answers,
      signingKeyPem,
      historyRoot: root,
      reportPaths,
      ...(sarif ? { sarif } : {}),
      nmapVersion: version,
    };
  } catch (error) {
    asking.abort();
    throw error;
  }
}

async function readSigningKey(file: string): Promise<string> {
  let pem: string;
  try {
    pem = await readSafeText(file, { kind: 'signing-key', key: '--sign' });
    if (createPrivateKey(pem).asymmetricKeyType !== 'ed25519') throw new Error('not an Ed25519 key');
  } catch (error) {
    throw new UsageError(
      `--sign ${file}: ${(error as Error).message}`,
      'make a signing key with: cocoscan keygen --out cocoscan-signing.key',
    );
  }
  return pem;
}

export interface PerformedCheck {
  report: RunReport;
  files: ReportFiles;
  stored?: StoredRun;
  /** Removes the evidence kept on disk for `files`: call it once the report folder is written (or not). */
  dispose: () => Promise<void>;
}

/** One check: compare with the baseline (given, or the previous run), run, and keep it in the history. */
export async function performCheck(
  prepared: PreparedCheck,
  options: CheckCommandOptions,
  signal: AbortSignal,
  onActivity?: (event: ActivityEvent) => void,
): Promise<PerformedCheck> {
  const { connection, profile, waivers, answers, signingKeyPem, historyRoot: root } = prepared;
  let baseline: { id: string; report: RunReport; kind: 'previous' | 'baseline' } | undefined;
  if (options.baseline) {
    const run = await resolveRun(options.baseline, root);
    if (run.report.profile.id !== profile.id) {
      throw new UsageError(
        `the baseline ${run.id} was judged against the profile ${run.report.profile.id}, and this check uses ${profile.id}`,
        `give a baseline judged against ${profile.id}, or run the check with --profile ${run.report.profile.id}`,
      );
    }
    baseline = { id: run.id, report: run.report, kind: 'baseline' };
  } else if (options.history) {
    const run = await latestRun(root, connection.connection.name, profile.id);
    if (run) baseline = { id: run.id, report: run.report, kind: 'previous' };
  }
  const result = await runCheck({
    connection,
    profile,
    signal,
    privileged: options.privileged,
    nmapPath: options.nmap,
    nmapVersion: prepared.nmapVersion,
    masscanPath: options.masscan,
    onActivity,
    baseline,
    waivers,
    answers,
    commandLine: maskSecrets(options.argv ?? []),
  });
  const dispose = () => result.evidence.dispose();
  try {
    if (signal.aborted) throw new UsageError('the check was interrupted; nothing was written');
    let report = result.report;
    if (options.history) {
      const earlierRuns = await readEarlierRuns(root, connection.connection.name, profile.id, report.startedAt);
      report = { ...report, history: { id: `${connection.connection.name}/${runStamp(report.startedAt)}`, earlierRuns } };
    }
    const files = await renderReportFiles(report, result.artefacts, signingKeyPem);
    const stored = options.history ? await saveRun(root, report, files) : undefined;
    return { report, files, stored, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}

/** Option values whose names suggest a secret are masked; cocoscan itself never takes secrets on its command line. */
export function maskSecrets(argv: string[]): string[] {
  return argv.map((arg, i) => {
    const previous = argv[i - 1] ?? '';
    if (/^--?[\w-]*(pass|secret|token|community|password)[\w-]*=/i.test(arg)) return arg.replace(/=.*/, '=***');
    if (/^--?[\w-]*(pass|secret|token|community|password)[\w-]*$/i.test(previous) && !arg.startsWith('-')) return '***';
    return arg;
  });
}

/**
 * `cocoscan check a.yaml [b.yaml …]`: every file is validated before anything is probed; then the
 * connections are checked side by side, each into its own folder, and one failing never stops the others.
 * The exit code is the worst of them.
 */
export async function checkCommand(files: string[], options: CheckCommandOptions, signal: AbortSignal): Promise<number> {
  if (files.length === 1) return checkOne(files[0]!, options, signal);
  if (options.format === 'json')
    throw new UsageError('--format json prints one report: check one connection file at a time, or read each report.json');
  if ((options.report ?? []).length > 0)
    throw new UsageError('--report writes one run to each path: check one connection file at a time, or read each report folder');
  const prepared = await Promise.all(files.map((file) => prepareCheck(file, options)));
  const names = prepared.map((p) => p.connection.connection.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate)
    throw new UsageError(
      `two connection files are both named "${duplicate}"; connection names must differ to keep their reports and history apart`,
    );
  const outs = prepared.map((p) => (options.out ? join(options.out, p.connection.connection.name) : defaultOutDir(p.connection)));
  await readyOutFolders(outs);
  // One display for all the connections, each gateway's line named by its connection (names may repeat across files).
  const progress = progressFor(options);
  progress?.start();
  try {
    const codes = await Promise.all(
      prepared.map(async (p, i) => {
        const out = outs[i];
        const name = p.connection.connection.name;
        try {
          return await runPrepared(p, { ...options, out }, signal, progress && { progress, label: `${name}/` });
        } catch (error) {
          const say = () => process.stderr.write(`cocoscan: ${terminalText(name)}: ${terminalText((error as Error).message)}\n`);
          if (progress) progress.interrupt(say);
          else say();
          return ExitCode.BadInput;
        }
      }),
    );
    return worstExitCode(codes);
  } finally {
    progress?.stop();
  }
}

async function checkOne(file: string, options: CheckCommandOptions, signal: AbortSignal): Promise<number> {
  const prepared = await prepareCheck(file, options);
  const out = options.out ?? defaultOutDir(prepared.connection);
  await readyOutputs(prepared, out);
  const progress = progressFor(options);
  progress?.start();
  try {
    return await runPrepared(prepared, { ...options, out }, signal, progress && { progress, label: '' });
  } finally {
    progress?.stop();
  }
}

/** The progress lines on stderr: only for the text format, and only when stderr is a terminal (piped output stays clean). */
function progressFor(options: CheckCommandOptions): Progress | undefined {
  return options.progress && options.format === 'text' && process.stderr.isTTY === true ? new Progress(process.stderr) : undefined;
}

/** Before the first packet: the report folder and every --report path can be written. */
export async function readyOutputs(prepared: PreparedCheck, out: string): Promise<void> {
  await readyOutFolders([out]);
  await checkReportPaths(prepared.reportPaths, out);
}

/** Writes one run's report folder (replacing the previous run's there) and its --report files; returns what was written. */
export async function writeOutputs(
  prepared: PreparedCheck,
  performed: PerformedCheck,
  out: string,
): Promise<{ folder: string; extra: string[] }> {
  let folder: string;
  try {
    folder = await writeReportFolder(out, performed.files);
  } finally {
    await performed.dispose();
  }
  const extra = await writeReportPaths(prepared.reportPaths, performed.report, { sarif: prepared.sarif });
  return { folder, extra };
}

/** Before the first packet: clear our own leftovers beside each --out, and refuse an --out that cannot be used. */
async function readyOutFolders(outs: string[]): Promise<void> {
  await removeLeftovers(outs.map((out) => dirname(resolve(out))));
  for (const out of outs) await checkOutFolder(out);
}

async function runPrepared(
  prepared: PreparedCheck,
  options: CheckCommandOptions,
  signal: AbortSignal,
  shown?: { progress: Progress; label: string },
): Promise<number> {
  const outDir = options.out ?? defaultOutDir(prepared.connection);
  const update = shown && ((event: ActivityEvent) => shown.progress.update({ ...event, gateway: `${shown.label}${event.gateway}` }));
  let performed: PerformedCheck;
  try {
    performed = await performCheck(prepared, options, signal, update);
  } finally {
    shown?.progress.forget(shown.label);
  }
  const { folder: written, extra } = await writeOutputs(prepared, performed, outDir);
  const print = (text: string) => (shown ? shown.progress.interrupt(() => process.stdout.write(text)) : process.stdout.write(text));
  if (options.format === 'json') print(renderJson(performed.report));
  else
    print(
      renderTextSummary(performed.report, written, {
        colour: wantsColour(process.stdout.isTTY, process.env),
        files: [...performed.files.keys()],
      }) +
        extra.map((path, i) => `Also written: ${terminalText(path)} (${prepared.reportPaths[i]!.format})\n`).join('') +
        (performed.stored ? `History: ${performed.stored.id} (in ${prepared.historyRoot})\n` : ''),
    );
  return performed.report.summary.exitCode;
}

function applyScanOverrides(connection: ConnectionFile, options: CheckCommandOptions): ConnectionFile {
  const scan = { ...connection.scan };
  if (options.ports !== undefined) scan.tcpPorts = checkPortSpec('--ports', options.ports);
  if (options.udpPorts !== undefined) scan.udpPorts = checkPortSpec('--udp-ports', options.udpPorts);
  if (options.udpTopPorts !== undefined) scan.udpTopPorts = wholeNumber('--udp-top-ports', options.udpTopPorts, 0, 100);
  if (options.timing !== undefined) {
    const timing = Number(options.timing);
    if (!Number.isInteger(timing) || timing < 0 || timing > 5) throw new UsageError(`--timing must be 0 to 5, not "${options.timing}"`);
    scan.timing = timing;
  }
  if (!options.serviceDetection) scan.serviceDetection = false;
  if (options.maxRate !== undefined) scan.rate = scan.maxRate = wholeNumber('--max-rate', options.maxRate, 1, 1_000_000);
  if (options.concurrency !== undefined) scan.gatewaysAtOnce = wholeNumber('--concurrency', options.concurrency, 1, 256);
  return { ...connection, scan };
}

function wholeNumber(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, not "${value}"`);
  return n;
}

function checkPortSpec(flag: string, value: string): string {
  const result = portSpecSchema.safeParse(value);
  if (!result.success) throw new UsageError(`${flag} ${value}: ${result.error.issues[0]?.message ?? 'invalid'}`);
  return result.data;
}

function defaultOutDir(connection: ConnectionFile): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  return `cocoscan-${basename(connection.connection.name)}-${stamp}`;
}
