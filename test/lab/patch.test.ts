import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAptUpgradable } from '../../src/patch/parse.ts';
import type { RunReport } from '../../src/report/schema.ts';
import { ROOT, runCli, tempDir, writeConnection } from '../helpers/cli.ts';
import { labAvailability, startLabGateway, type LabGateway } from './lab.ts';

const run = promisify(execFile);
const lab = await labAvailability();
const apt = await run('apt', ['--version'], { timeout: 10_000, killSignal: 'SIGKILL' }).then(
  () => true,
  () => false,
);
if (!lab.ok) console.warn(`[lab] skipping the patch lab test: ${lab.reason}`);
else if (!apt) console.warn('[lab] skipping the patch lab test: this machine has no apt');

describe.skipIf(!lab.ok || !apt)('patch facts over a real SSH session (the package state of this machine)', () => {
  let gateway: LabGateway;
  beforeAll(async () => {
    gateway = await startLabGateway({ name: 'patch', services: [{ kind: 'sshd', port: 22, ssh: 'hardened' }] });
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  // A check over SSH that runs apt on the gateway, then apt again here: well over a minute on a loaded 2-core
  // machine. The CLI child stops 5 s before this budget (test/helpers/cli.ts).
  it('reads the same pending updates as apt list --upgradable run directly, and judges them', { timeout: 240_000 }, async () => {
    const dir = await tempDir();
    const file = await writeConnection(
      dir,
      `connection: { name: patch, mojSystem: M, thirdPartySystem: T, organisation: O }
gateways:
  - name: patch-gw
    host: ${gateway.address}
    ssh: { username: root, privateKeyFile: ${gateway.clientKeyFile}, knownHosts: ${gateway.knownHostsFile} }
flows: [ { name: admin, protocol: ssh, port: 22 } ]
scan: { tcpPorts: "22", udpTopPorts: 0 }
`,
    );
    const out = join(dir, 'out');
    const result = await runCli([
      'check',
      file,
      '--out',
      out,
      '--no-progress',
      '--profile',
      join(ROOT, 'test/fixtures/profiles/coco11-only.yaml'),
    ]);
    expect(result.stderr).toBe('');
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as RunReport;
    const facts = JSON.parse(await readFile(join(out, 'evidence/gateways/patch-gw/patch.json'), 'utf8')) as {
      manager: string;
      pending: { name: string; version: string; security: boolean }[];
      os: { id: string };
    };
    const direct = parseAptUpgradable(
      (await run('apt', ['list', '--upgradable'], { maxBuffer: 16 * 1024 * 1024, timeout: 60_000, killSignal: 'SIGKILL' })).stdout,
    );

    expect(facts.manager).toBe('apt');
    expect(facts.pending.map((u) => `${u.name} ${u.version} ${u.security}`).sort()).toEqual(
      direct.map((u) => `${u.name} ${u.version} ${u.security}`).sort(),
    );
    const coco11 = report.rows.find((r) => r.ref === 'CoCo-11')!;
    const securityPending = direct.filter((u) => u.security).length;
    // Debian does not date its updates: pending security updates make the row Partial, none make it Yes.
    if (securityPending > 0) {
      expect(coco11.compliance).toBe('Partial');
      expect(coco11.comment).toContain(`${securityPending} pending security update(s) of unknown age`);
    } else {
      expect(['Yes', 'Partial']).toContain(coco11.compliance);
    }
    expect(report.findings.find((f) => f.id === 'patch.os-support')?.status).not.toBe('error');
  });
});
