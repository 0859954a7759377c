import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/report/schema.ts';
import { runCli, tempDir, writeConnection } from '../helpers/cli.ts';
import { labAvailability, startLabGateway, type LabGateway } from './lab.ts';

const run = promisify(execFile);
const lab = await labAvailability();
const sslscanPresent = await run('sslscan', ['--version']).then(
  () => true,
  () => false,
);
if (!lab.ok) console.warn(`[lab] skipping the TLS lab tests: ${lab.reason}`);
else if (!sslscanPresent) console.warn('[lab] sslscan is not installed: the agreement test is skipped (.ci/run installs it)');

interface Checked {
  code: number | null;
  report: RunReport;
  summary: { versions: { version: string; status: string; incomplete?: string; suites: { code: string }[]; groups: string[] }[] };
}

async function check(gateway: LabGateway): Promise<Checked> {
  const dir = await tempDir();
  const file = await writeConnection(
    dir,
    `connection: { name: ${gateway.name}, mojSystem: Case Management System, thirdPartySystem: Acme Case Portal, organisation: Acme Ltd }
gateways: [ { name: ${gateway.name}-gw, host: ${gateway.address} } ]
flows: [ { name: case-sync, protocol: https, port: 443 } ]
scan: { tcpPorts: "443", udpTopPorts: 0 }
tls: { trust: [ ${gateway.caFile} ] }
`,
  );
  const out = join(dir, 'out');
  const result = await runCli(['check', file, '--out', out, '--no-progress']);
  expect(result.stderr).toBe('');
  const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as RunReport;
  const summary = JSON.parse(await readFile(join(out, `evidence/gateways/${gateway.name}-gw/tls-443.json`), 'utf8'));
  return { code: result.code, report, summary };
}

/** Accepted (version, suite id) pairs as sslscan reports them. */
async function sslscanAccepted(address: string): Promise<string[]> {
  const { stdout } = await run('sslscan', ['--no-colour', '--show-sigs', '--xml=-', `${address}:443`], { maxBuffer: 8 * 1024 * 1024 });
  const xml = stdout.slice(stdout.indexOf('<?xml'));
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => name === 'cipher' });
  const doc = parser.parse(xml) as { document: { ssltest: { cipher?: { status: string; sslversion: string; id: string }[] } } };
  const ciphers = doc.document.ssltest.cipher ?? [];
  return ciphers
    .filter((c) => c.status === 'accepted' || c.status === 'preferred')
    .map((c) => `${c.sslversion}:${c.id.toLowerCase()}`)
    .sort();
}

function ours(summary: Checked['summary']): string[] {
  return summary.versions.flatMap((v) => v.suites.map((s) => `${v.version}:${s.code.toLowerCase()}`)).sort();
}

const row = (report: RunReport, ref: string) => report.rows.find((r) => r.ref === ref);

describe.skipIf(!lab.ok)('TLS probe against real nginx in lab gateways', () => {
  let modern: LabGateway;
  let legacy: LabGateway;
  let good: Checked;
  let bad: Checked;

  beforeAll(async () => {
    [modern, legacy] = await Promise.all([
      startLabGateway({ name: 'tlsgood', services: [{ kind: 'nginx-https', port: 443, tls: 'modern' }] }),
      startLabGateway({ name: 'tlsbad', services: [{ kind: 'nginx-https', port: 443, tls: 'legacy' }] }),
    ]);
    [good, bad] = await Promise.all([check(modern), check(legacy)]);
  });

  afterAll(async () => {
    await Promise.all([modern?.stop(), legacy?.stop()]);
  });

  it('gives A.12.3.1 Yes for TLS 1.2/1.3, ECDHE with AEAD and a valid chain from the trusted lab CA', () => {
    const a12 = row(good.report, 'A.12.3.1');
    expect(a12?.compliance, a12?.comment).toBe('Yes');
    const statuses = Object.fromEntries(good.report.findings.filter((f) => f.probe === 'tls').map((f) => [f.id, f.status]));
    expect(statuses).toMatchObject({
      'tls.protocols': 'pass',
      'tls.cipher-suites': 'pass',
      'tls.cbc-suites': 'pass',
      'tls.key-exchange': 'pass',
      'tls.certificate-trust': 'pass',
      'tls.certificate-name': 'pass',
      'tls.certificate-validity': 'pass',
      'tls.certificate-signature': 'pass',
      'tls.hsts': 'pass',
    });
    expect(good.summary.versions.filter((v) => v.status === 'accepted').map((v) => v.version)).toEqual(['TLSv1.2', 'TLSv1.3']);
  });

  it('gives A.12.3.1 No naming TLS 1.0, the expired certificate and the weakest suite for the legacy gateway', () => {
    const a12 = row(bad.report, 'A.12.3.1');
    expect(a12?.compliance).toBe('No');
    expect(a12?.comment).toContain('TLSv1.0');
    expect(a12?.comment).toMatch(/expired on \d{4}-\d{2}-\d{2}/);
    expect(a12?.comment).toMatch(/the weakest TLS_\w+/);
    const failing = bad.report.findings.filter((f) => f.status === 'fail').map((f) => f.id);
    expect(failing).toEqual(
      expect.arrayContaining([
        'tls.protocols',
        'tls.cipher-suites',
        'tls.cbc-suites',
        'tls.certificate-validity',
        'tls.certificate-signature',
        'tls.hsts',
      ]),
    );
    expect(bad.report.findings.find((f) => f.id === 'tls.certificate-signature')?.message).toContain('SHA-1');
    // The PEM chain is kept as evidence.
    expect(bad.report.artefacts.map((a) => a.path)).toContain('evidence/gateways/tlsbad-gw/tls-443-chain.pem');
  });

  it.skipIf(!sslscanPresent)('accepts exactly the protocol and suite sets sslscan reports for the same endpoints', async () => {
    const [goodScan, badScan] = await Promise.all([sslscanAccepted(modern.address), sslscanAccepted(legacy.address)]);
    expect(goodScan.length).toBeGreaterThan(0);
    expect(badScan.length).toBeGreaterThan(goodScan.length);
    expect(ours(good.summary)).toEqual(goodScan);
    expect(ours(bad.summary)).toEqual(badScan);
    // nginx (OpenSSL) ends every suite and group list with a refusal alert, so no list is marked incomplete.
    for (const summary of [good.summary, bad.summary])
      expect(summary.versions.filter((v) => v.incomplete).map((v) => `${v.version}: ${v.incomplete}`)).toEqual([]);
  });
});
