import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, runCli, tempDir } from './helpers/cli.ts';

const FLAGS = [
  '--name',
  'cms-acme',
  '--connected-system',
  'Case Management: core',
  '--connecting-system',
  'Acme Portal',
  '--organisation',
  'Acme Ltd',
  '--gateway',
  '127.0.0.1',
  '--gateway',
  'gw-b=localhost',
  '--flow',
  'case-sync:https:443',
  '--flow',
  'monitoring:snmp:161/udp',
];

/** Runs `init` on a real terminal (util-linux script gives it a pty), answering its questions from `input`. */
function initOnTerminal(dir: string, input: string): Promise<{ code: number | null; output: string }> {
  return new Promise((done) => {
    const child = spawn('script', ['-qec', `${process.execPath} ${BIN} init connection.yaml`, '/dev/null'], {
      cwd: dir,
      stdio: ['pipe', 'pipe', 'pipe'],
      // Never outlives its test: a hung prompt is ended, and the test then fails on its output.
      timeout: 30_000,
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stdin.end(input);
    child.once('close', (code) => done({ code, output }));
  });
}

describe('cocoscan init', () => {
  it('writes a commented connection file from flags that validates', async () => {
    const dir = await tempDir();
    const file = join(dir, 'connection.yaml');
    const result = await runCli(['init', file, ...FLAGS]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const text = await readFile(file, 'utf8');
    expect(text).toMatch(/^# cocoscan connection file/);
    expect(text).toContain('ssh-keyscan');
    expect(text).toContain('connectedSystem: "Case Management: core"');
    expect(text).toMatch(/- name: monitoring\n\s+protocol: snmp\n\s+port: 161\n\s+transport: udp/);
    const validate = await runCli(['validate', file]);
    expect(validate.stdout).toContain('valid (2 gateway(s), 2 flow(s))');
    expect(validate.code).toBe(0);
  });

  it('never overwrites an existing file (exit 2)', async () => {
    const dir = await tempDir();
    const file = join(dir, 'connection.yaml');
    await writeFile(file, 'mine\n');
    const result = await runCli(['init', file, ...FLAGS]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('exists already; cocoscan init never replaces a file');
    expect(await readFile(file, 'utf8')).toBe('mine\n');
    // Without flags, before asking anything.
    const bare = await runCli(['init', file]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('exists already');
  });

  it('without a terminal, names every flag it still needs (exit 2) and writes nothing', async () => {
    const dir = await tempDir();
    const file = join(dir, 'connection.yaml');
    const result = await runCli(['init', file, '--name', 'acme']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('needs --connected-system, --connecting-system, --organisation, --gateway, --flow');
    await expect(readFile(file)).rejects.toThrow(/ENOENT/);
  });

  it('refuses a bad flag value with the field problem', async () => {
    const dir = await tempDir();
    const host = await runCli(['init', join(dir, 'a.yaml'), ...FLAGS, '--gateway', '10.0.0.1-20']);
    expect(host.code).toBe(2);
    expect(host.stderr).toContain('--gateway "10.0.0.1-20": expected one IP address or DNS name');
    const flow = await runCli(['init', join(dir, 'b.yaml'), ...FLAGS, '--flow', 'web:https:99999']);
    expect(flow.code).toBe(2);
    expect(flow.stderr).toContain('--flow "web:https:99999": expected a number from 1 to 65535');
  });

  it('on a terminal, asks for what the flags left out and re-asks after a bad answer', async () => {
    const dir = await tempDir();
    const answers = ['bad name!', 'acme', 'CMS', 'Portal', 'Acme Ltd', '127.0.0.1', '', 'web:https:443', '', ''].join('\n');
    const result = await initOnTerminal(dir, answers);
    expect(result.output).toContain('expected 1-63 letters, digits');
    expect(result.code).toBe(0);
    const validate = await runCli(['validate', join(dir, 'connection.yaml')]);
    expect(validate.stdout).toContain('valid (1 gateway(s), 1 flow(s))');
  });
});
