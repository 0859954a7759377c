import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir, writeConnection } from './helpers/cli.ts';

const GOOD = `connection: { name: t, mojSystem: M, thirdPartySystem: T, organisation: O }
gateways: [ { name: gw, host: 127.0.0.1 } ]
flows: [ { name: web, protocol: https, port: 443 } ]
`;

describe('cocoscan CLI: bad input gives a clear message and exit code 2, before any probing', () => {
  it('malformed connection file: one line per problem with its path', async () => {
    const file = await writeConnection(
      await tempDir(),
      GOOD.replace('port: 443', 'port: 0').replace('host: 127.0.0.1', 'host: 127.0.0.1, colour: blue'),
    );
    const result = await runCli(['check', file, '--no-progress']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('flows[0].port (line 3): expected a number from 1 to 65535');
    expect(result.stderr).toContain('gateways[0].colour (line 2): unknown field');
    expect(result.stderr).toContain('What to do:');
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(result.stdout).toBe('');
  });

  it('a target beginning with "-"', async () => {
    const file = await writeConnection(await tempDir(), GOOD.replace('host: 127.0.0.1', 'host: "-iL /etc/passwd"'));
    const result = await runCli(['check', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/gateways\[0\]\.host \(line 2\): must not begin with "-"/);
  });

  it('unknown profile', async () => {
    const file = await writeConnection(await tempDir(), GOOD);
    const result = await runCli(['check', file, '--profile', 'no-such-profile']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown profile "no-such-profile"');
    expect(result.stderr).toContain('built-in profiles: cyber-essentials, moj-coco');
  });

  it('missing connection file', async () => {
    const result = await runCli(['check', '/nonexistent/connection.yaml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('does not exist');
  });

  it('missing nmap', async () => {
    const file = await writeConnection(await tempDir(), GOOD);
    const result = await runCli(['check', file, '--nmap', '/nonexistent/nmap', '--no-progress']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('nmap is not installed');
    expect(result.stderr).toContain('apt-get install nmap');
  });

  it('bad option values and unknown options', async () => {
    const file = await writeConnection(await tempDir(), GOOD);
    const ports = await runCli(['check', file, '--ports', '1-99999']);
    expect(ports.code).toBe(2);
    expect(ports.stderr).toContain('--ports 1-99999: ports must be from 1 to 65535');
    const top = await runCli(['check', file, '--udp-top-ports', '101']);
    expect(top.code).toBe(2);
    expect(top.stderr).toContain('--udp-top-ports must be a whole number from 0 to 100, not "101"');
    const unknown = await runCli(['check', file, '--frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown option '--frobnicate'");
    const format = await runCli(['check', file, '--format', 'xml']);
    expect(format.code).toBe(2);
  });

  it('--help explains the exit codes; validate checks without probing', async () => {
    const help = await runCli(['check', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Exit codes:[\s\S]*0 {2}every automated row[\s\S]*2 {2}bad input/);
    const file = await writeConnection(await tempDir(), GOOD);
    const validate = await runCli(['validate', file]);
    expect(validate.code).toBe(0);
    expect(validate.stdout).toContain('valid');
  });

  it('a profile that requires connection.scope refuses, before any packet, a connection file without it', async () => {
    const dir = await tempDir();
    const file = await writeConnection(dir, GOOD);
    const refused = await runCli(['check', file, '--profile', 'cyber-essentials', '--out', join(dir, 'out')]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('connection.scope: missing: profile cyber-essentials requires it');
    const validate = await runCli(['validate', file, '--profile', 'cyber-essentials']);
    expect(validate.code).toBe(2);
    const scoped = await writeConnection(
      dir,
      GOOD.replace('organisation: O }', 'organisation: O, scope: The test gateway }'),
      'scoped.yaml',
    );
    const valid = await runCli(['validate', scoped, '--profile', 'cyber-essentials']);
    expect(valid.stdout).toContain('profile cyber-essentials 1.0.0: valid');
    expect(valid.code).toBe(0);
  });

  it('a history folder that cannot be created refuses the run before nmap is started', async () => {
    const dir = await tempDir();
    const file = await writeConnection(dir, GOOD);
    const marker = join(dir, 'nmap-was-run');
    const nmap = join(dir, 'nmap');
    // The version query the check asks while it reads its files is not a scan.
    await writeFile(nmap, `#!/bin/sh\n[ "$*" = --version ] && exit 1\ntouch '${marker}'\nexit 1\n`, { mode: 0o755 });
    await writeFile(join(dir, 'a-file'), 'not a folder\n');
    const history = join(dir, 'a-file', 'history');
    const result = await runCli(['check', file, '--no-progress', '--nmap', nmap, '--out', join(dir, 'out'), '--history', history]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`the history folder ${join(history, 't')} cannot be created (ENOTDIR); nothing was probed`);
    expect(result.stderr).toContain('--no-history');
    expect(existsSync(marker)).toBe(false);
  });

  it('a refused connection file stops the nmap version query asked beside it: the CLI does not wait out its 10 s limit', async () => {
    const dir = await tempDir();
    const file = await writeConnection(dir, GOOD.replace('port: 443', 'port: 0'));
    const pidFile = join(dir, 'nmap-pid');
    const nmap = join(dir, 'nmap');
    // A version query that never answers, as a wedged or hostile nmap would.
    await writeFile(nmap, `#!/bin/sh\necho $$ > '${pidFile}'\nexec sleep 30\n`, { mode: 0o755 });
    const started = performance.now();
    const result = await runCli(['check', file, '--no-progress', '--nmap', nmap, '--out', join(dir, 'out')]);
    const seconds = (performance.now() - started) / 1000;
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('flows[0].port (line 3)');
    expect(seconds).toBeLessThan(8);
    // Stopped with the CLI, not left behind (unless it was stopped before it could even write its PID).
    const pid = await readFile(pidFile, 'utf8').then(Number, () => undefined);
    if (pid !== undefined) expect(() => process.kill(pid, 0)).toThrow();
  });

  it('validate on a binary or non-UTF-8 file, or YAML that quotes control bytes: a short readable error, no raw bytes', async () => {
    const dir = await tempDir();
    const binary = join(dir, 'binary.yaml');
    await writeFile(binary, Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x1b, 0x5b, 0x32, 0x4a]), Buffer.alloc(4000, 0xfe)]));
    const latin1 = join(dir, 'latin1.yaml');
    await writeFile(latin1, Buffer.from('connection: { name: caf\xe9 }\n', 'latin1'));
    const quoted = join(dir, 'quoted.yaml');
    await writeFile(quoted, `a: b\n${'\u001b[2J\u0007x'.repeat(400)}: [\n`);
    const expected = [
      'it holds a NUL byte (at byte 3): it is a binary file, not YAML text',
      'it is not UTF-8 text (a binary file, or text in another encoding: save it as UTF-8), not YAML text',
      '(yaml)',
    ];
    for (const [i, file] of [binary, latin1, quoted].entries()) {
      const result = await runCli(['validate', file]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(expected[i]);
      expect(result.stderr.length).toBeLessThan(2000);
      expect(result.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f\ufffd]/);
    }
  });
});
