import { execFile, execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, open, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadConnectionFile } from '../../src/connection/load.ts';
import { InputFileError } from '../../src/errors.ts';
import { loadReportSources } from '../../src/facts/reported-sources.ts';
import { FILE_BYTE_LIMITS, readSafe, readSafeTextSync, UnsafeFileError, type FileKind } from '../../src/input/safe-read.ts';
import { loadProfile } from '../../src/profile/load.ts';
import { verifyReportFolder } from '../../src/output/verify.ts';
import { runCli, tempDir, writeConnection } from '../helpers/cli.ts';

const run = promisify(execFile);
const mkfifo = async (path: string): Promise<void> => {
  await run('mkfifo', [path]);
};

/** Every special file a hostile or careless user can name, built fresh in a folder. */
async function specials(dir: string, kind: FileKind): Promise<Record<string, string>> {
  const fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  const zeroLink = join(dir, 'zero-link');
  await symlink('/dev/zero', zeroLink);
  const loop = join(dir, 'loop-a');
  await symlink(join(dir, 'loop-b'), loop);
  await symlink(loop, join(dir, 'loop-b'));
  const folder = join(dir, 'folder');
  await mkdir(folder);
  // A sparse file one byte over the kind's limit: no disk, but its size says it is too big.
  const big = join(dir, 'big');
  const handle = await open(big, 'w');
  await handle.truncate(FILE_BYTE_LIMITS[kind] + 1);
  await handle.close();
  return { fifo, '/dev/zero': '/dev/zero', 'symlink to /dev/zero': zeroLink, 'symlink loop': loop, folder, 'oversize file': big };
}

const REASONS: Record<string, RegExp> = {
  fifo: /FIFO/,
  '/dev/zero': /device/,
  'symlink to /dev/zero': /device/,
  'symlink loop': /loop of symbolic links/,
  folder: /folder/,
  'oversize file': /bytes; at most/,
};

const KINDS = Object.keys(FILE_BYTE_LIMITS) as FileKind[];

/** Runs `work` and checks it settled within the bound without the heap growing by more than 64 MB. */
async function bounded<T>(work: () => Promise<T>, ms = 2000): Promise<T> {
  const before = process.memoryUsage().rss;
  const started = Date.now();
  const result = await work();
  expect(Date.now() - started).toBeLessThan(ms);
  expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
  return result;
}

describe('the safe reader refuses special files for every kind of file cocoscan reads', () => {
  it.each(KINDS)('%s', async (kind) => {
    const dir = await tempDir();
    for (const [name, path] of Object.entries(await specials(dir, kind))) {
      const error = await bounded(() =>
        readSafe(path, { kind, key: 'some.key' }).then(
          () => undefined,
          (e: unknown) => e,
        ),
      );
      expect(error, `${kind} / ${name}`).toBeInstanceOf(UnsafeFileError);
      expect((error as UnsafeFileError).message).toContain(path);
      expect((error as UnsafeFileError).message).toContain('some.key');
      expect((error as UnsafeFileError).reason).toMatch(REASONS[name]!);
      expect((error as UnsafeFileError).hint).toMatch(/regular/);
      expect(() => readSafeTextSync(path, { kind })).toThrow(UnsafeFileError);
    }
  });

  it('reads a regular file, and follows a link to one unless told not to', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'real'), 'hello');
    await symlink(join(dir, 'real'), join(dir, 'link'));
    expect((await readSafe(join(dir, 'link'), { kind: 'trust-file' })).content.toString()).toBe('hello');
    await expect(readSafe(join(dir, 'link'), { kind: 'history-report', noFollow: true })).rejects.toThrow(/symbolic link/);
  });
});

const BASE = `connection:
  name: hostile-files
  mojSystem: M
  thirdPartySystem: T
  organisation: O
flows:
  - name: admin
    protocol: ssh
    port: 22
`;

async function problemsFor(dir: string, yaml: string): Promise<string[]> {
  const file = await writeConnection(dir, yaml);
  const error = await bounded(() =>
    loadConnectionFile(file).then(
      () => undefined,
      (e: unknown) => e,
    ),
  );
  expect(error).toBeInstanceOf(InputFileError);
  return (error as InputFileError).problems.map((p) => `${p.path}: ${p.message}`);
}

