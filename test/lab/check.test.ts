import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/report/schema.ts';
import { ROOT, runCli, tempDir, writeConnection } from '../helpers/cli.ts';
import { labAvailability, startLabGateway, type LabGateway, type LabService } from './lab.ts';

const lab = await labAvailability();
if (!lab.ok) console.warn(`[lab] skipping the lab gateway tests: ${lab.reason}`);

/** The budget of a lab test that runs whole checks with SSH sessions, sized for a loaded 2-core machine. */
const LOADED_MACHINE_MS = 240_000;

// The sweep covers the well-known range plus the stray port: enough to judge, quick enough for a test.
const PORTS = '1-1024,8080';

function connectionYaml(name: string, host: string, caFile: string, credentials?: LabGateway): string {
  const ssh = credentials
    ? `\n    ssh: { username: root, privateKeyFile: ${credentials.clientKeyFile}, knownHosts: ${credentials.knownHostsFile} }`
    : '';
  return `connection:
  name: ${name}
  mojSystem: Case Management System
  thirdPartySystem: Acme Case Portal
  organisation: Acme Ltd
gateways:
  - name: ${name}-gw
    host: ${host}${ssh}
flows:
  - name: case-sync
    protocol: https
    port: 443
  - name: admin
    protocol: ssh
    port: 22
scan:
  tcpPorts: "${PORTS}"
  udpTopPorts: 0
  probeTimeoutSeconds: 3
tls:
  trust: [ ${caFile} ]
`;
}

async function check(name: string, host: string, caFile: string, yaml = connectionYaml(name, host, caFile), extra: string[] = []) {
  const dir = await tempDir();
  const file = await writeConnection(dir, yaml);
  const out = join(dir, 'out');
  const result = await runCli(['check', file, '--out', out, '--no-progress', ...extra]);
  const report =
    result.code === 0 || result.code === 1 || result.code === 4
      ? (JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as RunReport)
      : undefined;
  return { ...result, out, report };
}

// Declared: ssh 22 and https 443. The stray admin console on 8080 is not declared.
const SERVICES = [
  { kind: 'sshd', port: 22, ssh: 'hardened' },
  { kind: 'nginx-https', port: 443 },
  { kind: 'nginx-http', port: 8080 },
] as const satisfies LabService[];

const row = (report: RunReport | undefined, ref: string) => report?.rows.find((r) => r.ref === ref);

