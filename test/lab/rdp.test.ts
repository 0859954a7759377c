import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RdpEndpointAudit } from '../../src/rdp/audit-endpoint.ts';
import { labGateway, runLabCheck, type LabCheckResult } from './check-run.ts';
import { labAvailability, startLabGateway, type LabGateway } from './lab.ts';

const run = promisify(execFile);
const lab = existsSync('/usr/sbin/xrdp')
  ? await labAvailability()
  : { ok: false as const, reason: 'xrdp is not installed (apt-get install xrdp)' };
if (!lab.ok) console.warn(`[lab] skipping the xrdp lab test: ${lab.reason}`);

/** A whole check of three RDP ports, on a loaded 2-core machine. */
const LOADED_MACHINE_MS = 180_000;
/** nmap's rdp-enum-encryption on two ports: eight connections each, 0.2 s apart. */
const NMAP_MS = 60_000;

const STANDARD_LOW = 3389;
const TLS_ONLY = 3390;
const NEGOTIATE_HIGH = 3391;
/** No flow declares it: found by the sweep, which nmap names ms-wbt-server. */
const UNDECLARED = 3395;

/** What nmap's rdp-enum-encryption prints for one port (debug output, so failures are listed too). */
interface NmapRdp {
  layers: Map<string, string>;
  level?: string;
  methods: string[];
}

function parseNmapRdp(output: string, port: number): NmapRdp {
  const block = output.split(/\n(?=\d+\/tcp )/).find((b) => b.startsWith(`${port}/tcp`)) ?? '';
  const layers = new Map(
    [...block.matchAll(/^\|\s+(Native RDP|SSL|CredSSP with Early User Auth|CredSSP \(NLA\)|RDSTLS): (\w+)/gm)].map((m) => [m[1]!, m[2]!]),
  );
  const level = /RDP Encryption level: (.+)$/m.exec(block)?.[1]?.trim();
  const methods = [...block.matchAll(/^\|_?\s+(40-bit RC4|56-bit RC4|128-bit RC4|FIPS 140-1): SUCCESS/gm)].map((m) => m[1]!);
  return { layers, ...(level ? { level } : {}), methods };
}

/** Our names for what nmap prints. */
const NMAP_LEVELS = new Map([
  ['Low', 'low'],
  ['Client Compatible', 'client compatible'],
  ['High', 'high'],
  ['FIPS Compliant', 'FIPS'],
]);
const NMAP_METHODS = new Map([
  ['40-bit RC4', '40-bit'],
  ['56-bit RC4', '56-bit'],
  ['128-bit RC4', '128-bit'],
  ['FIPS 140-1', 'fips'],
]);

