import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labGateway, runLabCheck } from './check-run.ts';
import { sshAuditCves, sshAuditPresent } from '../helpers/ssh-audit.ts';
import { labAvailability, startLabGateway, type LabGateway } from './lab.ts';

const lab = await labAvailability();
if (!lab.ok) console.warn(`[lab] skipping the Dropbear lab test: ${lab.reason}`);

/** A whole check with an SSH audit, on a loaded 2-core machine. */
const LOADED_MACHINE_MS = 180_000;

// Issue 16 item 13: Dropbear offers zlib@openssh.com, compression that starts only after log-on.
describe.skipIf(!lab.ok)("Debian's Dropbear (real dropbear, nmap)", () => {
  let gateway: LabGateway;
  beforeAll(async () => {
    gateway = await startLabGateway({ name: 'drop', services: [{ kind: 'dropbear', port: 22 }] });
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it(
    'names its delayed compression and finds no compression before log-on; a silent declared port is not listed as answering',
    { timeout: LOADED_MACHINE_MS },
    async () => {
      const { report } = await runLabCheck({
        name: 'drop',
        gateways: [labGateway(gateway, { name: 'drop-gw' })],
        flows: ['{ name: admin, protocol: ssh, port: 22 }', '{ name: portal, protocol: https, port: 8443 }'],
      });
      const compression = report.findings.find((f) => f.id === 'ssh.compression');
      expect(compression).toMatchObject({ status: 'pass', target: { port: 22 } });
      expect(compression?.message).toBe(
        `admin (${gateway.address}:22) offers no compression before log-on (compression: zlib@openssh.com, which starts only after log-on)`,
      );
      expect(compression?.evidence.raw).toMatch(/^SSH-2\.0-dropbear/);
      // Declared 8443 is served by nothing: the pass names only the declared port that answered, and 8443 apart.
      expect(report.findings.find((f) => f.id === 'exposure.undeclared-port')?.message).toBe(
        `Only declared ports answer on ${gateway.address} (22/tcp); declared but not seen open: 8443/tcp; swept T:1-1024`,
      );
      const a1231 = report.rows.find((r) => r.ref === 'A.12.3.1');
      expect(a1231?.findings).toContain('ssh.compression@drop-gw/22/tcp');
      // Item 13: the banner's version mapped to known CVEs, as ssh-audit maps it (none for 2022.83).
      const known = report.findings.find((f) => f.id === 'ssh.known-vulnerabilities');
      expect(known?.message).toMatch(/^admin \(.+:22\) runs Dropbear 2022\.83: no published CVE in ssh-audit 2\.5\.0's version database/);
      expect(report.rows.find((r) => r.ref === 'CoCo-11')?.findings).toContain('ssh.known-vulnerabilities@drop-gw/22/tcp');
      if (sshAuditPresent) {
        const cves = (known?.data?.cves as { cve: string }[] | undefined)?.map((c) => c.cve);
        expect(cves).toEqual(await sshAuditCves(gateway.address));
      }
    },
  );
});
