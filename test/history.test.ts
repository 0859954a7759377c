import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectionFileSchema } from '../src/connection/schema.ts';
import { loadProfile, parseProfile } from '../src/profile/load.ts';
import { runCheck } from '../src/run-check.ts';
import { loadWaivers, waiverActive } from '../src/waivers/waivers.ts';
import { fakeNmap } from './helpers/fake-nmap.ts';
import { ROOT, runCli, tempDir } from './helpers/cli.ts';

const BIN = join(ROOT, 'bin/cocoscan.js');
const PROFILE = join(ROOT, 'test/fixtures/profiles/coco10-only.yaml');
const NOW = new Date('2026-11-22T10:00:00Z');

const connection = connectionFileSchema.parse({
  connection: { name: 'cms-acme', mojSystem: 'M', thirdPartySystem: 'T', organisation: 'O' },
  gateways: [{ name: 'acme-gw-1', host: '127.0.0.1' }],
  flows: [
    { name: 'case-sync', protocol: 'https', port: 443 },
    { name: 'admin', protocol: 'ssh', port: 22 },
  ],
  scan: { tcpPorts: '1-1024,8080' },
});

const NETWORK = parseProfile(
  `id: net
version: "1"
title: Network rows
sections:
  - id: c
    title: C
    rows:
      - { ref: CoCo-8, title: Declared flows only, method: automated, decidedBy: [exposure.undeclared-port] }
      - { ref: CoCo-9, title: Firewall, method: automated, decidedBy: [firewall.filtering] }
`,
  'net.yaml',
);

async function waiverFile(body: string): Promise<string> {
  const file = join(await tempDir(), 'waivers.yaml');
  await writeFile(file, body);
  return file;
}

describe('waivers', () => {
  it('an expired waiver counts again; one expiring tomorrow keeps the row out of the exit code', async () => {
    const file = await waiverFile(`waivers:
  - ref: CoCo-9
    justification: Replacement firewall on order
    approvedBy: J. Smith, MoJ Accreditor
    plan: Install the new firewall by 2026-12-15
    expires: "2026-11-23"
  - finding: exposure.undeclared-port
    target: acme-gw-1/8080
    justification: Admin console being moved
    approvedBy: J. Smith, MoJ Accreditor
    plan: Move it behind the VPN
    expires: "2026-11-21"
  - finding: tls.cbc-suites
    justification: not used here
    approvedBy: nobody
    plan: none
    expires: "2027-01-01"
`);
    const waivers = await loadWaivers(file, await loadProfile());
    expect(waiverActive(waivers[0]!, NOW)).toBe(true);
    expect(waiverActive(waivers[1]!, NOW)).toBe(false);
    const { report } = await runCheck({ connection, profile: NETWORK, exec: fakeNmap('open-gateway.xml'), now: () => NOW, privileged: true, waivers });
    const coco9 = report.rows.find((r) => r.ref === 'CoCo-9')!;
    const coco8 = report.rows.find((r) => r.ref === 'CoCo-8')!;
    // The real verdicts stand; only the exit code is spared, and only by the active waiver.
    expect(coco9).toMatchObject({ compliance: 'No', waiver: { status: 'active', expires: '2026-11-23', scope: 'row' } });
    expect(coco9.comment).toContain('waived until 2026-11-23');
    expect(coco8).toMatchObject({ compliance: 'No', waiver: { status: 'expired', scope: 'findings' } });
    expect(coco8.comment).toContain('EXPIRED on 2026-11-21, counts again');
    expect(report.summary.waivers).toEqual({ active: 1, expired: 1, unmatched: ['tls.cbc-suites (expires 2027-01-01)'] });
    expect(report.summary.exitCode).toBe(1);

    const allActive = waivers.map((w) => ({ ...w, expires: '2026-11-30' }));
    const { report: spared } = await runCheck({ connection, profile: NETWORK, exec: fakeNmap('open-gateway.xml'), now: () => NOW, privileged: true, waivers: allActive });
    expect(spared.rows.map((r) => r.compliance)).toEqual(['No', 'No']);
    expect(spared.summary.exitCode).toBe(0);
  });

  it('a malformed waiver file is refused before any probing (exit 2)', async () => {
    const file = await waiverFile(`waivers:
  - ref: CoCo-99
    justification: x
    approvedBy: y
    plan: z
    expires: "next week"
  - finding: no.such-finding
    justification: x
    approvedBy: y
    plan: z
    expires: "2027-01-01"
`);
    const dir = await tempDir();
    await writeFile(join(dir, 'connection.yaml'), 'connection: { name: w, mojSystem: M, thirdPartySystem: T, organisation: O }\ngateways: [ { name: gw, host: 127.0.0.1 } ]\nflows: [ { name: web, protocol: https, port: 443 } ]\n');
    const result = await runCli(['check', join(dir, 'connection.yaml'), '--waivers', file, '--nmap', '/nonexistent/nmap']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/waivers\[0\]\.expires \(line \d+\): expected a date such as 2027-03-31/);
    const valid = await waiverFile('waivers:\n  - { ref: CoCo-99, justification: x, approvedBy: y, plan: z, expires: "2027-01-01" }\n  - { finding: no.such-finding, justification: x, approvedBy: y, plan: z, expires: "2027-01-01" }\n');
    const refs = await runCli(['check', join(dir, 'connection.yaml'), '--waivers', valid, '--nmap', '/nonexistent/nmap']);
    expect(refs.code).toBe(2);
    expect(refs.stderr).toMatch(/waivers\[0\]\.ref \(line \d+\): no row "CoCo-99" in profile moj-coco/);
    expect(refs.stderr).toMatch(/waivers\[1\]\.finding \(line \d+\): unknown finding id "no.such-finding"/);
  });
});

