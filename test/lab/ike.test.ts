import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/report/schema.ts';
import { runCli, tempDir, writeConnection } from '../helpers/cli.ts';
import { agreement, cocoscanView, gatherIkeFor, ikeScanView } from './ike-agreement.ts';
import { labAvailability, startLabGateway, type LabGateway } from './lab.ts';
import { CHARON, LAB_IKE_ID } from './strongswan.ts';

const run = promisify(execFile);
const lab = await labAvailability();
const tools = await Promise.all(
  [CHARON, 'swanctl', 'ike-scan'].map((tool) =>
    run('sh', ['-c', `command -v ${tool}`]).then(
      () => undefined,
      () => tool,
    ),
  ),
);
const missing = tools.filter((t) => t !== undefined);
const reason = !lab.ok
  ? lab.reason
  : missing.length > 0
    ? `${missing.join(', ')} not installed (.ci/run and scripts/setup.mjs install them)`
    : '';
if (reason) console.warn(`[lab] skipping the IKE lab tests: ${reason}`);

/** An IPsec flow on 500/udp; 4500 is not declared. Only the declared UDP port is swept. */
async function check(gateway: LabGateway): Promise<RunReport> {
  const dir = await tempDir();
  const file = await writeConnection(
    dir,
    `connection: { name: ${gateway.name}, mojSystem: Case Management System, thirdPartySystem: Acme Case Portal, organisation: Acme Ltd }
gateways: [ { name: ${gateway.name}-gw, host: ${gateway.address} } ]
flows: [ { name: vpn, protocol: ipsec, port: 500, transport: udp } ]
scan: { tcpPorts: "22", udpTopPorts: 0, probeTimeoutSeconds: 3 }
snmp: { timeoutSeconds: 1 }
`,
  );
  const out = join(dir, 'out');
  const result = await runCli(['check', file, '--out', out, '--no-progress']);
  expect(result.stderr).toBe('');
  return JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as RunReport;
}

const findings = (report: RunReport, id: string) => report.findings.filter((f) => f.id === id);
const one = (report: RunReport, id: string) => {
  const found = findings(report, id);
  expect(found, id).toHaveLength(1);
  return found[0]!;
};
const row = (report: RunReport, ref: string) => report.rows.find((r) => r.ref === ref)?.compliance;

