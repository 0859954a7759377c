/**
 * Accuracy defects of issue 17, each against the real server that showed it, in one lab gateway's namespace:
 * openssl s_server (no HTTP answer, static RSA only, each certificate defect alone, DH sized per suite),
 * slapd (GnuTLS, RFC 7919 groups only), vsftpd (alert then "500 OOPS") and dovecot (no DH parameters).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../src/findings.ts';
import { runTlsCheck } from '../helpers/tls-check.ts';
import { labAvailability, startLabGateway, type LabGateway } from './lab.ts';
import { startAccuracyServers, type AccuracyLab } from './tls-servers.ts';

const lab = await labAvailability();
if (!lab.ok) console.warn(`[lab] skipping the TLS accuracy tests: ${lab.reason}`);

const PORTS = {
  tls13Only: 4431,
  staticRsaMisordered: 4432,
  otherName: 4433,
  expired: 4434,
  untrusted: 4435,
  incomplete: 4436,
  dhPerSuite: 4437,
  slapd: 636,
  vsftpd: 990,
  dovecot: 993,
} as const;

describe.skipIf(!lab.ok)('TLS accuracy on real servers (issue 17)', () => {
  let gateway: LabGateway;
  let servers: AccuracyLab;
  let find: (id: string, port: number) => Finding;

  beforeAll(async () => {
    gateway = await startLabGateway({ name: 'tlsacc', services: [] });
    servers = await startAccuracyServers(gateway.namespace, gateway.address, [
      { kind: 's_server', port: PORTS.tls13Only, chain: 'good', args: ['-tls1_3'] },
      {
        kind: 's_server',
        port: PORTS.staticRsaMisordered,
        chain: 'misordered',
        args: ['-tls1_2', '-cipher', 'AES128-GCM-SHA256:AES256-SHA'],
      },
      { kind: 's_server', port: PORTS.otherName, chain: 'otherName' },
      { kind: 's_server', port: PORTS.expired, chain: 'expired' },
      { kind: 's_server', port: PORTS.untrusted, chain: 'untrusted' },
      { kind: 's_server', port: PORTS.incomplete, chain: 'incomplete' },
      {
        kind: 's_server',
        port: PORTS.dhPerSuite,
        chain: 'good',
        // OpenSSL sizes automatic DH by the suite: 2048 bits beside a 2048-bit RSA key, 1024 for a 128-bit anonymous suite.
        args: ['-tls1_2', '-serverpref', '-cipher', 'DHE-RSA-AES256-GCM-SHA384:ADH-AES128-SHA:@SECLEVEL=0'],
      },
      { kind: 'slapd', port: PORTS.slapd, priority: 'NORMAL:-KX-ALL:+DHE-RSA:-VERS-TLS1.3' },
      { kind: 'vsftpd', port: PORTS.vsftpd },
      { kind: 'dovecot', port: PORTS.dovecot },
    ]);
    const result = await runTlsCheck({
      gateways: [{ name: 'acc', host: gateway.address }],
      flows: [
        ...['staticRsaMisordered', 'otherName', 'expired', 'untrusted', 'incomplete', 'dhPerSuite'].map((name) => ({
          name,
          port: PORTS[name as keyof typeof PORTS],
          protocol: 'https',
        })),
        { name: 'directory', port: PORTS.slapd, protocol: 'ldaps' },
        { name: 'files', port: PORTS.vsftpd, protocol: 'ftps' },
        { name: 'mail', port: PORTS.dovecot, protocol: 'imaps' },
      ],
      trust: [servers.pki.rootPem],
      probeTimeoutSeconds: 3,
    });
    // Alone, so that nothing else on the gateway orders its connections: s_server serves one at a time.
    const alone = await runTlsCheck({
      gateways: [{ name: 'acc', host: gateway.address }],
      flows: [{ name: 'tls13Only', port: PORTS.tls13Only, protocol: 'https' }],
      trust: [servers.pki.rootPem],
      probeTimeoutSeconds: 3,
    });
    find = (id, port) => (port === PORTS.tls13Only ? alone : result).find(id as Parameters<typeof result.find>[0], port);
  }, 120_000);

  afterAll(async () => {
    await servers?.stop();
    await gateway?.stop();
  });

  const status = (port: number, ids: string[]) => Object.fromEntries(ids.map((id) => [id, find(id, port).status]));
  const CERTIFICATE = ['trust', 'name', 'validity', 'expiring', 'key', 'signature', 'chain-order'].map((c) => `tls.certificate-${c}`);

  it('1. s_server, which never answers GET /: every finding is a verdict of its own, HSTS alone says why', () => {
    expect(status(PORTS.tls13Only, ['tls.protocols', 'tls.cipher-suites', 'tls.key-exchange', ...CERTIFICATE])).toEqual({
      'tls.protocols': 'pass',
      'tls.cipher-suites': 'pass',
      'tls.key-exchange': 'pass',
      'tls.certificate-trust': 'pass',
      'tls.certificate-name': 'pass',
      'tls.certificate-validity': 'pass',
      'tls.certificate-expiring': 'pass',
      'tls.certificate-key': 'pass',
      'tls.certificate-signature': 'pass',
      // TLS 1.3 encrypts the certificate message: the probe decrypts its own handshake to read the order as sent.
      'tls.certificate-chain-order': 'pass',
    });
    expect(find('tls.hsts', PORTS.tls13Only)).toMatchObject({ status: 'error', message: expect.stringMatching(/GET \//) });
  });

  it('2. static-RSA suites only: the chain order is read and the misordered chain is found', () => {
    expect(find('tls.certificate-chain-order', PORTS.staticRsaMisordered)).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('certificate 1 is followed by certificate 2, but its issuer is certificate 3'),
    });
    expect(find('tls.certificate-trust', PORTS.staticRsaMisordered).status).toBe('pass');
  });

  it('3. name, expiry, untrusted issuer and incomplete chain are each their own finding', () => {
    expect(status(PORTS.otherName, ['tls.certificate-name', 'tls.certificate-trust', 'tls.certificate-validity'])).toEqual({
      'tls.certificate-name': 'fail',
      'tls.certificate-trust': 'pass',
      'tls.certificate-validity': 'pass',
    });
    expect(find('tls.certificate-name', PORTS.otherName).message).toContain('elsewhere.invalid');
    expect(status(PORTS.expired, ['tls.certificate-name', 'tls.certificate-trust', 'tls.certificate-validity'])).toEqual({
      'tls.certificate-name': 'pass',
      'tls.certificate-trust': 'pass',
      'tls.certificate-validity': 'fail',
    });
    expect(status(PORTS.untrusted, ['tls.certificate-name', 'tls.certificate-trust', 'tls.certificate-validity'])).toEqual({
      'tls.certificate-name': 'pass',
      'tls.certificate-trust': 'fail',
      'tls.certificate-validity': 'pass',
    });
    expect(find('tls.certificate-trust', PORTS.untrusted).message).toMatch(
      /the chain ends at the self-signed CN=cocoscan stranger root, which is not in the trust store/,
    );
    expect(status(PORTS.incomplete, ['tls.certificate-name', 'tls.certificate-trust', 'tls.certificate-validity'])).toEqual({
      'tls.certificate-name': 'pass',
      'tls.certificate-trust': 'fail',
      'tls.certificate-validity': 'pass',
    });
    expect(find('tls.certificate-trust', PORTS.incomplete).message).toMatch(
      /incomplete chain: .* is issued by CN=cocoscan accuracy intermediate, which the server did not send/,
    );
  });

  it('4. DH is read per DHE suite: the 1024-bit anonymous DH beside 2048-bit DHE-RSA is found', () => {
    expect(find('tls.key-exchange', PORTS.dhPerSuite)).toMatchObject({
      status: 'fail',
      message: expect.stringMatching(/TLSv1\.2 DHE 1024-bit with TLS_DH_anon_WITH_AES_128_CBC_SHA/),
    });
    expect(find('tls.key-exchange', PORTS.dhPerSuite).message).not.toMatch(/2048-bit with/);
  });

  it('5. slapd (GnuTLS, no DH parameters of its own) answers DHE once RFC 7919 groups are offered; they are enumerated', () => {
    const keyExchange = find('tls.key-exchange', PORTS.slapd);
    expect(keyExchange.status, keyExchange.message).toBe('pass');
    expect(keyExchange.message).toMatch(/TLSv1\.2: ffdhe2048, ffdhe3072, ffdhe4096, ffdhe6144, ffdhe8192, DHE 2048-bit/);
    expect(find('tls.cipher-suites', PORTS.slapd).status).not.toBe('error');
  });

  it('6. vsftpd: an alert followed by "500 OOPS" is a refusal, not "not TLS"', () => {
    expect(find('tls.protocols', PORTS.vsftpd)).toMatchObject({
      status: 'pass',
      message: expect.stringMatching(/accepts TLSv1\.2, TLSv1\.3; nothing older/),
    });
    expect(find('tls.cipher-suites', PORTS.vsftpd).status).not.toBe('error');
  });

  it('7. dovecot without DH parameters: TLS 1.2 is accepted (ECDHE), so its CBC suites fail the CBC check', () => {
    expect(find('tls.protocols', PORTS.dovecot).message).toMatch(/accepts TLSv1\.2, TLSv1\.3/);
    expect(find('tls.cbc-suites', PORTS.dovecot)).toMatchObject({
      status: 'fail',
      message: expect.stringMatching(/TLS_ECDHE_RSA_WITH_AES_(128|256)_CBC_SHA/),
    });
    // dovecot refuses by hanging up, never with an alert: its lists still end, complete.
    expect(status(PORTS.dovecot, ['tls.cipher-suites', 'tls.key-exchange'])).toEqual({
      'tls.cipher-suites': 'pass',
      'tls.key-exchange': 'pass',
    });
  });
});
