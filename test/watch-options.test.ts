import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from './helpers/cli.ts';
import { offlineConnection } from './helpers/offline-connection.ts';

const PROFILE = join(ROOT, 'test/fixtures/profiles/coco10-only.yaml');

describe('watch takes the output options of check', () => {
  it('--out, --report, --answers, --sign, --ports and --timing apply to every run', { timeout: 60_000 }, async () => {
    const dir = await tempDir();
    const file = await offlineConnection(dir);
    const key = join(dir, 'signing.key');
    expect((await runCli(['keygen', '--out', key])).code).toBe(0);
    const answers = join(dir, 'answers.yaml');
    await writeFile(answers, 'answers: []\n');
    const out = join(dir, 'out');
    const junit = join(dir, 'junit.xml');
    const result = await runCli([
      'watch',
      file,
      '--profile',
      PROFILE,
      '--history',
      join(dir, 'history'),
      '--every',
      '1s',
      '--max-runs',
      '2',
      '--out',
      out,
      '--report',
      `junit=${junit}`,
      '--answers',
      answers,
      '--sign',
      key,
      '--ports',
      '1-100',
      '--timing',
      '3',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`written: ${out}, ${junit}`);
    expect(result.stdout).toContain('watch stopped after 2 run(s)');
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as {
      connection: { scan: { tcpPorts: string; timing: number } };
    };
    expect(report.connection.scan).toMatchObject({ tcpPorts: '1-100', timing: 3 });
    expect((await stat(join(out, 'evidence/manifest.sha256.sig'))).isFile()).toBe(true);
    expect(await readFile(junit, 'utf8')).toMatch(/^<\?xml/);
    const verified = await runCli(['verify', out, '--key', `${key}.pub`]);
    expect(verified.code, verified.stderr).toBe(0);
  });

  it('refuses an unusable --out or bad --ports before the first run (exit 2)', async () => {
    const dir = await tempDir();
    const file = await offlineConnection(dir);
    await writeFile(join(dir, 'not-a-folder'), 'x\n');
    const common = ['watch', file, '--profile', PROFILE, '--history', join(dir, 'history'), '--every', '1h'];
    const out = await runCli([...common, '--out', join(dir, 'not-a-folder')]);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('is a file, not a folder');
    const ports = await runCli([...common, '--ports', '1-99999']);
    expect(ports.code).toBe(2);
    expect(ports.stderr).toContain('--ports 1-99999: ports must be from 1 to 65535');
  });
});
