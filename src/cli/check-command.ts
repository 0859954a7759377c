import { basename } from 'node:path';
import { loadConnectionFile } from '../connection/load.ts';
import { portSpecSchema, type ConnectionFile } from '../connection/schema.ts';
import { UsageError } from '../errors.ts';
import { renderReportFiles, writeReportFolder } from '../output/write-report.ts';
import { loadProfile } from '../profile/load.ts';
import { runCheck } from '../run-check.ts';
import { renderJson } from '../../reports/json.ts';
import { renderTextSummary } from '../../reports/text.ts';
import { Progress } from './progress.ts';

export interface CheckCommandOptions {
  out?: string;
  profile: string;
  format: 'text' | 'json';
  ports?: string;
  udpPorts?: string;
  timing?: string;
  serviceDetection: boolean;
  privileged?: boolean;
  progress: boolean;
  nmap?: string;
}

/** `cocoscan check`: validate everything, probe, judge, write. Returns the exit code. */
export async function checkCommand(file: string, options: CheckCommandOptions, signal: AbortSignal): Promise<number> {
  if (options.format !== 'text' && options.format !== 'json') {
    throw new UsageError(`--format must be "text" or "json", not "${options.format}"`);
  }
  // Everything is validated before any packet is sent.
  const connection = applyScanOverrides(await loadConnectionFile(file), options);
  const profile = await loadProfile(options.profile);
  const outDir = options.out ?? defaultOutDir(connection);

  const showProgress = options.progress && options.format === 'text' && process.stderr.isTTY === true;
  const progress = showProgress ? new Progress(process.stderr) : undefined;
  progress?.start();
  let result;
  try {
    result = await runCheck({
      connection,
      profile,
      signal,
      privileged: options.privileged,
      nmapPath: options.nmap,
      onActivity: progress?.update,
    });
  } finally {
    progress?.stop();
  }
  if (signal.aborted) throw new UsageError('the check was interrupted; no report was written');
  const written = await writeReportFolder(outDir, renderReportFiles(result.report, result.artefacts));
  if (options.format === 'json') process.stdout.write(renderJson(result.report));
  else process.stdout.write(renderTextSummary(result.report, written));
  return result.report.summary.exitCode;
}

function applyScanOverrides(connection: ConnectionFile, options: CheckCommandOptions): ConnectionFile {
  const scan = { ...connection.scan };
  if (options.ports !== undefined) scan.tcpPorts = checkPortSpec('--ports', options.ports);
  if (options.udpPorts !== undefined) scan.udpPorts = checkPortSpec('--udp-ports', options.udpPorts);
  if (options.timing !== undefined) {
    const timing = Number(options.timing);
    if (!Number.isInteger(timing) || timing < 0 || timing > 5) throw new UsageError(`--timing must be 0 to 5, not "${options.timing}"`);
    scan.timing = timing;
  }
  if (!options.serviceDetection) scan.serviceDetection = false;
  return { ...connection, scan };
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
