import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OutputError } from '../../src/errors.ts';
import { EvidenceStore, readArtefact } from '../../src/evidence-store.ts';
import { tempDir } from '../helpers/cli.ts';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('evidence store on disk', () => {
  it('writes each artefact to its own temporary folder as it is added, and keeps only path, size and hash in memory', async () => {
    const parent = await tempDir();
    const store = new EvidenceStore(undefined, parent);
    store.add(['gw1', 'tls-443.json'], '{"port":443}');
    const [artefact] = store.list();
    // On disk already, before any report is written, under a folder the store made itself.
    expect(store.folder?.startsWith(join(parent, 'cocoscan-evidence-'))).toBe(true);
    expect(artefact!.file).toBe(join(store.folder!, 'evidence/gateways/gw1/tls-443.json'));
    expect(readFileSync(artefact!.file, 'utf8')).toBe('{"port":443}');
    expect(statSync(artefact!.file).mode & 0o077).toBe(0);
    expect(Object.keys(artefact!).sort()).toEqual(['bytes', 'file', 'path', 'sha256']);
    await store.dispose();
  });

  it("each artefact's hash and size are those of the bytes on disk, truncation marker included", async () => {
    const store = new EvidenceStore(undefined, await tempDir());
    store.add(['gw', 'ssh-22.json'], 'A'.repeat(200_000));
    store.add(['nmap-sweep.xml'], Buffer.from('<nmaprun/>'));
    for (const artefact of store.list()) {
      const onDisk = readFileSync(artefact.file);
      expect(artefact.bytes).toBe(onDisk.length);
      expect(artefact.sha256).toBe(sha256(onDisk));
    }
    expect(store.list().find((a) => a.path.endsWith('ssh-22.json'))!.bytes).toBeLessThan(64 * 1024 + 200);
    await store.dispose();
  });

  it('an artefact added again replaces the file and the run total counts it once', async () => {
    const store = new EvidenceStore({ portArtefactBytes: 1024, artefactBytes: 1024, totalBytes: 2048 }, await tempDir());
    for (let i = 0; i < 10; i += 1) store.add(['gw', 'tls-443.json'], 'C'.repeat(1000));
    expect(store.totalBytes).toBe(1000);
    store.add(['gw', 'tls-443.json'], 'short');
    expect(store.totalBytes).toBe(5);
    expect(readArtefact(store.list()[0]!).toString()).toBe('short');
    await store.dispose();
  });

  it('reads back at most the bytes asked for', async () => {
    const store = new EvidenceStore(undefined, await tempDir());
    store.add(['gw', 'host', 'big.txt'], 'D'.repeat(10_000));
    expect(readArtefact(store.list()[0]!, 100)).toHaveLength(100);
    await store.dispose();
  });

  it('refuses reserved and unsafe names before anything is written', async () => {
    const parent = await tempDir();
    const store = new EvidenceStore(undefined, parent);
    expect(() => store.add(['manifest.sha256.sig'], 'x')).toThrow(/reserved/);
    expect(() => store.add(['gateways'], 'x')).toThrow(/reserved/);
    expect(() => store.add(['gw', '..'], 'x')).toThrow(/unsafe/);
    expect(store.folder).toBeUndefined();
  });

  it('a write that fails is an OutputError naming the artefact, with the system error as its cause', async () => {
    const parent = await tempDir();
    const notAFolder = join(parent, 'file');
    writeFileSync(notAFolder, '');
    const store = new EvidenceStore(undefined, notAFolder);
    const error = (() => {
      try {
        store.add(['gw', 'tls-443.json'], '{}');
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(OutputError);
    expect((error as OutputError).message).toMatch(/cannot keep the evidence evidence\/gateways\/gw\/tls-443\.json .*ENOTDIR/);
    expect((error as OutputError).hint).toMatch(/TMPDIR/);
    expect(((error as OutputError).cause as NodeJS.ErrnoException).code).toBe('ENOTDIR');
    expect(store.list()).toEqual([]);
  });

  it('a folder that vanished mid-run makes the next add an error, not a silent loss', async () => {
    const store = new EvidenceStore(undefined, await tempDir());
    store.add(['gw', 'tls-443.json'], '{}');
    rmSync(store.folder!, { recursive: true });
    expect(() => store.add(['gw', 'ssh-22.json'], '{}')).toThrow(OutputError);
    expect(store.list().map((a) => a.path)).toEqual(['evidence/gateways/gw/tls-443.json']);
  });

  it('dispose removes only the folder the store made, and a later add keeps nothing', async () => {
    const parent = await tempDir();
    writeFileSync(join(parent, 'someone-elses.txt'), 'keep me');
    const store = new EvidenceStore(undefined, parent);
    store.add(['gw', 'tls-443.json'], '{}');
    const folder = store.folder!;
    await store.dispose();
    expect(existsSync(folder)).toBe(false);
    expect(readFileSync(join(parent, 'someone-elses.txt'), 'utf8')).toBe('keep me');
    // A late artefact (a gatherer winding down after the run) is not kept and makes no new folder.
    expect(store.add(['gw', 'ssh-22.json'], '{}')).toBe('evidence/gateways/gw/ssh-22.json');
    expect(existsSync(folder)).toBe(false);
    expect((await import('node:fs')).readdirSync(parent)).toEqual(['someone-elses.txt']);
  });
});

describe('a run that fails after gathering', () => {
  it('removes the evidence it had written to its temporary folder', async () => {
    const { readdirSync } = await import('node:fs');
    const { connectionFileSchema } = await import('../../src/connection/schema.ts');
    const { loadProfile } = await import('../../src/profile/load.ts');
    const { runCheck } = await import('../../src/run-check.ts');
    const { fakeNmap } = await import('../helpers/fake-nmap.ts');
    const tmp = await tempDir();
    const evidenceFiles = () =>
      readdirSync(tmp, { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && e.parentPath.includes('cocoscan-evidence-'));
    const connection = connectionFileSchema.parse({
      connection: { name: 'fails', mojSystem: 'M', thirdPartySystem: 'T', organisation: 'O' },
      gateways: [{ name: 'gw', host: '127.0.0.1' }],
      flows: [{ name: 'web', protocol: 'https', port: 443 }],
      scan: { tcpPorts: '1-1024', probeTimeoutSeconds: 1 },
    });
    let seen = 0;
    // The clock breaks once evidence is on disk: the run fails while assembling its report.
    const now = () => {
      seen = Math.max(seen, evidenceFiles().length);
      if (seen > 0) throw new Error('the clock broke');
      return new Date();
    };
    const previous = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    try {
      await expect(
        runCheck({ connection, profile: await loadProfile(), exec: fakeNmap('open-gateway.xml'), privileged: true, now }),
      ).rejects.toThrow(/the clock broke/);
    } finally {
      process.env.TMPDIR = previous;
    }
    expect(seen).toBeGreaterThan(0);
    expect(readdirSync(tmp).filter((name) => name.startsWith('cocoscan-evidence-'))).toEqual([]);
  });
});
