import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/report/schema.ts';
import { runCli, tempDir, writeConnection } from '../helpers/cli.ts';
import { labAvailability, startLabGateway, type LabGateway } from './lab.ts';

const run = promisify(execFile);
const lab = await labAvailability();
const sshAuditPresent = await run('ssh-audit', ['-h']).then(
  () => true,
  (error: { code?: number | string }) => typeof error.code === 'number',
);
if (!lab.ok) console.warn(`[lab] skipping the SSH lab tests: ${lab.reason}`);
else if (!sshAuditPresent) console.warn('[lab] ssh-audit is not installed: the agreement test is skipped (.ci/run installs it)');

interface Checked {
  report: RunReport;
  summary: {
    identification: string;
    kexinit: { kex: string[]; hostKey: string[]; encryptionServerToClient: string[]; macServerToClient: string[] };
  };
}

async function check(gateway: LabGateway): Promise<Checked> {
  const dir = await tempDir();
  const file = await writeConnection(
    dir,
    `connection: { name: ${gateway.name}, mojSystem: Case Management System, thirdPartySystem: Acme Case Portal, organisation: Acme Ltd }
gateways: [ { name: ${gateway.name}-gw, host: ${gateway.address} } ]
flows: [ { name: admin, protocol: ssh, port: 22 } ]
scan: { tcpPorts: "22,2222", udpTopPorts: 0 }
`,
  );
  const out = join(dir, 'out');
  const result = await runCli(['check', file, '--out', out, '--no-progress']);
  expect(result.stderr).toBe('');
  return {
    report: JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as RunReport,
    summary: JSON.parse(await readFile(join(out, `evidence/gateways/${gateway.name}-gw/ssh-22.json`), 'utf8')),
  };
}

interface SshAuditView {
  lists: Record<'kex' | 'key' | 'enc' | 'mac', string[]>;
  fails: string[];
}

