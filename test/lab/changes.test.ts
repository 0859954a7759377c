import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/report/schema.ts';
import { runCli, tempDir, writeConnection } from '../helpers/cli.ts';
import { labAvailability, startLabGateway, type LabGateway, type LabService } from './lab.ts';

const lab = await labAvailability();
if (!lab.ok) console.warn(`[lab] skipping the change-tracking lab test: ${lab.reason}`);

const BEFORE: LabService[] = [
  { kind: 'sshd', port: 22, ssh: 'hardened' },
  { kind: 'nginx-https', port: 443 },
];

describe.skipIf(!lab.ok)('what changed between two runs of the same connection (CoCo-2)', () => {
  let gateway: LabGateway;
  beforeAll(async () => {
    gateway = await startLabGateway({ name: 'chg', services: BEFORE });
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  // Two full checks with real nmap, a diff and a listing: well over a minute on a loaded 2-core machine. The CLI
  // children stop 5 s before this budget (test/helpers/cli.ts).
  it('names the opened port, the replaced certificate and the new SSH host keys', { timeout: 240_000 }, async () => {
    const dir = await tempDir();
    const history = join(dir, 'history');
    const file = await writeConnection(
      dir,
      `connection: { name: chg, mojSystem: M, thirdPartySystem: T, organisation: O }
gateways: [ { name: chg-gw, host: ${gateway.address} } ]
flows:
  - { name: case-sync, protocol: https, port: 443 }
  - { name: admin, protocol: ssh, port: 22 }
scan: { tcpPorts: "1-1024,8080", udpTopPorts: 0, probeTimeoutSeconds: 3 }
`,
    );
    const check = async (out: string) => {
      const result = await runCli(['check', file, '--out', join(dir, out), '--history', history, '--no-progress']);
      expect(result.stderr).toBe('');
      return JSON.parse(await readFile(join(dir, out, 'report.json'), 'utf8')) as RunReport;
    };

    const first = await check('run1');
    expect(first.changes).toBeUndefined();
    expect(first.rows.find((r) => r.ref === 'CoCo-2')?.compliance).toBe('N/A');

    await gateway.relaunch([...BEFORE, { kind: 'nginx-http', port: 8080 }]);
    const second = await check('run2');
    expect(second.changes?.since.id).toBe(first.history?.id);
    const kinds = second.changes!.items.map((c) => `${c.kind} ${c.subject}`);
    expect(kinds).toContain('port-opened chg-gw 8080/tcp');
    expect(kinds).toContain('tls-certificate-replaced chg-gw 443/tcp');
    expect(kinds).toContain('ssh-host-key-changed chg-gw 22/tcp ssh-ed25519');
    expect(kinds).toContain('ssh-host-key-changed chg-gw 22/tcp ssh-rsa');
    // CoCo-2 is judged from the changes, never one of them; every verdict change recorded is what the rows say.
    expect(second.changes!.items.filter((c) => c.subject === 'CoCo-2')).toEqual([]);
    for (const change of second.changes!.items.filter((c) => c.kind === 'verdict-changed')) {
      expect([change.before, change.after]).toEqual([
        first.rows.find((r) => r.ref === change.subject)?.compliance,
        second.rows.find((r) => r.ref === change.subject)?.compliance,
      ]);
    }
    const coco2 = second.rows.find((r) => r.ref === 'CoCo-2');
    expect(coco2?.compliance).toBe('Partial');
    expect(coco2?.comment).toMatch(/change\(s\) since the previous run .* to advise to the Accreditor/);

    const diff = await runCli(['diff', first.history!.id, second.history!.id, '--history', history]);
    expect(diff.code).toBe(1);
    expect(diff.stdout).toMatch(/WORSE port opened: chg-gw 8080\/tcp/);
    expect(diff.stdout).toMatch(/tls certificate replaced: chg-gw 443\/tcp/);
    const html = await readFile(join(dir, 'run2', 'report.html'), 'utf8');
    expect(html).toContain('Changes since');
    const listing = await runCli(['history', 'chg', '--history', history]);
    expect(listing.stdout.trim().split('\n')).toHaveLength(2);
  });
});
