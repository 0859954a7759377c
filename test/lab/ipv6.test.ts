import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labGateway, runLabCheck } from './check-run.ts';
import { labAvailability, startLabGateway, type LabGateway } from './lab.ts';

const lab = await labAvailability();
if (!lab.ok) console.warn(`[lab] skipping the IPv6 lab test: ${lab.reason}`);

/** A whole check with an SSH audit, on a loaded 2-core machine. */
const LOADED_MACHINE_MS = 180_000;

// Issue 16 item 13: an IPv6 endpoint is [fd00::2]:22, never fd00::2:22 (which reads as another address).
describe.skipIf(!lab.ok)('a gateway reached over IPv6 (real sshd, nmap)', () => {
  let gateway: LabGateway;
  beforeAll(async () => {
    gateway = await startLabGateway({ name: 'six', services: [{ kind: 'sshd', port: 22, ssh: 'hardened' }], ipv6: true });
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it('writes its endpoints with the address in brackets', { timeout: LOADED_MACHINE_MS }, async () => {
    const host = gateway.address6!;
    const { report } = await runLabCheck({
      name: 'six',
      gateways: [labGateway(gateway, { name: 'six-gw', host })],
      flows: ['{ name: admin, protocol: ssh, port: 22 }'],
    });
    const ssh = report.findings.filter((f) => f.probe === 'ssh');
    expect(ssh.length).toBeGreaterThan(0);
    for (const finding of ssh) expect(finding.message).toContain(`admin ([${host}]:22)`);
    expect(JSON.stringify(report.findings)).not.toContain(`(${host}:22)`);
    expect(report.findings.find((f) => f.id === 'ssh.kex')).toMatchObject({ status: 'pass' });
  });
});
