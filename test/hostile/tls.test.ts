import { withShippedThresholds } from '../helpers/test-profile.ts';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { connectionFileSchema } from '../../src/connection/schema.ts';
import { loadProfile } from '../../src/profile/load.ts';
import { runCheck } from '../../src/run-check.ts';
import { scanTls } from '../../src/tls/enumerate.ts';
import { renderHtml } from '../../reports/html.ts';
import {
  startFakeTlsServer,
  startTlsHttpServer,
  type EnumerableBehaviour,
  type FakeBehaviour,
  type FakeTlsServer,
  type HttpBehaviour,
  type RealTlsServer,
} from '../helpers/fake-tls-server.ts';
import { runTlsCheck, TLS_ONLY_PROFILE } from '../helpers/tls-check.ts';
import { makeChain, withNotAfter, type ChainSpec } from '../helpers/weak-pki.ts';
import { tempDir } from '../helpers/cli.ts';

let server: FakeTlsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

// The single checks that never read the certificate: they may pass on a server whose certificate is garbage
// (it does refuse SSLv2, it does not offer heartbeats). Every other finding must not.
const READS_NO_CERTIFICATE: ReadonlySet<string> = new Set([
  'tls.sslv2',
  'tls.sslv3',
  'tls.compression',
  'tls.secure-renegotiation',
  'tls.client-renegotiation',
  'tls.fallback-scsv',
  'tls.heartbleed',
]);
// Served without SNI does not apply when the gateway is an IP address, whatever the certificate.
const CERTIFICATE_READERS = (id: string) => id.startsWith('tls.certificate') && id !== 'tls.certificate-without-sni';