/** A connection that needs no network: CoCo-10 judged from a ClamAV output file. */
async function offlineConnection(dir: string): Promise<string> {
  await writeFile(join(dir, 'clamscan.txt'), readFileFixture('clamscan-version.txt'));
  const file = join(dir, 'connection.yaml');
  await writeFile(file, 'connection: { name: offline, mojSystem: M, thirdPartySystem: T, organisation: O }\ngateways:\n  - name: gw\n    host: 127.0.0.1\n    agentReports: [ { path: clamscan.txt } ]\nflows: [ { name: web, protocol: https, port: 443 } ]\n');
  return file;
}

function readFileFixture(name: string): string {
  return readFileSync(join(ROOT, 'test/fixtures/av', name), 'utf8');
}

describe('history', () => {
  it('a run killed while it is being written never damages the runs before it', async () => {
    const dir = await tempDir();
    const history = join(dir, 'history');
    const file = await offlineConnection(dir);
    const first = await runCli(['check', file, '--profile', PROFILE, '--history', history, '--out', join(dir, 'out1')]);
    expect(first.code).toBe(1);

    // The second run pauses between writing and committing its history folder; it is killed right there.
    const child = spawn(process.execPath, [BIN, 'check', file, '--profile', PROFILE, '--history', history, '--out', join(dir, 'out2')], {
      env: { ...process.env, COCOSCAN_DEBUG_PAUSE_BEFORE_COMMIT_MS: '20000' },
      stdio: 'ignore',
    });
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && !(await readdir(join(history, 'offline'))).some((n) => n.startsWith('.cocoscan-tmp'))) {
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));

    const listing = await runCli(['history', 'offline', '--history', history, '--format', 'json']);
    expect(listing.code).toBe(0);
    const runs = JSON.parse(listing.stdout) as { runs: { id: string }[]; unreadable: string[] };
    expect(runs.runs).toHaveLength(1);
    expect(runs.unreadable).toEqual([]);
    // The next run compares with the intact first run.
    const third = await runCli(['check', file, '--profile', PROFILE, '--history', history, '--out', join(dir, 'out3'), '--format', 'json']);
    expect(JSON.parse(third.stdout).changes.since.id).toBe(runs.runs[0]!.id);
  });

  it('watch runs on schedule, calls --on-change with the diff, and stops cleanly on SIGTERM', async () => {
    const dir = await tempDir();
    const history = join(dir, 'history');
    const file = await offlineConnection(dir);
    const hookOut = join(dir, 'hook.json');
    const child = spawn(process.execPath, [BIN, 'watch', file, '--profile', PROFILE, '--history', history, '--every', '1s', '--on-change', `cat > '${hookOut}'`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const waitFor = async (predicate: () => boolean, what: string) => {
      const deadline = Date.now() + 30_000;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; stdout: ${stdout}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await waitFor(() => stdout.includes('first run'), 'the first run');
    // Between runs the host starts reporting real-time protection off: a verdict change for the hook.
    await writeFile(join(dir, 'clamscan.txt'), readFileFixture('defender-ps7-rtp-off.json'));
    await waitFor(() => /change\(s\)/.test(stdout), 'a second run');
    child.kill('SIGTERM');
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).toBe(0);
    expect(stdout).toMatch(/watch stopped after \d+ run\(s\) \(signal\)/);
    const hook = JSON.parse(await readFile(hookOut, 'utf8')) as { changes: { kind: string }[] };
    expect(hook.changes.some((c) => c.kind === 'verdict-changed')).toBe(true);
    const names = await readdir(join(history, 'offline'));
    expect(names.filter((n) => n.startsWith('.'))).toEqual([]);
    expect(names.length).toBeGreaterThanOrEqual(2);
  });
});
