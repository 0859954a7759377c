import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connectionFileSchema } from '../../src/connection/schema.ts';
import { loadProfile } from '../../src/profile/load.ts';
import { runCheck } from '../../src/run-check.ts';
import { renderHtml } from '../../reports/html.ts';
import { startFakeTlsServer, type FakeBehaviour, type FakeTlsServer } from '../helpers/fake-tls-server.ts';
import { tempDir } from '../helpers/cli.ts';

// A profile with only the TLS row: the TLS probe runs alone, no nmap needed.
const PROFILE = `id: tls-only
version: "1"
title: TLS only
sections:
  - id: s
    title: S
    rows:
      - ref: A.12.3.1
        title: Cryptographic controls
        method: automated
        decidedBy: [tls.protocols, tls.cipher-suites, tls.key-exchange, tls.certificate-trust, tls.certificate-validity, tls.certificate-signature]
`;

let server: FakeTlsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function checkAgainst(behaviour: FakeBehaviour) {
  server = await startFakeTlsServer(behaviour);
  const dir = await tempDir();
  await writeFile(join(dir, 'tls-only.yaml'), PROFILE);
  const connection = connectionFileSchema.parse({
    connection: { name: 'hostile', mojSystem: 'M', thirdPartySystem: 'T', organisation: 'O' },
    gateways: [{ name: 'lo', host: '127.0.0.1' }],
    flows: [{ name: 'web', protocol: 'https', port: server.port }],
    scan: { probeTimeoutSeconds: 1 },
  });
  const started = Date.now();
  const { report } = await runCheck({ connection, profile: await loadProfile(join(dir, 'tls-only.yaml')) });
  return { report, seconds: (Date.now() - started) / 1000, findings: report.findings, row: report.rows.find((r) => r.ref === 'A.12.3.1')! };
}

describe('TLS probe against hostile servers: bounded errors, never a pass', () => {
  it('a port that accepts TCP and never speaks', async () => {
    const { findings, row, seconds } = await checkAgainst({ kind: 'silent' });
    expect(findings.every((f) => f.status === 'error')).toBe(true);
    expect(findings[0]?.message).toMatch(/no answer within 1000 ms after the ClientHello/);
    expect(row.compliance).toBe('Not assessed');
    expect(seconds).toBeLessThan(12);
  });

  it('a port that answers with garbage', async () => {
    const { findings, row } = await checkAgainst({ kind: 'garbage' });
    expect(findings.every((f) => f.status === 'error')).toBe(true);
    expect(findings[0]?.message).toMatch(/not TLS/);
    expect(row.compliance).toBe('Not assessed');
  });

  it('a server that resets mid-handshake', async () => {
    const { findings, row } = await checkAgainst({ kind: 'reset-mid-handshake' });
    expect(findings.every((f) => f.status === 'error')).toBe(true);
    expect(findings[0]?.message).toMatch(/refused every ClientHello \(connection reset/);
    expect(row.compliance).toBe('Not assessed');
  });

  it('a certificate that is not a certificate', async () => {
    const absurd = Buffer.concat([Buffer.from([0x30, 0x82, 0x01, 0x00]), Buffer.from('<script>alert(1)</script>'.repeat(10))]);
    const { findings, row, report } = await checkAgainst({ kind: 'hello-then-certificates', certificates: [absurd] });
    const certificate = findings.filter((f) => f.id.startsWith('tls.certificate'));
    expect(certificate.every((f) => f.status === 'error')).toBe(true);
    expect(certificate.find((f) => f.id === 'tls.certificate-name')?.message).toMatch(/cannot be parsed/);
    expect(findings.some((f) => f.status === 'pass')).toBe(false);
    expect(row.compliance).not.toBe('Yes');
    expect(renderHtml(report)).not.toContain('<script>alert');
  });

  it('a 1 MB certificate chain', async () => {
    const big = Array.from({ length: 16 }, () => Buffer.alloc(65_000, 0x41));
    const { findings, row, seconds } = await checkAgainst({ kind: 'hello-then-certificates', certificates: big });
    const certificate = findings.filter((f) => f.id.startsWith('tls.certificate'));
    expect(certificate.every((f) => f.status === 'error')).toBe(true);
    expect(findings.some((f) => f.status === 'pass')).toBe(false);
    expect(row.compliance).not.toBe('Yes');
    expect(seconds).toBeLessThan(20);
  });
});
