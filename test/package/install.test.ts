/**
 * The package as a user gets it: `npm pack` (which builds dist/ through `prepare`), the tarball installed globally
 * into a temporary prefix, then the installed `cocoscan` run (--help, --version, a check of a gateway on
 * 127.0.0.1), the library imported from plain JavaScript and type-checked from TypeScript against the shipped
 * declarations. npm installs the dependencies from its cache (`npm ci` filled it); on a cache miss it asks the registry.
 *
 * It runs on the machine's Node.js and on Node.js 24 from the registry's `node` package (test/helpers/registry-node.ts,
 * unpacked once into a cache); COCOSCAN_PACKAGE_NODES (node binaries separated by ':') adds others.
 * The container test (container.test.ts) runs the package on Node.js 22.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRootFor } from '../../src/package-root.ts';
import type { RunReport } from '../../src/report/schema.ts';
import { ROOT, tempDir } from '../helpers/cli.ts';
import { run, startGateway, succeed, userEnv, type PackageGateway } from '../helpers/package-run.ts';
import { NODE_24, registryNode } from '../helpers/registry-node.ts';

const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
// Node.js 24 from the registry besides the machine's: engines names what these runs test.
const NODES = [process.execPath, await registryNode(NODE_24), ...(process.env.COCOSCAN_PACKAGE_NODES ?? '').split(':').filter(Boolean)].map(
  (node) => ({
    node,
    version: execFileSync(node, ['--version'], { encoding: 'utf8' }).trim(),
  }),
);

describe('the package root (package.json, profiles/)', () => {
  it('is one folder above a source module and two above a compiled one', () => {
    expect(packageRootFor(pathToFileURL(join(ROOT, 'src/version.ts')).href)).toBe(ROOT);
    expect(packageRootFor(pathToFileURL(join(ROOT, 'dist/src/version.js')).href)).toBe(ROOT);
    expect(packageRootFor(pathToFileURL('/usr/lib/node_modules/cocoscan/dist/src/version.js').href)).toBe('/usr/lib/node_modules/cocoscan');
  });
});

describe('the npm package, packed and installed globally into a temporary prefix', () => {
  let work = '';
  let prefix = '';
  let installed = '';
  let packedFiles: string[] = [];
  let gateway: PackageGateway | undefined;
  let connectionFile = '';

  beforeAll(async () => {
    work = await tempDir('cocoscan-package-');
    prefix = join(work, 'prefix');
    // `npm pack` runs `prepare`, so the tarball holds a dist/ built from the sources as they are now.
    const packed = JSON.parse(await succeed('npm', ['pack', '--json', '--pack-destination', work], { cwd: ROOT, timeoutMs: 90_000 })) as {
      filename: string;
      files: { path: string }[];
    }[];
    packedFiles = packed[0]!.files.map((file) => file.path);
    await succeed(
      'npm',
      ['install', '--global', '--prefix', prefix, join(work, packed[0]!.filename), '--prefer-offline', '--no-audit', '--no-fund'],
      { cwd: work, timeoutMs: 90_000 },
    );
    installed = join(prefix, 'lib/node_modules/cocoscan');

    gateway = await startGateway(work);
    connectionFile = gateway.connectionFile;
  }, 200_000);

  afterAll(async () => {
    await gateway?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('ships the compiled CLI, the library, its declarations and the profiles, and no tests, scripts or sources', () => {
    expect(packedFiles).toEqual(
      expect.arrayContaining([
        'bin/cocoscan.js',
        'dist/src/index.js',
        'dist/src/index.d.ts',
        'dist/src/cli/main.js',
        'dist/src/ssh/algorithms.yaml',
        'dist/src/patch/os-support.yaml',
        'dist/src/tls/cipher-suites.json',
        'dist/src/snmp/net-snmp.d.ts',
        'profiles/moj-coco.yaml',
        'schemas/report.schema.json',
        'package.json',
      ]),
    );
    const unwanted = packedFiles.filter(
      (path) =>
        /^(test|scripts|src|probes|reports|dist\/(test|scripts))\//.test(path) ||
        /(?<!\.d)\.ts$/.test(path) ||
        path.includes('from-source'),
    );
    expect(unwanted).toEqual([]);
  });

  it('installs only the runtime dependencies: no TypeScript runner or compiler lands beside it', async () => {
    expect(await readdir(join(prefix, 'bin'))).toEqual(['cocoscan']);
    const dependencies = await readdir(join(installed, 'node_modules'));
    expect(dependencies).not.toEqual(expect.arrayContaining(['tsx']));
    for (const tool of ['tsx', 'esbuild', '@esbuild', 'typescript', 'vitest']) expect(dependencies).not.toContain(tool);
  });

  describe.each(NODES)('on Node.js $version', ({ node, version: nodeVersion }) => {
    const env = () => userEnv({ PATH: `${dirname(node)}:${process.env.PATH ?? ''}`, COCOSCAN_HISTORY: join(work, 'history') });
    const cocoscan = (args: string[], timeoutMs = 20_000) => run(join(prefix, 'bin/cocoscan'), args, { cwd: '/', env: env(), timeoutMs });

    // The SSH algorithm table and the OS support table are read when their modules load: any command proves they shipped.
    it('answers --version with the package version and --help with the commands, from /', async () => {
      const version = await cocoscan(['--version']);
      expect(version).toMatchObject({ code: 0, stdout: `${PACKAGE.version}\n` });
      const help = await cocoscan(['--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(/check \[options\] <connection-files\.\.\.>/);
      expect(help.stdout).toContain('Exit codes:');
      const profiles = await cocoscan(['profiles']);
      expect(profiles.stdout).toMatch(/^moj-coco\t/m);
    });

    it('checks a gateway on 127.0.0.1 and writes the report, from the installed files alone', async () => {
      const out = join(work, `report-${nodeVersion}`);
      // Without nmap -sV (20 s of probes of two ports): the sweep, the exposure and TLS probes still run.
      const result = await cocoscan(
        ['check', connectionFile, '--out', out, '--no-progress', '--no-history', '--no-service-detection'],
        50_000,
      );
      expect(result.stderr).not.toMatch(/internal error/);
      // Non-compliant on purpose: an undeclared admin console and no firewall in front.
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('Automated rows:');
      const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as RunReport;
      expect(report.tool).toEqual({ name: 'cocoscan', version: PACKAGE.version });
      expect(report.provenance.node).toBe(nodeVersion);
      expect(report.profile.id).toBe('moj-coco');
      const undeclared = report.findings.find((f) => f.id === 'exposure.undeclared-port' && f.status === 'fail');
      expect(undeclared?.target.port).toBe(gateway!.ports.admin);
      // The TLS probe ran with its cipher-suite table from dist/ and read the test's self-signed certificate.
      const tls = new Map(report.findings.filter((f) => f.target.port === gateway!.ports.https).map((f) => [f.id, f.status]));
      expect(tls.get('tls.cipher-suites')).toBe('pass');
      expect(tls.get('tls.certificate-name')).toBe('pass');
      expect(tls.get('tls.certificate-trust')).toBe('fail');
      expect([...tls.values()]).not.toContain('error');
      const files = await readdir(out);
      expect(files).toEqual(expect.arrayContaining(['report.json', 'report.html', 'statement.md', 'evidence']));
    }, 60_000);

    it('imports the library from an .mjs file and renders a stored report with it', async () => {
      const consumer = join(work, `consumer-${nodeVersion}`);
      await mkdir(join(consumer, 'node_modules'), { recursive: true });
      await symlink(installed, join(consumer, 'node_modules/cocoscan'));
      await writeFile(join(consumer, 'package.json'), '{ "private": true, "type": "module" }\n');
      await writeFile(
        join(consumer, 'use.mjs'),
        `import { readFile } from 'node:fs/promises';
import * as cocoscan from 'cocoscan';
const profile = await cocoscan.loadProfile('cyber-essentials');
const connection = await cocoscan.loadConnectionFile(process.argv[2]);
const text = await readFile(process.argv[3], 'utf8');
const report = cocoscan.parseStoredReport(text, process.argv[3]);
const markdown = cocoscan.renderMarkdown(report);
console.log(JSON.stringify({
  version: cocoscan.TOOL_VERSION,
  profile: profile.id,
  gateways: connection.gateways.map((g) => g.name),
  exitCodes: cocoscan.ExitCode,
  runCheck: typeof cocoscan.runCheck,
  markdown: markdown.includes('package-demo'),
}));
`,
      );
      const report = join(work, `report-${nodeVersion}`, 'report.json');
      const result = await run(node, ['use.mjs', connectionFile, report], { cwd: consumer, env: env(), timeoutMs: 20_000 });
      expect(result.stderr).toBe('');
      expect(JSON.parse(result.stdout)).toMatchObject({
        version: PACKAGE.version,
        profile: 'cyber-essentials',
        gateways: ['demo-gw'],
        exitCodes: { Compliant: 0 },
        runCheck: 'function',
        markdown: true,
      });
    });
  });

  it('type-checks a TypeScript consumer against the installed declarations', async () => {
    const consumer = join(work, 'consumer-ts');
    await mkdir(join(consumer, 'node_modules'), { recursive: true });
    await symlink(installed, join(consumer, 'node_modules/cocoscan'));
    await writeFile(join(consumer, 'package.json'), '{ "private": true, "type": "module" }\n');
    await writeFile(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: ['node'],
          typeRoots: [join(ROOT, 'node_modules/@types')],
        },
        files: ['check.ts'],
      }),
    );
    await writeFile(
      join(consumer, 'check.ts'),
      `import { ExitCode, loadConnectionFile, loadProfile, renderHtml, runCheck, type CheckOptions, type RunReport } from 'cocoscan';

const options: CheckOptions = { connection: await loadConnectionFile('connection.yaml'), profile: await loadProfile('moj-coco') };
const report: RunReport = (await runCheck(options)).report;
const failing: string[] = report.rows.filter((row) => row.compliance === 'No').map((row) => row.ref);
const html: string = renderHtml(report);
const code: number = report.summary.exitCode === 0 ? ExitCode.Compliant : ExitCode.NotCompliant;
// @ts-expect-error the declarations are precise: a report has no such field
console.log(report.verdict, failing, html.length, code);
`,
    );
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const result = await run(process.execPath, [tsc, '-p', join(consumer, 'tsconfig.json')], { cwd: consumer, timeoutMs: 50_000 });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.code).toBe(0);
  }, 60_000);
});
