import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { copyFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConnectionFile } from '../../src/connection/load.ts';
import { loadProfile } from '../../src/profile/load.ts';
import { runCheck } from '../../src/run-check.ts';
import { ROOT, tempDir } from '../helpers/cli.ts';
import { clamscanVersion } from '../fixtures/av/build.ts';
import { labAvailability, startLabGateway, type LabGateway } from './lab.ts';

const lab = await labAvailability();
if (!lab.ok) console.warn(`[lab] skipping the anti-virus lab test: ${lab.reason}`);

/**
 * The repro: ClamAV reported by a file, SSH credentials given. The lab sshd shares this machine's
 * process table, so a process named clamd started here is in the `ps -eo comm=` the SSH session reads.
 */
describe.skipIf(!lab.ok)('CoCo-10 from a ClamAV file and the SSH session of the same run', () => {
  let gateway: LabGateway;
  let clamd: ChildProcess | undefined;
  beforeAll(async () => {
    gateway = await startLabGateway({ name: 'av', services: [{ kind: 'sshd', port: 22, ssh: 'hardened' }] });
    const dir = await tempDir();
    // A stand-in daemon: the kernel names a process after its executable, which is all `ps -o comm` shows.
    await copyFile('/bin/sleep', join(dir, 'clamd'));
    clamd = spawn(join(dir, 'clamd'), ['300'], { stdio: 'ignore' });
    await once(clamd, 'spawn');
  });
  afterAll(async () => {
    if (clamd?.pid && clamd.exitCode === null) clamd.kill('SIGKILL');
    await gateway?.stop();
  });

  it('judges presence from the SSH process list and cites both sources', async () => {
    const dir = await tempDir();
    const now = new Date();
    // clamscan --version as ClamAV prints it, its database built an hour before this run (host at UTC).
    await writeFile(join(dir, 'clamscan.txt'), clamscanVersion(new Date(now.getTime() - 3_600_000)));
    await utimes(join(dir, 'clamscan.txt'), now, now);
    await writeFile(
      join(dir, 'connection.yaml'),
      `connection: { name: av, mojSystem: M, thirdPartySystem: T, organisation: O }
gateways:
  - name: av-gw
    host: ${gateway.address}
    ssh: { username: root, privateKeyFile: ${gateway.clientKeyFile}, knownHosts: ${gateway.knownHostsFile} }
    agentReports: [ { path: clamscan.txt } ]
flows: [ { name: admin, protocol: ssh, port: 22 } ]
scan: { udpTopPorts: 0, probeTimeoutSeconds: 5 }
`,
    );
    const connection = await loadConnectionFile(join(dir, 'connection.yaml'));
    const profile = await loadProfile(join(ROOT, 'test/fixtures/profiles/coco10-only.yaml'));
    const { report } = await runCheck({ connection, profile });
    const present = report.findings.find((f) => f.id === 'antivirus.present')!;
    expect(present.status, present.message).toBe('pass');
    expect(present.message).toContain('clamd running (process list from SSH session as root)');
    expect(present.evidence.source).toContain('clamscan.txt (tool-output, unsigned)');
    expect(present.evidence.source).toContain('SSH session as root (ssh-session)');
  });
});
