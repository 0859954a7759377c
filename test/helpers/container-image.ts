/**
 * The container test's images, with podman: a base like node:22-bookworm-slim made here (Debian bookworm by
 * debootstrap from the machine's own Debian mirror, Node.js and npm from the npm registry), cached under a tag
 * named by a hash of its recipe, and the image built from the repository's Dockerfile on it.
 */
import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT } from './cli.ts';
import { run, succeed, userEnv, type Run } from './package-run.ts';
import { NODE_22, NPM_10, packFromRegistry, registryNode, TEST_CACHE } from './registry-node.ts';

/**
 * podman in a mount namespace of its own. On a host whose cgroups are in hybrid mode (v1 controllers, and a cgroup2
 * tree at /sys/fs/cgroup/unified), crun refuses every container: "cgroups in hybrid mode not supported". Without the
 * cgroup2 mount it sees plain cgroup v1; the unmount is private to the namespace and ends with it.
 */
const IN_OWN_MOUNTS = 'if mountpoint -q /sys/fs/cgroup/unified; then umount /sys/fs/cgroup/unified || exit 125; fi; exec "$@"';

export function inOwnMounts(command: string, args: string[], timeoutMs: number): Promise<Run> {
  return run('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', IN_OWN_MOUNTS, 'sh', command, ...args], {
    env: userEnv(),
    timeoutMs,
  });
}

export function podman(args: string[], timeoutMs: number): Promise<Run> {
  return inOwnMounts('podman', args, timeoutMs);
}

async function podmanOk(args: string[], timeoutMs: number): Promise<string> {
  const result = await podman(args, timeoutMs);
  if (result.code !== 0) throw new Error(`podman ${args.join(' ')} exited ${result.code}:\n${result.stderr}\n${result.stdout}`);
  return result.stdout;
}

/**
 * Limits a container is given. podman's default open-file limit (1048576) is above this machine's hard limit, and
 * raising a limit needs CAP_SYS_RESOURCE, which the test machine's own sandbox withholds; lowering one never fails.
 */
export const ULIMITS = ['--ulimit', 'nofile=4096:4096', '--ulimit', 'nproc=4096:4096'];

const SUITE = 'bookworm';
/** The tag of the image last built; podman builds the next one from the same layers where its sources allow. */
const TAG = 'localhost/cocoscan-test:latest';

/** The machine's Debian mirror for bookworm, from its APT sources (one-line .list or deb822 .sources). */
export async function debianMirror(): Promise<string> {
  const files = ['/etc/apt/sources.list'];
  const folder = '/etc/apt/sources.list.d';
  for (const name of await readdir(folder).catch(() => [] as string[])) {
    if (name.endsWith('.list') || name.endsWith('.sources')) files.push(join(folder, name));
  }
  for (const file of files) {
    const text = await readFile(file, 'utf8').catch(() => '');
    for (const line of text.split('\n')) {
      const words = line
        .replace(/\[[^\]]*\]/, ' ')
        .trim()
        .split(/\s+/);
      if (words[0] === 'deb' && words[2] === SUITE && words[1]) return words[1];
    }
    for (const paragraph of text.split(/\n\s*\n/)) {
      const field = (name: string) => new RegExp(`^${name}:\\s*(.+)$`, 'im').exec(paragraph)?.[1]?.trim().split(/\s+/) ?? [];
      if (field('Types').includes('deb') && field('Suites').includes(SUITE) && field('URIs')[0]) return field('URIs')[0]!;
    }
  }
  return 'http://deb.debian.org/debian';
}

export interface Timed<T> {
  value: T;
  seconds: number;
  cached: boolean;
}

/**
 * The base image: Debian bookworm (minbase), Node.js 22 at /usr/local/bin/node and npm beside it, as in the official
 * node images. Made once per recipe: its tag is a hash of everything it is made from.
 */
