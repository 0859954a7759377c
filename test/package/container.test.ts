/**
 * The container image as a cluster runs it: the repository's Dockerfile built with podman on a local base like
 * node:22-bookworm-slim (test/helpers/container-image.ts; no other registry is reached), then run against the demo
 * gateway on the host's 127.0.0.1 as a Kubernetes pod runs it: the image's non-root user, every capability dropped
 * but NET_RAW, a read-only root filesystem with /tmp and the output folder writable. Runs without NET_RAW, and under
 * no_new_privs (allowPrivilegeEscalation: false), show the connect scan they fall back to.
 */
import { chmod, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/report/schema.ts';
import { TOOL_VERSION } from '../../src/version.ts';
import { tempDir } from '../helpers/cli.ts';
import { baseImage, buildImage, podman, ULIMITS } from '../helpers/container-image.ts';
import { run, startGateway, userEnv, type PackageGateway } from '../helpers/package-run.ts';
import { NODE_22 } from '../helpers/registry-node.ts';

/**
 * podman gives a non-root process the capabilities added to its container as ambient ones too; Kubernetes does not
 * (they are only in the bounding set). setpriv drops them, so that, as in a pod, only nmap's file capability is left.
 */
const AS_A_POD = ['--entrypoint', 'setpriv'];
const POD_COMMAND = ['--inh-caps=-all', '--ambient-caps=-all', '--', 'cocoscan'];

describe('the container image, built from the Dockerfile and run as a Kubernetes pod runs it', () => {
  let work = '';
  let image = '';
  let gateway: PackageGateway | undefined;

  beforeAll(async () => {
    const missing = await run('sh', ['-c', 'command -v podman && command -v debootstrap'], { env: userEnv(), timeoutMs: 10_000 });
    if (missing.code !== 0)
      throw new Error('podman and debootstrap are needed: apt-get install podman debootstrap (npm test installs them as root)');
    if (process.getuid?.() !== 0)
      throw new Error('the container test runs podman and debootstrap as root (run the suite as root, as CI does)');
    const base = await baseImage();
    const built = await buildImage(base.value);
    image = built.value;
    console.log(
      `container test: base image ${base.cached ? 'cached' : `made in ${base.seconds.toFixed(1)} s`}, ` +
        `image built in ${built.seconds.toFixed(1)} s${built.cached ? ' (every layer cached)' : ''}`,
    );
    work = await tempDir('cocoscan-container-');
    // The image's user (uid 10001) writes the reports into this folder.
    await chmod(work, 0o777);
    gateway = await startGateway(work);
  }, 420_000);

  // Each run is named, so that one stopped at its timeout (which --rm does not remove) is removed here.
  const names: string[] = [];
  const nextName = () => {
    const name = `cocoscan-test-${process.pid}-${names.length}`;
    names.push(name);
    return name;
  };
  afterAll(async () => {
    if (names.length > 0) await podman(['rm', '--force', '--ignore', ...names], 60_000);
    await gateway?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const container = (options: string[], command: string[], timeoutMs = 60_000) =>
    podman(
      [
        'run',
        '--rm',
        '--name',
        nextName(),
        '--network',
        'host',
        ...ULIMITS,
        '--read-only',
        '--tmpfs',
        '/tmp',
        '-v',
        `${work}:/work`,
        ...options,
        image,
        ...command,
      ],
      timeoutMs,
    );
  const check = (out: string) => [
    'check',
    '/work/connection.yaml',
    '--out',
    `/work/${out}`,
    '--no-progress',
    '--no-history',
    '--no-service-detection',
  ];
  const report = async (out: string) => JSON.parse(await readFile(join(work, out, 'report.json'), 'utf8')) as RunReport;

  it('runs cocoscan as uid 10001 with its runtime dependencies only, and only its copy of nmap holds a capability: cap_net_raw', async () => {
    const version = await container([], ['--version']);
    expect(version).toMatchObject({ code: 0, stdout: `${TOOL_VERSION}\n` });
    const inside = await container(
      ['--entrypoint', 'sh'],
      [
        '-c',
        'id -u; node --version; getcap -r /usr /opt /home 2>/dev/null; command -v nmap; ls /opt/cocoscan/lib/node_modules/cocoscan/node_modules',
      ],
    );
    expect(inside.code).toBe(0);
    const [uid, node, capabilities, nmap, ...modules] = inside.stdout.trim().split('\n');
    expect([uid, node, capabilities, nmap]).toEqual([
      '10001',
      `v${NODE_22}`,
      '/usr/local/libexec/cocoscan/nmap cap_net_raw=eip',
      '/usr/local/bin/nmap',
    ]);
    // The runtime dependencies at the lockfile's versions, and no TypeScript runner or compiler.
    expect(modules).toEqual(expect.arrayContaining(['commander', 'ssh2', 'docx']));
    for (const tool of ['tsx', 'esbuild', 'typescript', 'vitest']) expect(modules).not.toContain(tool);
  });

  it('sweeps the demo gateway with a SYN scan as a pod with only NET_RAW, non-root, on a read-only root', async () => {
    const result = await container(['--cap-drop', 'ALL', '--cap-add', 'NET_RAW', ...AS_A_POD], [...POD_COMMAND, ...check('pod')]);
    expect(result.stderr).not.toMatch(/internal error|raw socket/i);
    // Non-compliant on purpose: an undeclared admin console and no firewall in front.
    expect(result.code).toBe(1);
    const pod = await report('pod');
    expect(pod.scanner).toMatchObject({ privileged: true, scanType: 'syn' });
    expect(pod.provenance.node).toBe(`v${NODE_22}`);
    const undeclared = pod.findings.find((f) => f.id === 'exposure.undeclared-port' && f.status === 'fail');
    expect(undeclared?.target.port).toBe(gateway!.ports.admin);
    const tls = new Map(pod.findings.filter((f) => f.target.port === gateway!.ports.https).map((f) => [f.id, f.status]));
    expect(tls.get('tls.cipher-suites')).toBe('pass');
    expect(tls.get('tls.certificate-trust')).toBe('fail');
    expect([...tls.values()]).not.toContain('error');
  }, 90_000);

  it('falls back to a connect scan without NET_RAW, and says what the UDP sweep needs', async () => {
    const result = await container(['--cap-drop', 'ALL'], check('no-net-raw'));
    expect(result.code).toBe(1);
    const plain = await report('no-net-raw');
    expect(plain.scanner).toMatchObject({ privileged: false, scanType: 'connect' });
    expect(plain.findings.find((f) => f.id === 'exposure.undeclared-port' && f.status === 'fail')?.target.port).toBe(gateway!.ports.admin);
    const udp = plain.findings.find((f) => f.id === 'exposure.udp-amplifier');
    expect(udp).toMatchObject({ status: 'not_tested' });
    expect(udp?.message).toContain('run cocoscan as root (or its container with NET_RAW) to sweep UDP');
  }, 90_000);

  it('falls back to a connect scan under no_new_privs (allowPrivilegeEscalation: false), where nmap gets no capability', async () => {
    const options = ['--cap-drop', 'ALL', '--cap-add', 'NET_RAW', '--security-opt', 'no-new-privileges', ...AS_A_POD];
    const result = await container(options, [...POD_COMMAND, ...check('no-new-privs')]);
    expect(result.stderr).not.toMatch(/raw socket/i);
    expect(result.code).toBe(1);
    expect((await report('no-new-privs')).scanner).toMatchObject({ privileged: false, scanType: 'connect' });
  }, 90_000);
});