describe.skipIf(!lab.ok)("Debian's xrdp: security layers and standard RDP security's encryption (real xrdp, nmap)", () => {
  let gateway: LabGateway;
  let check: LabCheckResult;
  const audit = async (port: number) =>
    JSON.parse(await readFile(join(check.out, 'evidence/gateways/rdp-gw', `rdp-${port}.json`), 'utf8')) as RdpEndpointAudit;
  const at = (id: string, port: number) => check.report.findings.find((f) => f.id === id && f.target.port === port);

  beforeAll(async () => {
    gateway = await startLabGateway({
      name: 'rdp',
      services: [
        { kind: 'xrdp', port: STANDARD_LOW, security: 'rdp', crypt: 'low' },
        { kind: 'xrdp', port: TLS_ONLY, security: 'tls', crypt: 'high' },
        { kind: 'xrdp', port: NEGOTIATE_HIGH, security: 'negotiate', crypt: 'high' },
        { kind: 'xrdp', port: UNDECLARED, security: 'rdp', crypt: 'fips' },
      ],
    });
    check = await runLabCheck({
      name: 'rdp',
      gateways: [labGateway(gateway, { name: 'rdp-gw' })],
      flows: [
        `{ name: legacy-desktop, protocol: rdp, port: ${STANDARD_LOW} }`,
        `{ name: tls-desktop, protocol: rdp, port: ${TLS_ONLY} }`,
        `{ name: admin-desktop, protocol: rdp, port: ${NEGOTIATE_HIGH} }`,
      ],
      tcpPorts: '3380-3400',
      extra: `tls:\n  trust: [${gateway.caFile}]\n`,
    });
  }, LOADED_MACHINE_MS);
  afterAll(async () => {
    await gateway?.stop();
  });

  it('fails standard RDP security with 40-bit RC4 and no CredSSP (security_layer=rdp, crypt_level=low)', () => {
    const where = `legacy-desktop (${gateway.address}:${STANDARD_LOW})`;
    expect(at('rdp.standard-security', STANDARD_LOW)?.message).toBe(
      `${where} accepts standard RDP security, RDP's own RC4 encryption with no server authentication: ` +
        'asked for standard RDP security: chose standard RDP security; asked for TLS: chose standard RDP security; ' +
        'asked for CredSSP (NLA): chose standard RDP security; ' +
        'asked for CredSSP with Early User Authorization (NLA): chose standard RDP security',
    );
    expect(at('rdp.standard-security', STANDARD_LOW)?.status).toBe('fail');
    const nla = at('rdp.nla', STANDARD_LOW);
    expect(nla?.status).toBe('fail');
    expect(nla?.message).toMatch(/CredSSP is not offered at all \(.*\); xrdp, for one, does not implement CredSSP$/);
    const encryption = at('rdp.encryption', STANDARD_LOW);
    expect(encryption).toMatchObject({ status: 'fail', data: { methodsUsed: ['40-bit'], level: 'low', version: 'RDP 5.x to 8.x' } });
    expect(encryption?.message).toBe(
      `${where} encrypts standard RDP security with 40-bit RC4 (encryption level low; methods used: 40-bit RC4)`,
    );
  });

  it('passes standard security refused on TLS-only xrdp, fails NLA, and the TLS probe audits its TLS', () => {
    const where = `tls-desktop (${gateway.address}:${TLS_ONLY})`;
    expect(at('rdp.standard-security', TLS_ONLY)).toMatchObject({
      status: 'pass',
      message: expect.stringMatching(
        new RegExp(
          `^${where.replace(/[.()]/g, '\\$&')} refuses standard RDP security: ` +
            'asked for standard RDP security: refused \\(SSL_REQUIRED_BY_SERVER\\)',
        ),
      ),
    });
    // The HYBRID refusal path: xrdp answers a request for CredSSP with SSL_REQUIRED_BY_SERVER.
    expect(at('rdp.nla', TLS_ONLY)?.message).toBe(
      `${where} starts a session without Network Level Authentication (asked for TLS, chose TLS), ` +
        'so anyone reaches its log-on screen; ' +
        'CredSSP is not offered at all (asked for CredSSP (NLA): refused (SSL_REQUIRED_BY_SERVER); ' +
        'asked for CredSSP with Early User Authorization (NLA): refused (SSL_REQUIRED_BY_SERVER)); ' +
        'xrdp, for one, does not implement CredSSP',
    );
    expect(at('rdp.encryption', TLS_ONLY)?.status).toBe('not_applicable');
    // TLS after RDP's negotiation: the lab CA's certificate, TLS 1.2 and 1.3 only.
    expect(at('tls.protocols', TLS_ONLY)?.status).toBe('pass');
    expect(at('tls.certificate-trust', TLS_ONLY)?.status).toBe('pass');
  });

  it('negotiate: standard security at the high level (128-bit) beside TLS; the TLS probe reaches its TLS too', () => {
    expect(at('rdp.standard-security', NEGOTIATE_HIGH)?.status).toBe('fail');
    expect(at('rdp.nla', NEGOTIATE_HIGH)?.status).toBe('fail');
    expect(at('rdp.encryption', NEGOTIATE_HIGH)).toMatchObject({ status: 'pass', data: { methodsUsed: ['128-bit'], level: 'high' } });
    expect(at('tls.protocols', NEGOTIATE_HIGH)?.status).toBe('pass');
    // On the standard-only port the TLS probe finds no TLS to audit: RDP's own RC4 instead.
    expect(at('tls.starttls', STANDARD_LOW)?.status).toBe('fail');
  });

  it('audits RDP the sweep finds on a port no flow declares', () => {
    expect(at('rdp.standard-security', UNDECLARED)).toMatchObject({
      status: 'fail',
      message: expect.stringMatching(/^undeclared RDP \(.+:3395\) accepts standard RDP security/),
    });
    expect(at('rdp.encryption', UNDECLARED)).toMatchObject({ status: 'pass', data: { methodsUsed: ['fips'], level: 'FIPS' } });
  });

  it('decides the MoJ rows of secure log-on, remote access and cryptography', () => {
    for (const ref of ['A.11.4.2', 'A.11.5.1', 'A.12.3.1']) {
      const row = check.report.rows.find((r) => r.ref === ref);
      expect(row?.compliance, ref).toBe('No');
      expect(row?.findings, ref).toContain(`rdp.standard-security@rdp-gw/${STANDARD_LOW}/tcp`);
    }
  });

  it("agrees with nmap's rdp-enum-encryption on the same servers", { timeout: NMAP_MS }, async () => {
    const ports = [STANDARD_LOW, NEGOTIATE_HIGH];
    // "+": the script's portrule wants 3389 or nmap's ms-wbt-server name, which needs -sV; it runs on these ports only.
    const { stdout } = await run(
      'nmap',
      ['-Pn', '-n', '-d', '-p', ports.join(','), '--script', '+rdp-enum-encryption', '--script-timeout', '40s', gateway.address],
      { timeout: NMAP_MS - 5000 },
    );
    for (const port of ports) {
      const nmap = parseNmapRdp(stdout, port);
      const ours = await audit(port);
      // nmap counts any RDP_NEG_RSP as SUCCESS, whichever protocol it selects; ours keeps the selection.
      const nmapLayer = { rdp: 'Native RDP', ssl: 'SSL', hybridEx: 'CredSSP with Early User Auth' } as const;
      for (const [layer, name] of Object.entries(nmapLayer)) {
        const attempt = ours.layers.find((l) => l.layer === layer);
        expect(nmap.layers.get(name) === 'SUCCESS', `${port} ${name}`).toBe(attempt?.answer?.kind === 'selected');
      }
      const encryption = at('rdp.encryption', port);
      expect(NMAP_LEVELS.get(nmap.level ?? ''), `${port} level`).toBe(encryption?.data?.level);
      expect(
        nmap.methods.map((m) => NMAP_METHODS.get(m)),
        `${port} methods`,
      ).toEqual(encryption?.data?.methodsAcceptedAlone);
    }
  });
});