async function checkAgainst(behaviour: FakeBehaviour) {
  server = await startFakeTlsServer(behaviour);
  const dir = await tempDir();
  await writeFile(join(dir, 'tls-only.yaml'), withShippedThresholds(TLS_ONLY_PROFILE));
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

/** The findings about TLS itself: the upgrade step's does not apply to implicit TLS. */
const onTls = <F extends { id: string; status: string }>(findings: F[]): F[] => {
  expect(findings.find((f) => f.id === 'tls.starttls')?.status).toBe('not_applicable');
  return findings.filter((f) => f.id !== 'tls.starttls');
};

describe('TLS probe against hostile servers: bounded errors, never a pass', () => {
  it('a port that accepts TCP and never speaks', async () => {
    const { findings, row, seconds } = await checkAgainst({ kind: 'silent' });
    expect(onTls(findings).every((f) => f.status === 'error')).toBe(true);
    expect(onTls(findings)[0]?.message).toMatch(/no answer within 1000 ms after the ClientHello/);
    expect(row.compliance).toBe('Not assessed');
    expect(seconds).toBeLessThan(12);
  });

  it('a port that answers with garbage', async () => {
    const { findings, row } = await checkAgainst({ kind: 'garbage' });
    expect(onTls(findings).every((f) => f.status === 'error')).toBe(true);
    expect(onTls(findings)[0]?.message).toMatch(/not TLS/);
    expect(row.compliance).toBe('Not assessed');
  });

  it('a server that resets mid-handshake', async () => {
    const { findings, row } = await checkAgainst({ kind: 'reset-mid-handshake' });
    expect(onTls(findings).every((f) => f.status === 'error')).toBe(true);
    expect(onTls(findings)[0]?.message).toMatch(/refused every ClientHello \(connection reset/);
    expect(row.compliance).toBe('Not assessed');
  });

  it('a certificate that is not a certificate', async () => {
    const absurd = Buffer.concat([Buffer.from([0x30, 0x82, 0x01, 0x00]), Buffer.from('<script>alert(1)</script>'.repeat(10))]);
    const { findings, row, report } = await checkAgainst({ kind: 'hello-then-certificates', certificates: [absurd] });
    const certificate = findings.filter((f) => CERTIFICATE_READERS(f.id));
    expect(certificate.every((f) => f.status === 'error')).toBe(true);
    expect(certificate.find((f) => f.id === 'tls.certificate-name')?.message).toMatch(/cannot be parsed/);
    expect(findings.some((f) => f.status === 'pass' && !READS_NO_CERTIFICATE.has(f.id))).toBe(false);
    expect(row.compliance).not.toBe('Yes');
    expect(renderHtml(report)).not.toContain('<script>alert');
  });

  it('a 1 MB certificate chain', async () => {
    const big = Array.from({ length: 16 }, () => Buffer.alloc(65_000, 0x41));
    const { findings, row, seconds } = await checkAgainst({ kind: 'hello-then-certificates', certificates: big });
    const certificate = findings.filter((f) => CERTIFICATE_READERS(f.id));
    expect(certificate.every((f) => f.status === 'error')).toBe(true);
    expect(findings.some((f) => f.status === 'pass' && !READS_NO_CERTIFICATE.has(f.id))).toBe(false);
    expect(row.compliance).not.toBe('Yes');
    expect(seconds).toBeLessThan(20);
  });
});

describe('weakly signed chains from a real TLS server fail the signature check, naming the hash', () => {
  const servers: RealTlsServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  const weakSignatures =
    'MD5 leaf, SHA-1 intermediate, DSA-SHA1 and SHA-224 fail; ' +
    'SHA-256 passes even with a SHA-1 self-signed root, which is a trust anchor and not judged';
  it(weakSignatures, async () => {
    const specs: [string, ChainSpec, RegExp | undefined][] = [
      ['md5', { leafDigest: 'md5' }, /leaf CN=127\.0\.0\.1 \(RSA with MD5\)/],
      ['sha1-intermediate', { intermediateDigest: 'sha1' }, /chain certificate 2 CN=Test Intermediate \(RSA with SHA-1\)/],
      ['dsa-sha1', { intermediateKey: 'dsa', leafDigest: 'sha1' }, /leaf CN=127\.0\.0\.1 \(DSA with SHA-1\)/],
      ['sha224', { leafDigest: 'sha224' }, /leaf CN=127\.0\.0\.1 \(RSA with SHA-224\)/],
      ['sha256-with-sha1-root', { rootDigest: 'sha1' }, undefined],
    ];
    const chains = await Promise.all(specs.map(([, spec]) => makeChain(spec)));
    // The last server also sends its (SHA-1, self-signed) root.
    const started = await Promise.all(
      chains.map((c, i) =>
        startTlsHttpServer({
          key: c.leafKey,
          cert: i === chains.length - 1 ? c.served + c.root : c.served,
          http: { kind: 'answer', headers: ['Strict-Transport-Security: max-age=31536000; includeSubDomains'] },
        }),
      ),
    );
    servers.push(...started);
    const { find, seconds } = await runTlsCheck({
      flows: specs.map(([name], i) => ({ name, port: started[i]!.port })),
      trust: chains.map((c) => c.root),
    });
    specs.forEach(([name, , weak], i) => {
      const signature = find('tls.certificate-signature', started[i]!.port);
      if (weak) {
        expect(signature.status, `${name}: ${signature.message}`).toBe('fail');
        expect(signature.message).toMatch(weak);
      } else {
        expect(signature.status, signature.message).toBe('pass');
        expect(signature.evidence.actual).toContain('chain certificate 3 CN=Test Root: RSA with SHA-1 [trust anchor, not judged]');
      }
      // The other certificate findings stand on their own.
      expect(find('tls.certificate-validity', started[i]!.port).status).toBe('pass');
      if (name === 'dsa-sha1')
        expect(find('tls.certificate-key', started[i]!.port).message).toContain('chain certificate 2: DSA 1024 bits, a DSA key');
      expect(find('tls.hsts', started[i]!.port)).toMatchObject({
        status: 'pass',
        message: expect.stringContaining('max-age=31536000 (365 days), includeSubDomains, no preload'),
      });
    });
    expect(seconds).toBeLessThan(60);
  });
});

describe('a certificate whose date the parser rejects spoils its own endpoint only', () => {
  const servers: { close: () => Promise<void> }[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  it('gives error for that validity, keeps every other finding of every endpoint and gateway', async () => {
    const chain = await makeChain();
    const [leafDer, intermediateDer] = chain.der;
    const bad = await startFakeTlsServer({
      kind: 'hello-then-certificates',
      certificates: [withNotAfter(leafDer!, '991332235959Z'), intermediateDer!],
    });
    const http: HttpBehaviour = { kind: 'answer', headers: ['Strict-Transport-Security: max-age=63072000'] };
    const good = await startTlsHttpServer({ key: chain.leafKey, cert: chain.served, http });
    // The second gateway serves good TLS on both ports.
    const second = await Promise.all(
      [bad.port, good.port].map((port) => startTlsHttpServer({ key: chain.leafKey, cert: chain.served, http, host: '127.0.0.2', port })),
    );
    servers.push(bad, good, ...second);
    const { find, report } = await runTlsCheck({
      gateways: [
        { name: 'one', host: '127.0.0.1' },
        { name: 'two', host: '127.0.0.2' },
      ],
      flows: [
        { name: 'bad', port: bad.port },
        { name: 'good', port: good.port },
      ],
      trust: [chain.root],
    });
    const validity = find('tls.certificate-validity', bad.port, 'one');
    expect(validity.status).toBe('error');
    expect(validity.message).toContain('leaf: the time "991332235959Z" names no real date and time');
    expect(find('tls.certificate-key', bad.port, 'one')).toMatchObject({
      status: 'pass',
      message: expect.stringContaining('RSA 2048 bits'),
    });
    expect(find('tls.certificate-signature', bad.port, 'one').status).toBe('pass');
    expect(find('tls.certificate-expiring', bad.port, 'one').status).toBe('error');
    for (const [gateway, port] of [
      ['one', good.port],
      ['two', bad.port],
      ['two', good.port],
    ] as const) {
      for (const id of [
        'tls.protocols',
        'tls.certificate-trust',
        'tls.certificate-validity',
        'tls.certificate-signature',
        'tls.hsts',
      ] as const) {
        expect(find(id, port, gateway).status, `${gateway}:${port} ${id}: ${find(id, port, gateway).message}`).toBe('pass');
      }
    }
    expect(report.findings.some((f) => /Invalid time value|Cannot read prop/.test(f.message))).toBe(false);
  });
});

describe('a signature algorithm cocoscan does not know', () => {
  it('is an error naming the OID, never a pass', async () => {
    const chain = await makeChain();
    const sha256WithRsa = '06092a864886f70d01010b';
    const unknown = '06092a864886f70d010163'; // 1.2.840.113549.1.1.99
    const leaf = Buffer.from(chain.der[0]!.toString('hex').split(sha256WithRsa).join(unknown), 'hex');
    const { findings, row } = await checkAgainst({ kind: 'hello-then-certificates', certificates: [leaf, chain.der[1]!] });
    const signature = findings.find((f) => f.id === 'tls.certificate-signature')!;
    expect(signature.status).toBe('error');
    expect(signature.message).toContain('leaf: unknown signature algorithm OID 1.2.840.113549.1.1.99');
    expect(findings.find((f) => f.id === 'tls.certificate-key')?.status).toBe('pass');
    expect(row.compliance).not.toBe('Yes');
  });
});

describe('an enumeration cut short by resets, hang-ups or a lying server is an error, never a pass', () => {
  // TLS 1.3 only: three of the five TLS 1.3 suites, three groups, refusing the rest with handshake_failure.
  const polite: EnumerableBehaviour = { kind: 'enumerable', suites: [0x1301, 0x1302, 0x1303], groups: [29, 23, 24] };
  // What a polite server costs: one hello per older version, 3 suites + 1 refusal + 1 order check, 3 groups + 1 refusal.
  const POLITE_HANDSHAKES = 4 + 5 + 4;

  async function scanOnly(behaviour: EnumerableBehaviour) {
    server = await startFakeTlsServer(behaviour);
    const started = Date.now();
    const scan = await scanTls({ endpoint: { host: '127.0.0.1', port: server.port }, timeoutMs: 1000 });
    return {
      scan,
      tls13: scan.versions.find((v) => v.version === 'TLSv1.3')!,
      seconds: (Date.now() - started) / 1000,
      connections: server.connections(),
    };
  }

  it('a polite server that refuses the rest with an alert: complete lists and a pass', async () => {
    const { tls13, connections, scan } = await scanOnly(polite);
    expect(tls13).toMatchObject({ status: 'accepted', suites: [0x1301, 0x1302, 0x1303], groups: [29, 23, 24] });
    expect(tls13.incomplete).toBeUndefined();
    expect(scan.handshakes).toBe(POLITE_HANDSHAKES);
    expect(connections).toBe(POLITE_HANDSHAKES);
    await server!.close();
    const { findings } = await checkAgainst(polite);
    expect(findings.find((f) => f.id === 'tls.cipher-suites')?.status).toBe('pass');
    expect(findings.find((f) => f.id === 'tls.key-exchange')?.status).toBe('pass');
  });

  it('one reset in the middle is asked again once, and the lists come out whole', async () => {
    const { tls13, connections } = await scanOnly({ ...polite, cut: (nth) => (nth === 2 ? 'reset' : undefined) });
    expect(tls13).toMatchObject({ status: 'accepted', suites: [0x1301, 0x1302, 0x1303], groups: [29, 23, 24] });
    expect(tls13.incomplete).toBeUndefined();
    expect(connections).toBe(POLITE_HANDSHAKES + 1);
  });

  for (const cut of ['reset', 'hang-up'] as const) {
    it(`a limiter that cuts (${cut}) every connection after the second accepted ClientHello`, async () => {
      const behaviour: EnumerableBehaviour = { ...polite, cut: (nth) => (nth > 2 ? cut : undefined) };
      const { tls13, connections, seconds } = await scanOnly(behaviour);
      expect(tls13.suites).toEqual([0x1301, 0x1302]);
      expect(tls13.incomplete).toMatch(
        cut === 'reset'
          ? /suite enumeration stopped after 2 accepted suite\(s\): connection reset \(ECONNRESET\), twice in a row/
          : /closed the connection without an alert, twice in a row/,
      );
      // Bound: each cut step is asked at most twice: 4 older versions, 2 accepts + 2 suite asks, 1 order check, 2 group asks.
      expect(connections).toBeLessThanOrEqual(4 + 4 + 1 + 2);
      expect(seconds).toBeLessThan(10);
      await server!.close();
      const { findings, row } = await checkAgainst(behaviour);
      for (const id of ['tls.cipher-suites', 'tls.key-exchange']) {
        const finding = findings.find((f) => f.id === id)!;
        expect(finding.status, `${id}: ${finding.message}`).toBe('error');
        expect(finding.message).toMatch(/twice in a row/);
      }
      expect(row.compliance).not.toBe('Yes');
      expect(server!.connections()).toBeLessThanOrEqual(4 + 4 + 1 + 2 + 2);
    });
  }

  it('a reset during the group enumeration leaves the group list incomplete: key exchange is an error', async () => {
    // TLS 1.3 hellos 1-3 accept suites, 4 is refused, 5 checks the order, 6 accepts x25519, then every one is reset.
    const behaviour: EnumerableBehaviour = { ...polite, cut: (nth) => (nth > 6 ? 'reset' : undefined) };
    const { tls13, connections } = await scanOnly(behaviour);
    expect(tls13.suites).toEqual([0x1301, 0x1302, 0x1303]);
    expect(tls13.groups).toEqual([29]);
    expect(tls13.incomplete).toMatch(/group enumeration stopped after 1 accepted group\(s\): connection reset/);
    expect(connections).toBe(4 + 5 + 1 + 2);
    await server!.close();
    const { findings } = await checkAgainst(behaviour);
    expect(findings.find((f) => f.id === 'tls.key-exchange')).toMatchObject({
      status: 'error',
      message: expect.stringMatching(/group enumeration stopped/),
    });
  });

  it('a server that picks a group it was not offered is a protocol violation, not the end of the list', async () => {
    const behaviour: EnumerableBehaviour = { ...polite, ignoreGroupOffer: true };
    const { tls13, connections } = await scanOnly(behaviour);
    expect(tls13.groups).toEqual([29]);
    expect(tls13.incomplete).toMatch(/chose group x25519, which was not offered \(a protocol violation\)/);
    expect(connections).toBe(4 + 5 + 2);
    await server!.close();
    const { findings } = await checkAgainst(behaviour);
    expect(findings.find((f) => f.id === 'tls.key-exchange')).toMatchObject({
      status: 'error',
      message: expect.stringMatching(/not offered/),
    });
  });

  it('a server that refuses everything by hanging up, never with an alert (dovecot, slapd): the hang-up ends its lists', async () => {
    const { tls13, scan } = await scanOnly({ ...polite, silentRefusals: true });
    expect(tls13).toMatchObject({ status: 'accepted', suites: [0x1301, 0x1302, 0x1303], groups: [29, 23, 24] });
    expect(tls13.incomplete).toBeUndefined();
    expect(tls13.detail).toMatch(/refuses by hanging up, never with an alert/);
    expect(scan.versions.filter((v) => v.version !== 'TLSv1.3').map((v) => v.status)).toEqual([
      'rejected',
      'rejected',
      'rejected',
      'rejected',
    ]);
  });

  it('the same server behind a limiter that resets: resets never count as its refusals', async () => {
    const { tls13 } = await scanOnly({ ...polite, silentRefusals: true, cut: (nth) => (nth > 2 ? 'reset' : undefined) });
    expect(tls13.suites).toEqual([0x1301, 0x1302]);
    expect(tls13.incomplete).toMatch(/connection reset \(ECONNRESET\), twice in a row/);
  });

  it('an alert that is not a refusal (internal_error) does not end the list either', async () => {
    const { tls13 } = await scanOnly({ ...polite, refusalAlert: 80 });
    expect(tls13.suites).toEqual([0x1301, 0x1302, 0x1303]);
    expect(tls13.incomplete).toMatch(/alert internal_error, which is not a refusal/);
  });
});
