/**
 * Silence that proves nothing (issue 16, slice ssh16): SSH and SNMP flows open only to given sources (the scanner
 * outside them) are not tested by design rather than errors, and the organisation's own community meeting
 * silence on a filtered port does not pass snmp.cleartext. Real sshd, snmpd and nftables in lab namespaces.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/report/schema.ts';
import { labGateway, runLabCheck } from './check-run.ts';
import { LAB_SNMP_CUSTOM_COMMUNITY, labAvailability, startLabGateway, type LabGateway } from './lab.ts';

const lab = await labAvailability();
if (!lab.ok) console.warn(`[lab] skipping the silence-by-design lab tests: ${lab.reason}`);

/** Two whole checks side by side on a loaded 2-core machine. */
const LOADED_MACHINE_MS = 180_000;
const BY_DESIGN = 'restricted to 10.99.0.0/16 by design; the scanner is not among them';

const restrictedRuleset = `table inet filter {
  chain input {
    type filter hook input priority 0; policy drop;
    iif lo accept
    ct state established,related accept
    tcp dport 22 accept
    ip saddr 10.99.0.0/16 tcp dport 2222 accept
    ip saddr 10.99.0.0/16 udp dport 161 accept
  }
}
`;

async function check(gateway: LabGateway, flows: string[]): Promise<RunReport> {
  const run = await runLabCheck({
    name: gateway.name,
    gateways: [labGateway(gateway)],
    flows,
    tcpPorts: '22,2222',
    extra: `snmp: { timeoutSeconds: 1, communities: [${LAB_SNMP_CUSTOM_COMMUNITY}] }\n`,
  });
  return run.report;
}

describe.skipIf(!lab.ok)('silence that proves nothing (real sshd, snmpd, nftables)', () => {
  let restricted: LabGateway;
  let filtered: LabGateway;
  let sourcesReport: RunReport;
  let filteredReport: RunReport;

  beforeAll(async () => {
    [restricted, filtered] = await Promise.all([
      startLabGateway({
        name: 'quietsrc',
        services: [
          { kind: 'sshd', port: 22, ssh: 'hardened' },
          { kind: 'sshd', port: 2222, ssh: 'hardened' },
          { kind: 'snmpd', port: 161, snmp: 'custom-community' },
        ],
        nftRuleset: restrictedRuleset,
      }),
      startLabGateway({
        name: 'quietsnmp',
        services: [{ kind: 'snmpd', port: 161, snmp: 'custom-community' }],
        firewallAllowTcp: [],
        firewallAllowUdp: [],
      }),
    ]);
    [sourcesReport, filteredReport] = await Promise.all([
      check(restricted, [
        '{ name: admin, protocol: ssh, port: 22 }',
        '{ name: partner-admin, protocol: ssh, port: 2222, sources: [10.99.0.0/16] }',
        '{ name: monitoring, protocol: snmp, port: 161, transport: udp, sources: [10.99.0.0/16] }',
      ]),
      check(filtered, ['{ name: monitoring, protocol: snmp, port: 161, transport: udp }']),
    ]);
  }, LOADED_MACHINE_MS);

  afterAll(async () => {
    await Promise.all([restricted?.stop(), filtered?.stop()]);
  });

  it('an SSH flow open only to given sources that does not answer the scanner is not tested by design, not an error', () => {
    const partner = sourcesReport.findings.filter((f) => f.probe === 'ssh' && f.target.port === 2222);
    expect(partner.length).toBeGreaterThan(0);
    for (const f of partner) {
      expect(f.status, `${f.id}: ${f.message}`).toBe('not_tested');
      expect(f.message).toContain(`${BY_DESIGN}; its SSH can only be audited from one of them (`);
    }
    // The open flow beside it is audited as usual.
    expect(sourcesReport.findings.find((f) => f.id === 'ssh.auth-methods' && f.target.port === 22)?.status).toBe('pass');
  });

  it('an SNMP flow open only to given sources that does not answer the scanner is not tested by design', () => {
    for (const id of ['snmp.community', 'snmp.cleartext']) {
      const f = sourcesReport.findings.find((g) => g.id === id);
      expect(f?.status, `${id}: ${f?.message}`).toBe('not_tested');
      expect(f?.message).toContain(`${BY_DESIGN}; its SNMP can only be checked from one of them (`);
    }
  });

  it("silence to the organisation's own community on a filtered port does not pass snmp.cleartext", () => {
    const cleartext = filteredReport.findings.find((f) => f.id === 'snmp.cleartext');
    expect(cleartext?.status, cleartext?.message).toBe('not_tested');
    expect(cleartext?.message).toContain(
      'no answer to the 1 community string(s) the connection file gives, nor any sign of an agent (no SNMPv3 engine id)',
    );
    expect(filteredReport.rows.find((r) => r.ref === 'A.11.4.2')?.compliance).not.toBe('Yes');
  });
});
