import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/report/schema.ts';
import { runCli, tempDir, writeConnection } from '../helpers/cli.ts';
import { labAvailability, startLabGateway, type LabGateway } from './lab.ts';

const lab = await labAvailability();
if (!lab.ok) console.warn(`[lab] skipping the UDP sweep lab tests: ${lab.reason}`);

/**
 * Flows ssh 22 and dns 53 only. The connection file leaves the UDP sweep at its default (nmap's 100 most
 * common UDP services); only the TCP range is narrowed (dnsmasq also serves DNS over TCP, which no flow declares).
 */
async function check(gateway: LabGateway): Promise<RunReport> {
  const dir = await tempDir();
  const file = await writeConnection(
    dir,
    `connection: { name: ${gateway.name}, mojSystem: Case Management System, thirdPartySystem: Acme Case Portal, organisation: Acme Ltd }
gateways: [ { name: ${gateway.name}-gw, host: ${gateway.address} } ]
flows:
  - { name: admin, protocol: ssh, port: 22 }
  - { name: names, protocol: dns, port: 53, transport: udp }
scan: { tcpPorts: "22", probeTimeoutSeconds: 3 }
snmp: { timeoutSeconds: 1 }
`,
  );
  const out = join(dir, 'out');
  const result = await runCli(['check', file, '--out', out, '--no-progress']);
  expect(result.stderr).toBe('');
  return JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as RunReport;
}

const findings = (report: RunReport, id: string) => report.findings.filter((f) => f.id === id);

describe.skipIf(!lab.ok)('UDP services no flow declares, against dnsmasq and UDP echo services in a lab gateway', () => {
  let gateway: LabGateway;

  beforeAll(async () => {
    gateway = await startLabGateway({
      name: 'udp',
      services: [
        { kind: 'sshd', port: 22 },
        { kind: 'dnsmasq', port: 53 },
        { kind: 'udp-echo', port: 7 },
        { kind: 'udp-echo', port: 5353 },
      ],
      // Closed UDP ports answer with ICMP at once: Linux's ICMP rate limit would otherwise make nmap wait.
      icmpRateLimitOff: true,
    });
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it('fails the undeclared UDP echo on 7 and the service on 5353, and the open DNS recursion is its own finding', async () => {
    const report = await check(gateway);
    const undeclared = findings(report, 'exposure.undeclared-port');
    expect(undeclared.map((f) => `${f.status} ${f.target.port}/${f.target.transport}`).sort()).toEqual(['fail 5353/udp', 'fail 7/udp']);
    expect(undeclared.find((f) => f.target.port === 7)?.message).toBe(`Undeclared port 7/udp is open on ${gateway.address}: echo`);
    const amplifier = findings(report, 'exposure.udp-amplifier');
    expect(amplifier.map((f) => `${f.status} ${f.target.port}`)).toEqual(['fail 53']);
    expect(amplifier[0]?.message).toMatch(
      new RegExp(
        `^Amplification-prone UDP service open on ${gateway.address.replaceAll('.', '\\.')}: DNS with open recursion on 53/udp ` +
          '\\(recursion available, NXDOMAIN: \\d+ bytes back for \\d+ sent to a recursive query for cocoscan-recursion-check\\.invalid\\)$',
      ),
    );
    // The declared DNS flow itself is served: recursion, not the port, is the finding.
    expect(findings(report, 'exposure.declared-port').map((f) => `${f.status} ${f.target.port}`)).toEqual(['pass 22', 'pass 53']);
    for (const ref of ['CoCo-8', 'A.1.2.2-1', 'A.11.4.1']) expect(report.rows.find((r) => r.ref === ref)?.compliance, ref).toBe('No');
    // Both nmap runs are evidence.
    expect(undeclared[0]?.evidence.artefacts?.some((a) => a.endsWith('nmap-sweep-udp.xml'))).toBe(true);
  });

  it('says exactly what was swept when only the declared ports answer', async () => {
    await gateway.relaunch([
      { kind: 'sshd', port: 22 },
      { kind: 'udp-echo', port: 53 },
    ]);
    const report = await check(gateway);
    const undeclared = findings(report, 'exposure.undeclared-port');
    expect(undeclared.map((f) => f.status)).toEqual(['pass']);
    expect(undeclared[0]?.message).toBe(`Only declared ports answer on ${gateway.address} (22/tcp, 53/udp); swept T:22 U:top 100 + 53`);
    expect(findings(report, 'exposure.udp-amplifier').map((f) => f.status)).toEqual(['pass']);
  });
});
