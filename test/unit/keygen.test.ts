import { existsSync } from 'node:fs';
import { readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeKeyPair } from '../../src/cli/evidence-commands.ts';
import { OutputError, holdsRawJavaScriptMessage } from '../../src/errors.ts';
import { tempDir } from '../helpers/cli.ts';

describe('keygen never overwrites, and never leaves half a pair', () => {
  it('a KEY.pub that exists already: refused, the user file kept, and no private key left beside the wrong public key', async () => {
    const dir = await tempDir();
    const key = join(dir, 'signing.key');
    await writeFile(`${key}.pub`, 'the public key of another pair\n');
    const error = await writeKeyPair(key).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutputError);
    expect((error as OutputError).message).toMatch(/signing\.key\.pub exists already/);
    expect(holdsRawJavaScriptMessage((error as OutputError).message)).toBe(false);
    expect(existsSync(key)).toBe(false);
    expect(await readFile(`${key}.pub`, 'utf8')).toBe('the public key of another pair\n');
  });

  it('a KEY that is a link to a user file: refused, the file kept', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'notes.txt'), 'mine\n');
    await symlink(join(dir, 'notes.txt'), join(dir, 'signing.key'));
    await expect(writeKeyPair(join(dir, 'signing.key'))).rejects.toThrow(/exists already/);
    expect(await readFile(join(dir, 'notes.txt'), 'utf8')).toBe('mine\n');
    expect(existsSync(join(dir, 'signing.key.pub'))).toBe(false);
  });
});
