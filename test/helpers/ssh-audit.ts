import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Whether ssh-audit is installed (.ci/run installs it). */
export const sshAuditPresent = await run('ssh-audit', ['-h']).then(
  () => true,
  (error: { code?: number | string }) => typeof error.code === 'number',
);

/**
 * The CVE ids ssh-audit lists for the version in an endpoint's banner: its `(cve)` lines. ssh-audit 2.5's JSON
 * output (-j) has no CVE field, so its plain report (-n) is read.
 */
export async function sshAuditCves(host: string, port = 22, timeoutSeconds = 10): Promise<string[]> {
  const output = await run('ssh-audit', ['-n', '-t', String(timeoutSeconds), '-p', String(port), host], {
    maxBuffer: 4 * 1024 * 1024,
  }).then(
    (r) => r.stdout,
    (e: { stdout?: string }) => e.stdout ?? '', // ssh-audit exits non-zero when it finds failures
  );
  return [...output.matchAll(/^\(cve\) (CVE-\d{4}-\d+)/gm)].map((m) => m[1]!);
}
