import { execFileSync } from 'node:child_process';
import { copyFile, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/report/schema.ts';
import { runCli, tempDir, writeConnection } from '../helpers/cli.ts';
import { LAB_SNMP_V3, labAvailability, startLabGateway, type LabGateway } from './lab.ts';

const lab = await labAvailability();
if (!lab.ok) console.warn(`[lab] skipping the secrets test: ${lab.reason}`);

const PASSPHRASE = 'correct-horse-battery-staple-7391';

async function everyFile(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await everyFile(path)));
    else out.push(path);
  }
  return out;
}

describe.skipIf(!lab.ok)('secrets never reach any output', () => {
  let gateway: LabGateway;
  beforeAll(async () => {
    gateway = await startLabGateway({
      name: 'secrets',
      services: [
        { kind: 'sshd', port: 22, ssh: 'hardened' },
        { kind: 'snmpd', port: 161, snmp: 'v3-only' },
      ],
    });
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it('a full check with an SSH key passphrase and SNMPv3 keys leaves none of them, nor the key, in any file', async () => {
    const dir = await tempDir();
    // An encrypted copy of the lab client key: the passphrase comes from the environment only.
    const key = join(dir, 'audit_ed25519');
    await copyFile(gateway.clientKeyFile, key);
    execFileSync('ssh-keygen', ['-q', '-p', '-P', '', '-N', PASSPHRASE, '-f', key]);
    const file = await writeConnection(
      dir,
      `connection: { name: secrets, mojSystem: M, thirdPartySystem: T, organisation: O }
gateways:
  - name: secrets-gw
    host: ${gateway.address}
    ssh: { username: root, privateKeyFile: ${key}, passphraseEnv: LAB_SSH_PASSPHRASE, knownHosts: ${gateway.knownHostsFile} }
flows:
  - { name: admin, protocol: ssh, port: 22 }
  - { name: monitoring, protocol: snmp, port: 161, transport: udp }
scan: { tcpPorts: "1-100", udpTopPorts: 0, probeTimeoutSeconds: 3 }
snmp:
  timeoutSeconds: 1
  v3: { user: ${LAB_SNMP_V3.user}, authProtocol: sha256, authKeyEnv: LAB_SNMP_AUTH, privProtocol: aes, privKeyEnv: LAB_SNMP_PRIV }
`,
    );
    const out = join(dir, 'out');
    const history = join(dir, 'history');
    const answers = join(dir, 'answers.yaml');
    await writeFile(
      answers,
      `answers:
  - { ref: A.5.1.1, compliance: "Yes", owner: Head of Security, references: [ISMS-POL-01], comment: Policy v4 is on the intranet and in every induction }
  - { ref: CoCo-13, compliance: "Yes", owner: Service Manager, comment: Hosted and supported in the UK only }
  - { ref: A.9.1.1, compliance: "Partial", owner: Facilities, comment: Alarm pending, remediation: { plan: Install the alarm, date: "2027-02-28" } }
`,
    );
    const result = await runCli(['check', file, '--out', out, '--history', history, '--no-progress', '--answers', answers], 240_000, {
      LAB_SSH_PASSPHRASE: PASSPHRASE,
      LAB_SNMP_AUTH: LAB_SNMP_V3.authKey,
      LAB_SNMP_PRIV: LAB_SNMP_V3.privKey,
    });
    expect(result.stderr).toBe('');
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as RunReport;
    // The secrets were used: the session logged in and the v3 user answered at authPriv.
    expect(report.findings.find((f) => f.id === 'host.firewall-policy')?.status).not.toBe('error');
    expect(report.findings.find((f) => f.id === 'snmp.v3-security')?.status).toBe('pass');

    const keyBody = (await readFile(key, 'utf8')).split('\n').filter((l) => l.length > 40 && !l.startsWith('-----'));
    const secrets = [PASSPHRASE, LAB_SNMP_V3.authKey, LAB_SNMP_V3.privKey, ...keyBody];
    const files = [...(await everyFile(out)), ...(await everyFile(history))];
    expect(files.length).toBeGreaterThan(10);
    for (const path of files) {
      if ((await stat(path)).size > 50 * 1024 * 1024) continue;
      const bytes = await readFile(path);
      // A DOCX is a zip: its text is compressed, so it is read unzipped.
      const content = path.endsWith('.docx')
        ? Object.values(unzipSync(new Uint8Array(bytes)))
            .map((part) => strFromU8(part))
            .join('\n')
        : bytes.toString('latin1');
      for (const secret of secrets) expect(content.includes(secret), `${path} holds a secret`).toBe(false);
    }
    for (const secret of secrets) expect(result.stdout + result.stderr).not.toContain(secret);

    // The statement has every row, and no row is left empty: measured, answered, or open with its guidance.
    const refs = report.rows.filter((r) => !r.heading);
    for (const row of refs) expect(row.comment.length, row.ref).toBeGreaterThan(10);
    expect(refs.find((r) => r.ref === 'CoCo-13')?.source).toBe('answered');
    const md = await readFile(join(out, 'statement.md'), 'utf8');
    const html = await readFile(join(out, 'report.html'), 'utf8');
    const csv = await readFile(join(out, 'statement.csv'), 'utf8');
    const docx = Object.values(unzipSync(new Uint8Array(await readFile(join(out, 'statement.docx')))))
      .map((part) => strFromU8(part))
      .join('\n');
    for (const row of refs) {
      for (const [name, text] of [
        ['md', md],
        ['html', html],
        ['csv', csv],
        ['docx', docx],
      ] as const)
        expect(text.includes(row.ref), `${row.ref} in ${name}`).toBe(true);
    }
    const csvRows = csv
      .trim()
      .split('\r\n')
      .slice(1)
      .filter((line) => !line.includes(',heading,'));
    expect(csvRows.every((line) => !/,(""|),[^,]*,[^,]*,[^,]*$/.test(line))).toBe(true);
    expect(docx).toContain('Hosted and supported in the UK only');
  });
});