describe('every path in the connection file is refused at load, naming its key', () => {
  const cases: { key: RegExp; kind: FileKind; yaml: (path: string) => string }[] = [
    {
      key: /^tls\.trust\[0\]: /,
      kind: 'trust-file',
      yaml: (p) => `${BASE}gateways:\n  - name: gw\n    host: 127.0.0.1\ntls:\n  trust: ["${p}"]\n`,
    },
    {
      key: /^gateways\[0\]\.agentReports\[0\]\.path: /,
      kind: 'agent-report',
      yaml: (p) => `${BASE}gateways:\n  - name: gw\n    host: 127.0.0.1\n    agentReports:\n      - path: "${p}"\n`,
    },
    {
      key: /^gateways\[0\]\.agentReports\[0\]\.publicKey: /,
      kind: 'public-key',
      yaml: (p) =>
        `${BASE}gateways:\n  - name: gw\n    host: 127.0.0.1\n    agentReports:\n      - ` +
        `remotePath: /var/r.json\n        publicKey: "${p}"\n    ssh: { username: a, agent: true }\n`,
    },
    {
      key: /^gateways\[0\]\.ssh\.privateKeyFile: /,
      kind: 'private-key',
      yaml: (p) => `${BASE}gateways:\n  - name: gw\n    host: 127.0.0.1\n    ssh: { username: a, privateKeyFile: "${p}" }\n`,
    },
    {
      key: /^gateways\[0\]\.ssh\.knownHosts: /,
      kind: 'known-hosts',
      yaml: (p) => `${BASE}gateways:\n  - name: gw\n    host: 127.0.0.1\n    ssh: { username: a, agent: true, knownHosts: "${p}" }\n`,
    },
  ];
  it.each(cases)('$kind', async ({ key, kind, yaml }) => {
    process.env.SSH_AUTH_SOCK ??= '/nonexistent/agent.sock';
    const dir = await tempDir();
    for (const [name, path] of Object.entries(await specials(dir, kind))) {
      const problems = await problemsFor(dir, yaml(path));
      const mine = problems.filter((p) => key.test(p));
      expect(mine, `${kind} / ${name}: ${problems.join('; ')}`).toHaveLength(1);
      expect(mine[0]).toMatch(REASONS[name]!);
    }
  });

  it('the connection file itself', async () => {
    const dir = await tempDir();
    for (const [name, path] of Object.entries(await specials(dir, 'connection-file'))) {
      const error = await bounded(() =>
        loadConnectionFile(path).then(
          () => undefined,
          (e: unknown) => e,
        ),
      );
      expect((error as InputFileError).problems[0]?.message, name).toMatch(REASONS[name]!);
    }
  });

  it('a profile', async () => {
    const dir = await tempDir();
    for (const [name, path] of Object.entries(await specials(dir, 'profile'))) {
      await expect(
        bounded(() => loadProfile(path)),
        name,
      ).rejects.toThrow(REASONS[name]!);
    }
  });
});

describe('an agent report that turned special after the load is an unusable source, not a hang', () => {
  it('FIFO and /dev/zero', async () => {
    const dir = await tempDir();
    const files = await specials(dir, 'agent-report');
    const gateway = {
      name: 'gw',
      host: '127.0.0.1',
      agentReports: [{ path: files.fifo }, { path: files['symlink to /dev/zero'] }],
    } as never;
    const sources = await bounded(() => loadReportSources(gateway, undefined));
    expect(sources.map((s) => s.failure)).toEqual([expect.stringMatching(/FIFO/), expect.stringMatching(/device/)]);
  });
});