describe.skipIf(reason !== '')('IKE probe against strongSwan responders in lab gateways', () => {
  let modern: LabGateway;
  let legacy: LabGateway;
  let none: LabGateway;

  beforeAll(async () => {
    [modern, legacy, none] = await Promise.all([
      startLabGateway({ name: 'ikegood', services: [{ kind: 'strongswan', port: 500, ike: 'modern' }] }),
      startLabGateway({ name: 'ikebad', services: [{ kind: 'strongswan', port: 500, ike: 'legacy' }] }),
      // No IKE responder; closed UDP ports answer with ICMP at once.
      startLabGateway({ name: 'ikenone', services: [{ kind: 'sshd', port: 22 }], icmpRateLimitOff: true }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([modern?.stop(), legacy?.stop(), none?.stop()]);
  });

  it('says a declared IPsec flow with no responder was not tested, never passed', async () => {
    const report = await check(none);
    const ike = report.findings.filter((f) => f.id.startsWith('ike.'));
    expect(ike.map((f) => f.id).sort()).toEqual([
      'ike.aggressive-psk',
      'ike.dh-groups',
      'ike.ikev1',
      'ike.nat-t',
      'ike.vendor-ids',
      'ike.weak-transforms',
    ]);
    expect(new Set(ike.map((f) => f.status))).toEqual(new Set(['not_tested']));
    expect(one(report, 'ike.ikev1').message).toBe(
      'IKEv1 is not accepted: not tested: no IKE answer (500/udp: ICMP port unreachable: nothing listens on 500/udp; ' +
        '4500/udp: ICMP port unreachable: nothing listens on 4500/udp): nothing serves the declared IPsec flow, so there was nothing to check',
    );
    expect(row(report, 'A.12.3.1')).not.toBe('Yes');
  });

  it('fails the legacy responder: IKEv1, aggressive mode with a pre-shared key, 3DES and SHA-1, MODP-1024', async () => {
    const report = await check(legacy);
    const endpoint = `${legacy.address}:500/udp`;
    expect(one(report, 'ike.ikev1')).toMatchObject({
      status: 'fail',
      message: `${endpoint} accepts IKEv1 main mode: it chose 3DES, SHA-1, pre-shared key, MODP-1024 (IKEv1 is obsolete, RFC 9395; use IKEv2)`,
    });
    expect(one(report, 'ike.aggressive-psk')).toMatchObject({
      status: 'fail',
      message:
        `${endpoint} answers IKEv1 aggressive mode with a pre-shared key (3DES, SHA-1, pre-shared key, MODP-1024), as "${LAB_IKE_ID}": ` +
        'its hash (HASH_R, 20 bytes) can be cracked offline to recover the key, with no log-on attempt the gateway would see',
    });
    expect(one(report, 'ike.weak-transforms')).toMatchObject({
      status: 'fail',
      message: `${endpoint} accepts IKEv2 3DES, IKEv2 PRF-HMAC-SHA-1, IKEv2 HMAC-SHA1-96, IKEv1 3DES, IKEv1 SHA-1`,
    });
    expect(one(report, 'ike.dh-groups')).toMatchObject({
      status: 'fail',
      message: `${endpoint} accepts IKEv2 MODP-1024, IKEv1 MODP-1024, below 2048-bit MODP or 256-bit elliptic curve`,
    });
    expect(one(report, 'ike.vendor-ids').message).toBe(
      `${legacy.address}: vendor IDs XAUTH (09002689dfd6b712), Dead Peer Detection v1.0 (afcad71368a1f1c96b8696fc77570100)`,
    );
    expect(one(report, 'ike.nat-t').message).toBe(
      `${legacy.address}: IKE answers on 4500/udp (NAT traversal, RFC 3948); ` +
        'the responder returned NAT detection payloads (it supports NAT traversal)',
    );
    // 4500 answers IKE and no flow declares it: exposure, though the sweep never looked there.
    const undeclared = findings(report, 'exposure.undeclared-port');
    expect(undeclared.map((f) => `${f.status} ${f.target.port}/${f.target.transport}`)).toEqual(['fail 4500/udp']);
    expect(undeclared[0]?.message).toBe(
      `Undeclared port 4500/udp is open on ${legacy.address}: ipsec (the ike probe received an IKE answer there; not in the sweep)`,
    );
    for (const ref of ['A.12.3.1', 'A.11.4.2', 'A.11.4.1']) expect(row(report, ref), ref).toBe('No');
  });

  it('passes the modern responder and names what it accepts', async () => {
    const report = await check(modern);
    const endpoint = `${modern.address}:500/udp`;
    expect(one(report, 'ike.ikev1')).toMatchObject({
      status: 'pass',
      message: `${endpoint} refuses IKEv1 main mode (NO-PROPOSAL-CHOSEN to offers of common and modern suites)`,
    });
    expect(one(report, 'ike.aggressive-psk')).toMatchObject({
      status: 'pass',
      message: `${endpoint} refuses IKEv1 aggressive mode with a pre-shared key (NO-PROPOSAL-CHOSEN with groups 2, 14, 5, 19, 20, 15, 16, 21)`,
    });
    expect(one(report, 'ike.weak-transforms')).toMatchObject({
      status: 'pass',
      message: `${endpoint} accepts none of DES, 3DES, MD5, SHA-1; accepted: IKEv2 AES-GCM-256, IKEv2 PRF-HMAC-SHA-256, IKEv2 PRF-HMAC-SHA-384`,
    });
    expect(one(report, 'ike.dh-groups')).toMatchObject({
      status: 'pass',
      message: `${endpoint} accepts only IKEv2 MODP-2048, IKEv2 ECP-256, IKEv2 ECP-384 (at least 2048-bit MODP or 256-bit elliptic curve)`,
    });
    expect(one(report, 'ike.vendor-ids').message).toBe(`${modern.address}: no vendor ID in any answer`);
    expect(row(report, 'A.12.3.1')).not.toBe('No');
  });

  it('agrees with ike-scan on main mode, aggressive mode and IKEv2 for both responders', async () => {
    for (const gateway of [legacy, modern]) {
      const facts = await gatherIkeFor(gateway.address);
      const port = facts.ports.find((p) => p.port === 500);
      expect(port?.answered, gateway.name).toBe(true);
      const result = agreement(cocoscanView(port!), await ikeScanView(gateway.address));
      expect(result.differing, gateway.name).toEqual([]);
      expect(result.agreed).toBe(3);
    }
  });
});