describe.skipIf(!lab.ok)('cocoscan check against lab gateways (real nmap, sshd, nginx, nftables)', () => {
  let firewalled: LabGateway;
  let open: LabGateway;

  beforeAll(async () => {
    [firewalled, open] = await Promise.all([
      startLabGateway({
        name: 'fw',
        services: SERVICES,
        firewallAllowTcp: [22, 443],
      }),
      startLabGateway({
        name: 'open',
        services: SERVICES,
      }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([firewalled?.stop(), open?.stop()]);
  });

  it('gives CoCo-8 Yes and CoCo-9 Yes for a default-drop firewall exposing only the declared ports', async () => {
    const result = await check('fw', firewalled.address, firewalled.caFile);
    expect(result.stderr).toBe('');
    for (const ref of ['CoCo-8', 'CoCo-9', 'A.1.2.2-1', 'A.10.6.1', 'A.11.4.1', 'A.11.4.2', 'A.11.5.1', 'A.12.3.1']) {
      expect(row(result.report, ref)?.compliance, `${ref}: ${row(result.report, ref)?.comment}`).toBe('Yes');
    }
    // Without credentials the gateway's own ruleset is not read: said in the comment, not held against the row.
    expect(row(result.report, 'CoCo-9')?.comment).toMatch(/Not tested \(does not change the verdict\): .*no SSH credentials/);
    expect(row(result.report, 'A.1.2.2-3')?.compliance).toBe('Not assessed');
    // The SSH identification on 22 and the TLS handshake on 443 are set against the sweep: no port was hidden from it.
    expect(result.report?.findings.find((f) => f.id === 'firewall.rate-limit')?.message).toBe(
      `Every port cocoscan reached on ${firewalled.address} also answered the sweep (22,443)`,
    );
    // The stray service on 8080 is behind the firewall: dropped, never reported as open.
    expect(result.report?.findings.some((f) => f.status === 'fail' && f.id.startsWith('exposure.'))).toBe(false);
    const protocols = result.report?.findings.filter((f) => f.id === 'exposure.protocol-match').map((f) => [f.target.port, f.status]);
    expect(protocols).toEqual([
      [443, 'pass'],
      [22, 'pass'],
    ]);
    expect(result.code).toBe(4);
  });

  it('exits 0 when every automated row of the profile is Yes', async () => {
    const result = await check('fw0', firewalled.address, firewalled.caFile, undefined, [
      '--profile',
      join(ROOT, 'test/fixtures/profiles/network-only.yaml'),
    ]);
    expect(result.report?.rows.map((r) => r.compliance)).toEqual(['Yes', 'Yes']);
    expect(result.code).toBe(0);
  });

  // Two full checks side by side, each with an SSH session that reads the ruleset: on a loaded 2-core machine
  // this takes well over a minute. The CLI children stop 5 s before this budget (test/helpers/cli.ts).
  it(
    'with credentials, cites the nftables default-drop policy under CoCo-9, and the missing ruleset as a fail',
    { timeout: LOADED_MACHINE_MS },
    async () => {
      const [good, bad] = await Promise.all([
        check('fwcred', firewalled.address, firewalled.caFile, connectionYaml('fwcred', firewalled.address, firewalled.caFile, firewalled)),
        check('opencred', open.address, open.caFile, connectionYaml('opencred', open.address, open.caFile, open)),
      ]);
      const policy = good.report?.findings.find((f) => f.id === 'host.firewall-policy');
      expect(policy?.status).toBe('pass');
      expect(policy?.message).toContain(
        'IPv4 and IPv6 deny by default: nftables, table inet cocoscan_lab, chain input (policy drop): other ports drop',
      );
      expect(policy?.evidence.source).toContain('verified against knownHosts');
      expect(row(good.report, 'CoCo-9')?.compliance).toBe('Yes');
      expect(row(good.report, 'CoCo-9')?.comment).toContain('(policy drop): other ports drop');
      expect(good.report?.artefacts.map((a) => a.path)).toContain('evidence/gateways/fwcred-gw/host/nft-ruleset.txt');
      const missing = bad.report?.findings.find((f) => f.id === 'host.firewall-policy');
      expect(missing?.status).toBe('fail');
      expect(missing?.message).toContain('empty ruleset');
      expect(row(bad.report, 'CoCo-9')?.compliance).toBe('No');
      // No credential material ends up in the report.
      const key = await readFile(firewalled.clientKeyFile, 'utf8');
      const body = key.split('\n').find((l) => l.length > 40 && !l.startsWith('-----'))!;
      expect(JSON.stringify(good.report)).not.toContain(body);
    },
  );

  it('gives CoCo-8 No naming the undeclared port, and CoCo-9 not Yes, for a gateway with no firewall', async () => {
    const result = await check('open', open.address, open.caFile);
    expect(result.code).toBe(1);
    const coco8 = row(result.report, 'CoCo-8');
    expect(coco8?.compliance).toBe('No');
    expect(coco8?.comment).toContain('8080/tcp');
    expect(coco8?.comment).toMatch(/nginx/);
    const coco9 = row(result.report, 'CoCo-9');
    expect(coco9?.compliance).not.toBe('Yes');
    expect(coco9?.comment).toMatch(/answered with a TCP reset/);
    const html = await readFile(join(result.out, 'report.html'), 'utf8');
    expect(html).toContain('Undeclared port 8080/tcp is open');
  });

  it('reports an unreachable host as Not assessed, never as compliant', async () => {
    const result = await check('gone', firewalled.silentAddress, firewalled.caFile);
    expect(result.code).toBe(4);
    expect(row(result.report, 'CoCo-8')?.compliance).toBe('Not assessed');
    expect(row(result.report, 'CoCo-9')?.compliance).toBe('Not assessed');
    expect(row(result.report, 'CoCo-9')?.comment).toMatch(/did not answer at all/);
    expect(result.stdout).toMatch(/Could not be tested/);
    // One short reason, the same on every finding the sweep decides, not nmap's own output on each.
    const swept = result.report!.findings.filter((f) => /^(exposure|firewall)\./.test(f.id));
    const reasons = new Set(swept.map((f) => f.message.replace(/^.*?: could not be checked: /, '')));
    expect(reasons.size).toBe(1);
    expect([...reasons][0]!.length).toBeLessThan(300);
  });

  it('does not take silence for a firewall: a gateway that answers on no swept port is Not assessed', async () => {
    // Only dropped ports are swept, and the declared flow is one of them: nothing at all comes back.
    const yaml = connectionYaml('silent', firewalled.address, firewalled.caFile)
      .replace(/flows:[\s\S]*?scan:/, 'flows:\n  - name: case-sync\n    protocol: https\n    port: 1000\nscan:')
      .replace(PORTS, '1000-1010');
    const result = await check('silent', firewalled.address, firewalled.caFile, yaml);
    expect(result.code).toBe(4);
    expect(row(result.report, 'CoCo-9')?.compliance).toBe('Not assessed');
    expect(row(result.report, 'CoCo-9')?.comment).toMatch(/answered on no port at all/);
    expect(row(result.report, 'CoCo-8')?.compliance).toBe('Not assessed');
    expect(row(result.report, 'CoCo-8')?.comment).toMatch(/did not answer on any swept port/);
  });

  it('sweeps several gateways in one nmap run, and an unreachable one never stops the others', async () => {
    const yaml = `connection: { name: many, mojSystem: M, thirdPartySystem: T, organisation: O }
gateways:
  - { name: fw-gw, host: ${firewalled.address} }
  - { name: open-gw, host: ${open.address} }
  - { name: gone-gw, host: ${firewalled.silentAddress} }
flows:
  - { name: case-sync, protocol: https, port: 443 }
  - { name: admin, protocol: ssh, port: 22 }
scan: { tcpPorts: "${PORTS}", udpTopPorts: 0, probeTimeoutSeconds: 3 }
tls: { trust: [ ${firewalled.caFile}, ${open.caFile} ] }
`;
    const result = await check('many', firewalled.address, firewalled.caFile, yaml);
    const undeclared = (gateway: string) =>
      result.report?.findings
        .filter((f) => f.id === 'exposure.undeclared-port' && f.target.gateway === gateway)
        .map((f) => `${f.status} ${f.target.port ?? ''}`);
    expect(undeclared('fw-gw')).toEqual(['pass ']);
    expect(undeclared('open-gw')).toEqual(['fail 8080']);
    expect(result.report?.findings.find((f) => f.id === 'exposure.undeclared-port' && f.target.gateway === 'gone-gw')?.message).toMatch(
      /did not answer at all/,
    );
    // Discovery splits the gateways among processes (one per core): a process of several keeps one run-wide file.
    const sweeps = result.report?.artefacts.map((a) => a.path).filter((p) => /nmap-sweep(-\d+)?\.xml$/.test(p));
    expect(sweeps?.some((p) => /^evidence\/nmap-sweep(-\d+)?\.xml$/.test(p)) || sweeps?.length === 3).toBe(true);
    expect(result.report?.rows.find((r) => r.ref === 'CoCo-8')?.compliance).toBe('No');
  });
});