/** ssh-audit's offered lists (from -j) and every algorithm it marks [fail] (from its plain-text report). */
async function sshAudit(address: string): Promise<SshAuditView> {
  const output = (args: string[]) =>
    run('ssh-audit', args, { maxBuffer: 4 * 1024 * 1024 }).then(
      (r) => r.stdout,
      (e: { stdout?: string }) => e.stdout ?? '', // ssh-audit exits non-zero when it finds failures
    );
  // ssh-audit 2.5 lists kex and key entries as objects, enc and mac entries as plain names.
  const json = JSON.parse(await output(['-j', address])) as Record<'kex' | 'key' | 'enc' | 'mac', ({ algorithm: string } | string)[]>;
  const names = (entries: ({ algorithm: string } | string)[]) => entries.map((a) => (typeof a === 'string' ? a : a.algorithm));
  const lists = { kex: names(json.kex), key: names(json.key), enc: names(json.enc), mac: names(json.mac) };
  const fails: string[] = [];
  let current: string | undefined;
  for (const line of (await output(['-n', address])).split('\n')) {
    const head = /^\((kex|key|enc|mac)\) (\S+)/.exec(line);
    if (head) current = head[2];
    else if (!/^\s+`-/.test(line)) current = undefined;
    if (current && /\[fail\]/.test(line)) fails.push(current);
  }
  return { lists, fails: [...new Set(fails)] };
}

const row = (report: RunReport, ref: string) => report.rows.find((r) => r.ref === ref);
const ssh = (report: RunReport, id: string) => report.findings.find((f) => f.id === id);

describe.skipIf(!lab.ok)('SSH probe against real OpenSSH in lab gateways', () => {
  let hardened: LabGateway;
  let weak: LabGateway;
  let good: Checked;
  let bad: Checked;

  beforeAll(async () => {
    [hardened, weak] = await Promise.all([
      startLabGateway({
        name: 'sshgood',
        services: [
          { kind: 'sshd', port: 22, ssh: 'hardened' },
          { kind: 'sshd', port: 2222, ssh: 'hardened' },
        ],
      }),
      startLabGateway({ name: 'sshbad', services: [{ kind: 'sshd', port: 22, ssh: 'weak' }] }),
    ]);
    [good, bad] = await Promise.all([check(hardened), check(weak)]);
  });

  afterAll(async () => {
    await Promise.all([hardened?.stop(), weak?.stop()]);
  });

  it('gives A.11.5.1 and A.12.3.1 Yes for the hardened server', () => {
    expect(row(good.report, 'A.11.5.1')?.compliance, row(good.report, 'A.11.5.1')?.comment).toBe('Yes');
    expect(row(good.report, 'A.12.3.1')?.compliance, row(good.report, 'A.12.3.1')?.comment).toBe('Yes');
    expect(ssh(good.report, 'ssh.auth-methods')?.message).toContain('only publickey');
    const keys = ssh(good.report, 'ssh.host-keys')?.data?.hostKeys as { type: string; bits: number; fingerprint: string }[];
    expect(keys.map((k) => `${k.type}/${k.bits}`).sort()).toEqual(['ssh-ed25519/256', 'ssh-rsa/3072']);
    expect(keys.every((k) => /^SHA256:[A-Za-z0-9+/]{43}$/.test(k.fingerprint))).toBe(true);
    expect(good.summary.identification).toMatch(/^SSH-2\.0-OpenSSH_\d/);
  });

  it('audits an SSH service the sweep finds on a port no flow declares', () => {
    const undeclared = good.report.findings.filter((f) => f.probe === 'ssh' && f.target.port === 2222);
    expect(undeclared.map((f) => f.id).sort()).toEqual([
      'ssh.algorithm-warnings',
      'ssh.auth-methods',
      'ssh.ciphers',
      'ssh.host-keys',
      'ssh.kex',
      'ssh.macs',
      'ssh.strict-kex',
    ]);
    expect(undeclared.find((f) => f.id === 'ssh.auth-methods')?.message).toContain('undeclared SSH');
    expect(undeclared.every((f) => f.target.flow === undefined)).toBe(true);
  });

  it('gives A.11.5.1 and A.12.3.1 No naming the weak algorithms and password log-on', () => {
    const logon = row(bad.report, 'A.11.5.1');
    expect(logon?.compliance).toBe('No');
    expect(logon?.comment).toMatch(/password and keyboard-interactive log-on is allowed/);
    const crypto = row(bad.report, 'A.12.3.1');
    expect(crypto?.compliance).toBe('No');
    for (const name of [
      'diffie-hellman-group1-sha1',
      'diffie-hellman-group14-sha1',
      'aes128-cbc',
      '3des-cbc',
      'hmac-md5',
      'ssh-rsa',
      'RSA host key of 1024 bits',
    ]) {
      expect(crypto?.comment).toContain(name);
    }
    expect(row(bad.report, 'A.11.4.2')?.compliance).toBe('No');
  });

  it.skipIf(!sshAuditPresent)('offers exactly the lists ssh-audit reads, and fails everything ssh-audit fails', async () => {
    for (const [gateway, checked] of [
      [hardened, good],
      [weak, bad],
    ] as const) {
      const audit = await sshAudit(gateway.address);
      const k = checked.summary.kexinit;
      expect(k.kex).toEqual(audit.lists.kex);
      expect(k.hostKey).toEqual(audit.lists.key);
      expect(k.encryptionServerToClient).toEqual(audit.lists.enc);
      expect(k.macServerToClient).toEqual(audit.lists.mac);
      const ours = checked.report.findings
        .filter((f) => f.probe === 'ssh' && f.status === 'fail')
        .flatMap((f) => (f.data?.weak as string[] | undefined) ?? []);
      for (const failed of audit.fails) expect(ours, `ssh-audit fails ${failed}`).toContain(failed);
    }
  });
});