export async function baseImage(): Promise<Timed<string>> {
  const started = Date.now();
  const mirror = await debianMirror();
  const recipe = { recipe: 1, suite: SUITE, variant: 'minbase', mirror, node: NODE_22, npm: NPM_10, arch: process.arch };
  const tag = `localhost/cocoscan-test-base:${createHash('sha256').update(JSON.stringify(recipe)).digest('hex').slice(0, 16)}`;
  if ((await podman(['image', 'exists', tag], 30_000)).code === 0) return { value: tag, seconds: 0, cached: true };

  await mkdir(TEST_CACHE, { recursive: true });
  const work = await mkdtemp(join(TEST_CACHE, 'base-'));
  try {
    const rootfs = join(work, 'rootfs');
    // In a mount namespace of its own too: whatever debootstrap mounts inside rootfs goes when it ends.
    const bootstrap = await inOwnMounts('debootstrap', ['--variant=minbase', SUITE, rootfs, mirror], 240_000);
    if (bootstrap.code !== 0)
      throw new Error(`debootstrap from ${mirror} exited ${bootstrap.code}:\n${bootstrap.stderr}\n${bootstrap.stdout}`);
    await rm(join(rootfs, 'var/cache/apt/archives'), { recursive: true, force: true });
    await mkdir(join(rootfs, 'var/cache/apt/archives/partial'), { recursive: true });

    const bin = join(rootfs, 'usr/local/bin');
    await copyFile(await registryNode(NODE_22), join(bin, 'node'));
    await chmod(join(bin, 'node'), 0o755);
    const npm = join(rootfs, 'usr/local/lib/node_modules/npm');
    await mkdir(npm, { recursive: true });
    await succeed('tar', ['-xzf', await packFromRegistry(`npm@${NPM_10}`, work), '-C', npm, '--strip-components=1'], { timeoutMs: 60_000 });
    await symlink('../lib/node_modules/npm/bin/npm-cli.js', join(bin, 'npm'));
    await symlink('../lib/node_modules/npm/bin/npx-cli.js', join(bin, 'npx'));

    const tarball = join(work, 'rootfs.tar');
    await succeed('tar', ['--numeric-owner', '--xattrs', '-C', rootfs, '-cf', tarball, '.'], { timeoutMs: 120_000 });
    await podmanOk(['import', '--message', JSON.stringify(recipe), tarball, tag], 120_000);
    return { value: tag, seconds: (Date.now() - started) / 1000, cached: false };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * The repository's Dockerfile built on `base`; the image's id. Its npm steps read the machine's npm cache (filled by
 * `npm ci`) and nothing else, so the build needs no registry; its apt step uses the Debian mirror the base came from.
 * podman keeps each step's layer, so a build of unchanged sources takes seconds.
 */
export async function buildImage(base: string): Promise<Timed<string>> {
  const started = Date.now();
  const cache = (await succeed('npm', ['config', 'get', 'cache'], { env: userEnv(), timeoutMs: 20_000 })).trim();
  await mkdir(TEST_CACHE, { recursive: true });
  const work = await mkdtemp(join(TEST_CACHE, 'build-'));
  try {
    await writeFile(join(work, 'npmrc'), 'offline=true\naudit=false\nfund=false\nupdate-notifier=false\n');
    const args = ['build', '--network', 'host', ...ULIMITS, '--build-arg', `BASE=${base}`, '--iidfile', join(work, 'iid')];
    const mounts = ['-v', `${cache}:/root/.npm`, '-v', `${join(work, 'npmrc')}:/root/.npmrc:ro`];
    const previous = await podman(['image', 'inspect', '--format', '{{.Id}}', TAG], 30_000);
    const output = await podmanOk([...args, ...mounts, '-t', TAG, '-f', join(ROOT, 'Dockerfile'), ROOT], 300_000);
    const id = (await readFile(join(work, 'iid'), 'utf8')).trim();
    // The image built before from other sources, with the layers only it used; the layers still shared stay cached.
    const bare = (image: string) => image.trim().replace(/^sha256:/, '');
    const before = previous.code === 0 ? bare(previous.stdout) : '';
    if (before && before !== bare(id)) await podman(['rmi', before], 60_000);
    // Every step but FROM says "Using cache" when podman reused its layer.
    const steps = (output.match(/STEP \d+\/\d+: (?!FROM )/g) ?? []).length;
    const cached = (output.match(/Using cache/g) ?? []).length >= steps;
    return { value: id, seconds: (Date.now() - started) / 1000, cached };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
