import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunReport } from '../src/report/schema.ts';
import { ROOT, runCli, tempDir } from './helpers/cli.ts';

const PROFILE = join(ROOT, 'test/fixtures/profiles/coco10-only.yaml');

function connection(extra: string): string {
  return `connection: { name: agent, mojSystem: M, thirdPartySystem: T, organisation: O }
gateways:
  - name: gw
    host: 127.0.0.1
    agentReports:
${extra}
flows: [ { name: web, protocol: https, port: 443 } ]
`;
}

describe('cocoscan agent: keygen, collect, and the check that reads the report', () => {
  it('a signed report from this host verifies; one altered byte makes CoCo-10 Not assessed', async () => {
    const dir = await tempDir();
    const key = join(dir, 'agent.key');
    expect((await runCli(['agent', 'keygen', '--out', key])).code).toBe(0);
    const again = await runCli(['agent', 'keygen', '--out', key]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('keys are never overwritten');
    const collected = await runCli(['agent', 'collect', '--key', key, '--out', join(dir, 'report.json')]);
    expect(collected.code, collected.stderr).toBe(0);
    expect(collected.stdout).toMatch(/\(signed\); collected: .*os-release/);

    await writeFile(join(dir, 'connection.yaml'), connection('      - { path: report.json, publicKey: agent.key.pub }'));
    const out = join(dir, 'out');
    const good = await runCli(['check', join(dir, 'connection.yaml'), '--profile', PROFILE, '--out', out, '--format', 'json']);
    const report = JSON.parse(good.stdout) as RunReport;
    expect(report.findings.find((f) => f.id === 'antivirus.reports')?.status).toBe('pass');
    expect(await readFile(join(out, 'report.json'), 'utf8')).not.toContain(await readFile(key, 'utf8').then((k) => k.split('\n')[1]!));

    const text = await readFile(join(dir, 'report.json'), 'utf8');
    const at = text.indexOf('"payload": "') + 20;
    await writeFile(join(dir, 'report.json'), text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1));
    const bad = await runCli(['check', join(dir, 'connection.yaml'), '--profile', PROFILE, '--out', out, '--format', 'json']);
    const altered = JSON.parse(bad.stdout) as RunReport;
    expect(bad.code).toBe(4);
    expect(altered.rows[0]?.compliance).toBe('Not assessed');
    expect(altered.rows[0]?.comment).toMatch(/signed report rejected: the signature does not match the report/);
  });

  it('collect --out replaces an agent report it wrote (signed or not), never a file it did not write', async () => {
    const dir = await tempDir();
    const key = join(dir, 'agent.key');
    expect((await runCli(['agent', 'keygen', '--out', key])).code).toBe(0);
    const out = join(dir, 'agent.json');
    for (const how of [['--unsigned'], ['--key', key], ['--unsigned']]) {
      const rerun = await runCli(['agent', 'collect', ...how, '--out', out]);
      expect(rerun.code, rerun.stderr).toBe(0);
    }
    // A user's file, short or longer than the part read to recognise a report, is left as it was.
    for (const [name, text] of [
      ['notes.txt', 'my notes\n'],
      ['big.json', `{"format": "mine", "pad": "${'x'.repeat(100_000)}"}\n`],
    ] as const) {
      const mine = join(dir, name);
      await writeFile(mine, text);
      const refused = await runCli(['agent', 'collect', '--unsigned', '--out', mine]);
      expect(refused.code, refused.stderr).toBe(2);
      expect(refused.stderr).toContain(`${mine} already exists and is not an agent report cocoscan wrote`);
      expect(refused.stderr).toMatch(/choose another path for --out, or remove the file/);
      expect(await readFile(mine, 'utf8')).toBe(text);
    }
  });

  it('a missing report file or an unusable key is bad input (exit 2) before anything runs', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'not-a-key.pub'), 'hello\n');
    await writeFile(
      join(dir, 'connection.yaml'),
      connection(
        '      - { path: missing.json }\n      - { path: connection.yaml, publicKey: not-a-key.pub }\n      - { remotePath: /var/lib/cocoscan/report.json }',
      ),
    );
    const result = await runCli(['check', join(dir, 'connection.yaml'), '--profile', PROFILE]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/gateways\[0\]\.agentReports\[0\]\.path \(line \d+\): missing\.json cannot be read/);
    expect(result.stderr).toMatch(/agentReports\[1\]\.publicKey \(line \d+\): not-a-key\.pub is not a readable public key/);
    expect(result.stderr).toMatch(/agentReports\[2\]\.remotePath \(line \d+\): a report on the gateway is fetched over SSH/);
  });

  it('checks several connection files side by side, each into its own folder, with the worst exit code', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'clamscan.txt'), 'ClamAV 1.4.6/27468/Sun Nov 22 07:33:12 2026\n');
    const body = (name: string, extra = '') =>
      `connection: { name: ${name}, mojSystem: M, thirdPartySystem: T, organisation: O }\ngateways:\n  - name: gw\n    host: ` +
      `127.0.0.1\n    agentReports: [ { path: clamscan.txt } ]${extra}\nflows: [ { name: web, protocol: https, port: 443 } ]\n`;
    await writeFile(join(dir, 'a.yaml'), body('alpha'));
    await writeFile(join(dir, 'b.yaml'), body('beta'));
    const out = join(dir, 'out');
    const result = await runCli(['check', join(dir, 'a.yaml'), join(dir, 'b.yaml'), '--profile', PROFILE, '--out', out, '--no-progress']);
    expect(result.code).toBe(1);
    const nameIn = async (gateway: string) =>
      (JSON.parse(await readFile(join(out, gateway, 'report.json'), 'utf8')) as RunReport).connection.connection.name;
    expect(await nameIn('alpha')).toBe('alpha');
    expect(await nameIn('beta')).toBe('beta');
    // Every file is validated before anything runs.
    await writeFile(join(dir, 'c.yaml'), body('gamma').replace('port: 443', 'port: 0'));
    const bad = await runCli(['check', join(dir, 'a.yaml'), join(dir, 'c.yaml'), '--profile', PROFILE, '--out', join(dir, 'out2')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('flows[0].port');
  });
});
