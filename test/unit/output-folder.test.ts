import { spawn } from 'node:child_process';
import { chmod, mkdir, readdir, readFile, rmdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OutputError } from '../../src/errors.ts';
import { MARKER_PATH, markerContent, removeLeftovers } from '../../src/output/out-folder.ts';
import { writeReportFolder } from '../../src/output/write-report.ts';
import { ROOT, runCli, tempDir, writeConnection } from '../helpers/cli.ts';
import { offlineConnection } from '../helpers/offline-connection.ts';

const PROFILE = join(ROOT, 'test/fixtures/profiles/coco10-only.yaml');

/** An nmap stand-in that leaves a file behind if it is ever run to scan (a version query is not): proof of whether probing began. */
async function tattleNmap(dir: string): Promise<{ path: string; ran: () => Promise<boolean> }> {
  const path = join(dir, 'nmap-tattle.sh');
  const flag = join(dir, 'nmap-ran');
  await writeFile(path, `#!/bin/sh\n[ "$*" = --version ] && exit 1\ntouch '${flag}'\nexit 1\n`);
  await chmod(path, 0o755);
  return {
    path,
    ran: () =>
      readFile(flag).then(
        () => true,
        () => false,
      ),
  };
}

function filesOf(extra: Record<string, string> = {}): Map<string, Buffer> {
  const files = new Map<string, Buffer>([
    ['report.json', Buffer.from('{}')],
    ['evidence/manifest.sha256', Buffer.from('')],
  ]);
  for (const [k, v] of Object.entries(extra)) files.set(k, Buffer.from(v));
  files.set(MARKER_PATH, markerContent([...files.keys()]));
  return files;
}

describe('--out never deletes what cocoscan did not write', () => {
  it("refuses, before the first packet, a folder holding a report.json and the user's other files (exit 2)", async () => {
    const dir = await tempDir();
    const out = join(dir, 'mine');
    await mkdir(out);
    await writeFile(join(out, 'report.json'), '{"schemaVersion":1}');
    await writeFile(join(out, 'thesis.docx'), 'two years of work');
    const nmap = await tattleNmap(dir);
    const result = await runCli([
      'check',
      await writeConnection(
        dir,
        'connection: { name: c, mojSystem: M, thirdPartySystem: T, organisation: O }\ngateways: ' +
          '[ { name: gw, host: 127.0.0.1 } ]\nflows: [ { name: web, protocol: https, port: 443 } ]\n',
      ),
      '--out',
      out,
      '--nmap',
      nmap.path,
      '--no-history',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/not a cocoscan report/);
    expect(await nmap.ran()).toBe(false);
    expect(await readFile(join(out, 'thesis.docx'), 'utf8')).toBe('two years of work');
  });

  it('replaces its own folder, and refuses it once the user has put a file in it', async () => {
    const dir = await tempDir();
    const out = join(dir, 'report');
    await writeReportFolder(out, filesOf({ 'evidence/gateways/gw/a.txt': 'one' }));
    await writeReportFolder(out, filesOf({ 'evidence/gateways/gw/b.txt': 'two' }));
    expect((await readdir(join(out, 'evidence/gateways/gw'))).sort()).toEqual(['b.txt']);
    await mkdir(join(out, 'evidence/my-notes'));
    await expect(writeReportFolder(out, filesOf())).rejects.toThrow(/evidence\/my-notes were not written by cocoscan/);
    await rmdir(join(out, 'evidence/my-notes'));
    await writeFile(join(out, 'notes.txt'), 'mine');
    await expect(writeReportFolder(out, filesOf())).rejects.toThrow(/notes\.txt were not written by cocoscan/);
    expect(await readFile(join(out, 'notes.txt'), 'utf8')).toBe('mine');
    expect(await readFile(join(out, 'evidence/gateways/gw/b.txt'), 'utf8')).toBe('two');
  });

  it('a folder with a forged marker that does not list a file is still refused', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, MARKER_PATH), markerContent(['report.json']));
    await writeFile(join(dir, 'report.json'), '{}');
    await writeFile(join(dir, 'photo.jpg'), 'x');
    await expect(writeReportFolder(dir, filesOf())).rejects.toBeInstanceOf(OutputError);
    expect(await readFile(join(dir, 'photo.jpg'), 'utf8')).toBe('x');
  });

  it.each([
    [
      'a file',
      async (dir: string) => {
        await writeFile(join(dir, 'f'), 'x');
        return join(dir, 'f');
      },
      /is a file, not a folder/,
    ],
    [
      'below a file',
      async (dir: string) => {
        await writeFile(join(dir, 'f'), 'x');
        return join(dir, 'f', 'out');
      },
      /cannot be/,
    ],
    ['on a file system nobody can write, even root', () => Promise.resolve('/proc/cocoscan-no-such/out'), /cannot be created/],
    [
      'a symbolic link',
      async (dir: string) => {
        await mkdir(join(dir, 'real'));
        await symlink(join(dir, 'real'), join(dir, 'link'));
        return join(dir, 'link');
      },
      /is a symbolic link/,
    ],
  ])('an unusable --out (%s) is refused before scanning', async (_name, make, message) => {
    const dir = await tempDir();
    const out = await make(dir);
    const nmap = await tattleNmap(dir);
    const result = await runCli([
      'check',
      await offlineConnection(dir),
      '--profile',
      PROFILE,
      '--out',
      out,
      '--nmap',
      nmap.path,
      '--no-history',
    ]);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain(out);
  });
});

