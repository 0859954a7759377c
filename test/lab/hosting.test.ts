import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labGateway, runLabCheck } from './check-run.ts';
import { labAvailability, startLabGateway, type LabGateway } from './lab.ts';

const lab = await labAvailability();
if (!lab.ok) console.warn(`[lab] skipping the hosting lab test: ${lab.reason}`);

/** A whole check on a loaded 2-core machine. */
const LOADED_MACHINE_MS = 180_000;

// CoCo-13: a lab gateway's addresses (10.213.0.0/16 and a unique local IPv6 address) have no public location.
describe.skipIf(!lab.ok)('the hosting country of a lab gateway (whole check, moj-coco)', () => {
  let gateway: LabGateway;
  beforeAll(async () => {
    gateway = await startLabGateway({ name: 'host', services: [{ kind: 'sshd', port: 22, ssh: 'hardened' }], ipv6: true });
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it('says why neither address can be placed, and leaves CoCo-13 to a person', { timeout: LOADED_MACHINE_MS }, async () => {
    const { report, finding } = await runLabCheck({
      name: 'hosting',
      gateways: [labGateway(gateway, { name: 'v4-gw' }), labGateway(gateway, { name: 'v6-gw', host: gateway.address6! })],
      flows: ['{ name: admin, protocol: ssh, port: 22 }'],
      tcpPorts: '22',
    });
    const v4 = finding('hosting.country', 'v4-gw')!;
    expect(v4.status, v4.message).toBe('not_applicable');
    expect(v4.message).toContain(`${gateway.address} is a private address (RFC 1918), in 10.0.0.0/8: it has no public location`);
    const v6 = finding('hosting.country', 'v6-gw')!;
    expect(v6.status, v6.message).toBe('not_applicable');
    expect(v6.message).toContain(`${gateway.address6!} is a unique local address (RFC 4193), in fc00::/7`);
    // Nothing was looked up, so the database's age is no concern of this run.
    expect(finding('hosting.database-age', 'v4-gw')).toMatchObject({ status: 'not_applicable' });

    const row = report.rows.find((r) => r.ref === 'CoCo-13')!;
    expect(row).toMatchObject({ method: 'manual', compliance: null, source: 'open' });
    expect(row.comment).toContain('Supporting evidence, which does not answer this row: v4-gw: ');
    expect(row.findings).toEqual(expect.arrayContaining(['hosting.country@v4-gw', 'hosting.country@v6-gw']));
    // The check's other rows are judged as before: the SSH audit ran on both addresses.
    expect(finding('ssh.kex', 'v6-gw')).toMatchObject({ status: 'pass' });
  });
});
