import { execFileSync } from 'node:child_process';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode, worstExitCode } from '../src/errors.ts';
import type { ReportRow } from '../src/report/schema.ts';
import { runExitCode } from '../src/run-check.ts';
import { clamscanVersion } from './fixtures/av/build.ts';
import { ROOT, runCli, tempDir } from './helpers/cli.ts';

const PROFILE = join(ROOT, 'test/fixtures/profiles/coco10-only.yaml');

/** CoCo-10 judged from a ClamAV output file, no packet sent: signatures two days old make the row No. */
async function staleConnection(dir: string): Promise<string> {
  await writeFile(join(dir, 'clamscan.txt'), clamscanVersion(new Date(Date.now() - 48 * 3_600_000)));
  const file = join(dir, 'connection.yaml');
  await writeFile(
    file,
    'connection: { name: formats, connectedSystem: M, connectingSystem: T, organisation: O }\ngateways:\n  - name: gw\n    ' +
      'host: 127.0.0.1\n    agentReports: [ { path: clamscan.txt } ]\nflows: [ { name: web, protocol: https, port: 443 } ]\n',
  );
  return file;
}

interface Sarif {
  runs: {
    results: {
      ruleId: string;
      kind: string;
      locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[];
    }[];
  }[];
}

describe('check --report FORMAT=PATH', () => {
  it('writes JUnit and SARIF to their own paths in one run, beside the report folder, and replaces them next time', async () => {
    const dir = await tempDir();
    const file = await staleConnection(dir);
    const junit = join(dir, 'ci', 'cocoscan.xml');
    const sarif = join(dir, 'cocoscan.sarif');
    const args = ['check', file, '--profile', PROFILE, '--out', join(dir, 'out'), '--no-history', '--no-progress'];
    const result = await runCli([...args, '--report', `junit=${junit}`, '--report', `sarif=${sarif}`]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(ExitCode.NotCompliant);
    expect(result.stdout).toContain(`Also written: ${junit} (junit)`);
    expect(result.stdout).toContain(`Also written: ${sarif} (sarif)`);
    execFileSync('xmllint', ['--noout', '--schema', join(ROOT, 'test/fixtures/formats/junit-10.xsd'), junit], { stdio: 'pipe' });
    expect(await readFile(junit, 'utf8')).toMatch(
      /<testcase name="CoCo-10 [^"]*" classname="cocoscan\.coco10-only\.conditions">\s*<failure type="No"/,
    );
    const log = JSON.parse(await readFile(sarif, 'utf8')) as Sarif;
    const failed = log.runs[0]!.results.find((r) => r.ruleId === 'antivirus.signature-age')!;
    expect(failed.kind).toBe('fail');
    // The connection file is outside the working folder, so it is named by a file: URI; `- name: gw` is on line 3.
    expect(failed.locations[0]!.physicalLocation).toEqual({ artifactLocation: { uri: `file://${file}` }, region: { startLine: 3 } });
    await access(join(dir, 'out', 'findings.csv'));

    const again = await runCli([...args, '--report', `junit=${junit}`, '--report', `sarif=${sarif}`]);
    expect(again.code).toBe(ExitCode.NotCompliant);
    expect(again.stderr).toBe('');
  });

  it('refuses before the first packet (exit 2) a path it did not write, a folder, a bad format, or two formats on one file', async () => {
    const dir = await tempDir();
    const file = await staleConnection(dir);
    const mine = join(dir, 'notes.xml');
    await writeFile(mine, '<notes>mine</notes>\n');
    const out = join(dir, 'out');
    const args = ['check', file, '--profile', PROFILE, '--out', out, '--no-history', '--no-progress'];
    const foreign = await runCli([...args, '--report', `junit=${mine}`]);
    expect(foreign.code).toBe(ExitCode.BadInput);
    expect(foreign.stderr).toContain(`--report junit=${mine} already exists and is not a junit report cocoscan wrote`);
    expect(await readFile(mine, 'utf8')).toBe('<notes>mine</notes>\n');
    await expect(access(out)).rejects.toThrow();

    await mkdir(join(dir, 'folder'));
    const folder = await runCli([...args, '--report', `sarif=${join(dir, 'folder')}`]);
    expect(folder.code).toBe(ExitCode.BadInput);
    expect(folder.stderr).toMatch(/is a folder/);
    const unknown = await runCli([...args, '--report', 'pdf=x.pdf']);
    expect(unknown.code).toBe(ExitCode.BadInput);
    expect(unknown.stderr).toContain('FORMAT one of junit, sarif, jsonl, ocsf, findings-csv, json');
    const twice = await runCli([...args, '--report', `junit=${join(dir, 'a')}`, '--report', `sarif=${join(dir, 'a')}`]);
    expect(twice.code).toBe(ExitCode.BadInput);
    const under = await runCli([...args, '--report', `jsonl=${join(mine, 'x.jsonl')}`]);
    expect(under.code).toBe(ExitCode.BadInput);
    expect(under.stderr).toContain('cannot write in');
    await expect(access(out)).rejects.toThrow();
  });
});

describe('exit codes', () => {
  const row = (compliance: ReportRow['compliance'], waived = false): ReportRow => ({
    ref: 'R',
    section: 's',
    title: 't',
    heading: false,
    method: 'automated',
    compliance,
    comment: '',
    findings: [],
    source: 'measured',
    ...(waived
      ? { waiver: { status: 'active', expires: '2099-01-01', approvedBy: 'a', justification: 'j', plan: 'p', scope: 'row' } }
      : {}),
  });

  it('No or Partial is 1 and wins over Not assessed (4); a waived No does not count, a waived Not assessed does; Yes and N/A are 0', () => {
    expect(runExitCode([row('Yes'), row('N/A')])).toBe(0);
    expect(runExitCode([row('Yes'), row('Not assessed')])).toBe(4);
    expect(runExitCode([row('Not assessed'), row('Partial')])).toBe(1);
    expect(runExitCode([row('No'), row('Not assessed')])).toBe(1);
    expect(runExitCode([row('No', true), row('Not assessed')])).toBe(4);
    expect(runExitCode([row('Partial', true), row('Yes')])).toBe(0);
    // A waiver accepts a known risk; it never turns a row that could not be measured into a pass.
    expect(runExitCode([row('Not assessed', true), row('Yes')])).toBe(4);
  });

  it('several connection files: the most serious code, not the largest number', () => {
    expect(worstExitCode([0, 4])).toBe(4);
    expect(worstExitCode([4, 1, 0])).toBe(1);
    expect(worstExitCode([1, 2, 4])).toBe(2);
    expect(worstExitCode([3, 4])).toBe(3);
    expect(worstExitCode([])).toBe(0);
  });
});