describe('leftover temporary folders', () => {
  async function deadPid(): Promise<number> {
    const child = spawn(process.execPath, ['-e', '']);
    await new Promise((r) => child.once('exit', r));
    return child.pid!;
  }

  async function leftover(dir: string, name: string, pid: number | undefined): Promise<string> {
    const path = join(dir, name);
    await mkdir(path);
    await writeFile(join(path, 'report.json'), '{}');
    if (pid !== undefined) {
      const marker = JSON.parse(markerContent(['report.json']).toString()) as { pid: number };
      marker.pid = pid;
      await writeFile(join(path, MARKER_PATH), JSON.stringify(marker));
    }
    return path;
  }

  it("only those marked as cocoscan's whose writer is gone are removed", async () => {
    const dir = await tempDir();
    const dead = await leftover(dir, '.cocoscan-tmp-report-0001', await deadPid());
    await leftover(dir, '.cocoscan-tmp-report-0002', undefined);
    await leftover(dir, '.cocoscan-tmp-report-0003', process.pid);
    await leftover(dir, 'cocoscan-tmp-not-ours', await deadPid());
    expect(await removeLeftovers([dir])).toEqual([dead]);
    const names = await readdir(dir);
    expect(names).toEqual(expect.arrayContaining(['.cocoscan-tmp-report-0002', '.cocoscan-tmp-report-0003', 'cocoscan-tmp-not-ours']));
    expect(names).not.toContain('.cocoscan-tmp-report-0001');
  });

  it("one holding anything but what its marker lists is left as it is, a user's file or folder or link in it too", async () => {
    const dir = await tempDir();
    const pid = await deadPid();
    const withFile = await leftover(dir, '.cocoscan-tmp-report-0001', pid);
    await writeFile(join(withFile, 'notes.txt'), 'mine');
    const withFolder = await leftover(dir, '.cocoscan-tmp-report-0002', pid);
    await mkdir(join(withFolder, 'photos'));
    const withLink = await leftover(dir, '.cocoscan-tmp-report-0003', pid);
    await symlink('/etc/hostname', join(withLink, 'link'));
    // Cut short while being written: only some of the files its marker lists, on their folders, is cocoscan's.
    const partial = join(dir, '.cocoscan-tmp-report-0004');
    await mkdir(join(partial, 'evidence/gw'), { recursive: true });
    const marker = JSON.parse(markerContent(['report.json', 'evidence/gw/a.txt']).toString()) as { pid: number };
    await writeFile(join(partial, MARKER_PATH), JSON.stringify({ ...marker, pid }));
    expect(await removeLeftovers([dir])).toEqual([partial]);
    expect(await readFile(join(withFile, 'notes.txt'), 'utf8')).toBe('mine');
    expect(await readdir(join(withFolder, 'photos'))).toEqual([]);
    expect((await readdir(withLink)).sort()).toEqual([MARKER_PATH, 'link', 'report.json']);
  });

  it('a check clears them beside --out and in the history at its start', async () => {
    const dir = await tempDir();
    const history = join(dir, 'history');
    await mkdir(join(history, 'offline'), { recursive: true });
    const pid = await deadPid();
    await leftover(dir, '.cocoscan-tmp-out-abcd', pid);
    await leftover(join(history, 'offline'), '.cocoscan-tmp-20260101T000000Z-abcd', pid);
    const result = await runCli([
      'check',
      await offlineConnection(dir),
      '--profile',
      PROFILE,
      '--out',
      join(dir, 'out'),
      '--history',
      history,
    ]);
    expect(result.code, result.stderr).toBe(4);
    expect((await readdir(dir)).filter((n) => n.startsWith('.cocoscan-tmp'))).toEqual([]);
    expect((await readdir(join(history, 'offline'))).filter((n) => n.startsWith('.'))).toEqual([]);
    expect(await readFile(join(dir, 'out', MARKER_PATH), 'utf8')).toContain('report.json');
  });
});