describe('the CLI refuses special files given on its command line, quickly and with exit 2', () => {
  it('--sign, --answers, --waivers, verify --key, agent collect --key and --out', async () => {
    const dir = await tempDir();
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    const fifo = join(dir, 'fifo');
    const connection = await writeConnection(dir, `${BASE}gateways:\n  - name: gw\n    host: 127.0.0.1\n`);
    await mkdir(join(dir, 'report'));
    const runs = [
      ['check', connection, '--sign', fifo, '--no-history', '--out', join(dir, 'o1')],
      ['check', connection, '--answers', fifo, '--no-history', '--out', join(dir, 'o2')],
      ['check', connection, '--waivers', fifo, '--no-history', '--out', join(dir, 'o3')],
      ['verify', join(dir, 'report'), '--key', fifo],
      ['agent', 'collect', '--key', fifo, '--out', join(dir, 'agent.json')],
      ['agent', 'collect', '--unsigned', '--out', fifo],
    ];
    const results = await Promise.all(runs.map((args) => runCli(args, 30_000)));
    for (const [i, result] of results.entries()) {
      expect(result.code, `${runs[i]!.join(' ')}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toContain(fifo);
      expect(result.stderr).toMatch(/FIFO/);
    }
  });
});

describe('cocoscan verify on a hostile evidence folder', () => {
  async function folderWith(make: (dir: string) => Promise<void>, listed: string): Promise<string> {
    const dir = await tempDir();
    await mkdir(join(dir, 'evidence'));
    await writeFile(join(dir, 'report.json'), '{}');
    await make(dir);
    const hash = '0'.repeat(64);
    const report = execFileSync('sha256sum', ['report.json'], { cwd: dir, encoding: 'utf8' });
    await writeFile(join(dir, 'evidence/manifest.sha256'), `${report}${listed ? `${hash}  ${listed}\n` : ''}`);
    return dir;
  }

  const cases: [string, (dir: string) => Promise<void>, string, RegExp][] = [
    ['a listed FIFO', (dir) => mkfifo(join(dir, 'evidence/x.txt')), 'evidence/x.txt', /evidence\/x\.txt is not a regular file/],
    [
      'a listed link to /dev/zero',
      (dir) => symlink('/dev/zero', join(dir, 'evidence/x.txt')),
      'evidence/x.txt',
      /evidence\/x\.txt is a symbolic link/,
    ],
    [
      'a listed file under a linked folder',
      async (dir) => {
        await mkdir(join(dir, 'elsewhere'));
        await writeFile(join(dir, 'elsewhere/x.txt'), 'x');
        await symlink(join(dir, 'elsewhere'), join(dir, 'evidence/gw'));
      },
      'evidence/gw/x.txt',
      /evidence\/gw is a symbolic link/,
    ],
    ['an unlisted FIFO', (dir) => mkfifo(join(dir, 'evidence/y')), '', /evidence\/y is not a regular file/],
    [
      'an unlisted link loop',
      (dir) => symlink(join(dir, 'evidence/loop'), join(dir, 'evidence/loop')),
      '',
      /evidence\/loop is a symbolic link/,
    ],
  ];
  it.each(cases)('%s: refused, within the bound, naming the file', async (_name, make, listed, problem) => {
    const dir = await folderWith(make, listed);
    const result = await bounded(() => verifyReportFolder(dir));
    expect(result.ok).toBe(false);
    expect(result.problems).toContainEqual(expect.stringMatching(problem));
  });

  it('a manifest that is itself a link to /dev/zero or a FIFO', async () => {
    for (const make of [(p: string) => symlink('/dev/zero', p), mkfifo]) {
      const dir = await tempDir();
      await mkdir(join(dir, 'evidence'));
      await make(join(dir, 'evidence/manifest.sha256'));
      const result = await bounded(() => verifyReportFolder(dir));
      expect(result.ok).toBe(false);
      expect(result.problems[0]).toMatch(/manifest\.sha256 is (a symbolic link|not a regular file)/);
    }
  });

  it('through the CLI: exit 1 and a PROBLEM line, quickly', async () => {
    const dir = await folderWith((d) => mkfifo(join(d, 'evidence/x.txt')), 'evidence/x.txt');
    const result = await runCli(['verify', dir], 30_000);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/PROBLEM {2}evidence\/x\.txt is not a regular file/);
  });

  it('through the CLI: a signature file of JSON null is a PROBLEM (exit 1), and a --key that is no Ed25519 public key exit 2', async () => {
    const dir = await folderWith(async (d) => writeFile(join(d, 'evidence/manifest.sha256.sig'), 'null'), '');
    const key = join(dir, 'ed25519.pub');
    await writeFile(key, generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }));
    const result = await runCli(['verify', dir, '--key', key], 30_000);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toMatch(/PROBLEM {2}evidence\/manifest\.sha256\.sig is not a cocoscan manifest signature/);
    await writeFile(join(dir, 'not-a-key.pem'), 'not a key');
    const wrongKey = await runCli(['verify', dir, '--key', join(dir, 'not-a-key.pem')], 30_000);
    expect(wrongKey.code, wrongKey.stderr).toBe(2);
    expect(wrongKey.stderr).toMatch(/not a public key in PEM form/);
    expect(wrongKey.stderr).not.toMatch(/internal error|DECODER/);
  });
});

describe('a history whose report.json is a special file', () => {
  it('is listed as unreadable, quickly, and a FIFO never hangs the listing', async () => {
    const dir = await tempDir();
    const history = join(dir, 'history');
    await mkdir(join(history, 'conn', '20260101T000000Z'), { recursive: true });
    await mkdir(join(history, 'conn', '20260102T000000Z'), { recursive: true });
    execFileSync('mkfifo', [join(history, 'conn', '20260101T000000Z', 'report.json')]);
    await symlink('/dev/zero', join(history, 'conn', '20260102T000000Z', 'report.json'));
    const started = Date.now();
    const result = await runCli(['history', 'conn', '--history', history, '--format', 'json'], 30_000);
    expect(Date.now() - started).toBeLessThan(15_000);
    // An unreadable stored run is said plainly (exit 2), with the reason, and never hangs the listing.
    expect(result.code, result.stderr).toBe(2);
    expect((JSON.parse(result.stdout) as { unreadable: { id: string }[] }).unreadable.map((u) => u.id)).toEqual([
      'conn/20260101T000000Z',
      'conn/20260102T000000Z',
    ]);
    expect(result.stderr).toMatch(/20260101T000000Z\/report\.json is a FIFO/);
    expect(result.stderr).toMatch(/20260102T000000Z\/report\.json is a symbolic link/);
  });
});

describe('the safe reader reads what it should', () => {
  it('a file that reports size 0 but has content (like /proc files), and a file just under the limit', async () => {
    expect((await readSafe('/proc/self/status', { kind: 'agent-report' })).content.toString()).toMatch(/^Name:/);
    expect(readSafeTextSync('/proc/self/status', { kind: 'agent-report' })).toMatch(/^Name:/);
    const dir = await tempDir();
    await writeFile(join(dir, 'key'), Buffer.alloc(FILE_BYTE_LIMITS['private-key'], 0x41));
    expect((await readSafe(join(dir, 'key'), { kind: 'private-key' })).content.length).toBe(FILE_BYTE_LIMITS['private-key']);
    await expect(readSafe('/proc/self/status', { kind: 'agent-report', maxBytes: 10 })).rejects.toThrow(/more than 10/);
  });
});
