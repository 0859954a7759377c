import { generateKeyPairSync } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyFingerprint } from '../../src/agent/report.ts';
import { holdsRawJavaScriptMessage, OutputError } from '../../src/errors.ts';
import { inspectOutFolder, MARKER_PATH } from '../../src/output/out-folder.ts';
import { verifyReportFolder } from '../../src/output/verify.ts';
import { tempDir } from '../helpers/cli.ts';

const HASH = 'a'.repeat(64);
/** Manifest lines, well-formed or not, naming paths inside and outside the folder. */
const line = fc.oneof(
  fc.string(),
  fc
    .constantFrom('report.json', '../etc/passwd', '/etc/passwd', 'evidence//x', './x', 'evidence/gateways/gw/x')
    .map((p) => `${HASH}  ${p}`),
  fc.string({ minLength: 1 }).map((p) => `${HASH} *${p}`),
);

describe('verify and the folder marker read outside data without ever throwing', () => {
  it('any manifest: a verdict, never an exception', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'evidence'));
    await writeFile(join(dir, 'report.json'), '{}');
    await fc.assert(
      fc.asyncProperty(fc.array(line, { maxLength: 20 }), async (lines) => {
        await writeFile(join(dir, 'evidence/manifest.sha256'), lines.join('\n'));
        const result = await verifyReportFolder(dir);
        expect(typeof result.ok).toBe('boolean');
        for (const path of [...result.changed, ...result.missing])
          expect(path.startsWith('/') || path.split('/').includes('..')).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it('any marker: ours, or refused with an OutputError', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'report.json'), '{}');
    const marker = fc.oneof(
      fc.string(),
      fc.json(),
      fc
        .record({
          format: fc.constantFrom('cocoscan-report-folder', 'x'),
          pid: fc.anything(),
          files: fc.oneof(fc.anything(), fc.array(fc.string())),
        })
        .map((m) => JSON.stringify(m)),
    );
    await fc.assert(
      fc.asyncProperty(marker, async (text) => {
        await writeFile(join(dir, MARKER_PATH), text ?? '');
        const outcome = await inspectOutFolder(dir).catch((error: unknown) => error);
        if (outcome !== 'ours') expect(outcome).toBeInstanceOf(OutputError);
      }),
      { numRuns: 300 },
    );
  });
});

describe('verify hashes a bounded number of bytes in all', () => {
  it('many hard links to one file stop at the total budget, reported as a problem, never a clean result', async () => {
    const { createHash } = await import('node:crypto');
    const { link } = await import('node:fs/promises');
    const dir = await tempDir();
    await mkdir(join(dir, 'evidence'));
    const content = Buffer.alloc(64 * 1024, 7);
    await writeFile(join(dir, 'evidence/big.bin'), content);
    const hash = createHash('sha256').update(content).digest('hex');
    const names = Array.from({ length: 50 }, (_, i) => `evidence/copy-${String(i).padStart(2, '0')}.bin`);
    for (const name of names) await link(join(dir, 'evidence/big.bin'), join(dir, name));
    await writeFile(join(dir, 'evidence/manifest.sha256'), ['evidence/big.bin', ...names].map((n) => `${hash}  ${n}\n`).join(''));
    const budget = 10 * content.length;
    const result = await verifyReportFolder(dir, undefined, { totalBytes: budget });
    expect(result.ok).toBe(false);
    expect(result.checked).toBeLessThanOrEqual(10);
    expect(result.problems).toContainEqual(expect.stringMatching(new RegExp(`more than ${budget} bytes in all`)));
    // Within the default budget the same folder verifies.
    expect((await verifyReportFolder(dir)).ok).toBe(true);
  });
});

describe('verify reads a hostile signature file and a wrong --key as problems, never a crash', () => {
  async function signedFolder(signature: string): Promise<string> {
    const dir = await tempDir();
    await mkdir(join(dir, 'evidence'));
    await writeFile(join(dir, 'evidence/manifest.sha256'), '');
    await writeFile(join(dir, 'evidence/manifest.sha256.sig'), signature);
    return dir;
  }
  const { publicKey } = generateKeyPairSync('ed25519');
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();

  it.each(['null', '[]', '"text"', '5', 'true', `{"keySha256": "${keyFingerprint(publicKey)}", "signature": 5}`])(
    'signature file %s',
    async (signature) => {
      const result = await verifyReportFolder(await signedFolder(signature), pem);
      expect(result.ok).toBe(false);
      expect(result.signature).toBe('invalid');
      expect(result.problems).toEqual([expect.stringMatching(/manifest\.sha256\.sig/)]);
      expect(result.problems.some((p) => holdsRawJavaScriptMessage(p))).toBe(false);
    },
  );

  it('a --key that is no public key, or not an Ed25519 one, is named as the key problem, without an OpenSSL message', async () => {
    const dir = await signedFolder('{}');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    for (const key of ['not a key', rsa]) {
      const result = await verifyReportFolder(dir, key);
      expect(result.ok).toBe(false);
      expect(result.problems).toEqual([expect.stringMatching(/--key|public key/)]);
      expect(result.problems.join('\n')).not.toMatch(/error:|routines|DECODER/);
      expect(result.problems.join('\n')).toMatch(rsa === key ? /Ed25519/ : /PEM/);
    }
  });
});
