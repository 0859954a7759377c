import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../src/findings.ts';
import { gatherTlsChecks } from '../../src/tls/checks/gather-checks.ts';
import { inspectTlsEndpoint } from '../../src/tls/inspect-endpoint.ts';
import { runTlsCheck } from '../helpers/tls-check.ts';
import { labAvailability, startLabGateway, type LabGateway } from './lab.ts';
import { makeChecksPki, type ChecksPki } from './tls-checks-pki.ts';
import { CHECK_PORTS, startChecksServers, type ChecksServers } from './tls-checks-servers.ts';

const lab = await labAvailability();
if (!lab.ok) console.warn(`[lab] skipping the TLS single-check lab tests: ${lab.reason}`);

describe.skipIf(!lab.ok)('TLS single checks against real servers in a lab gateway', () => {
  let gateway: LabGateway;
  let servers: ChecksServers;
  let pki: ChecksPki;
  let dir: string;
  let find: (id: Parameters<Awaited<ReturnType<typeof runTlsCheck>>['find']>[0], port: number) => Finding;

  beforeAll(async () => {
    gateway = await startLabGateway({ name: 'tlschecks', services: [] });
    dir = await mkdtemp(join(tmpdir(), 'cocoscan-tls-checks-'));
    pki = await makeChecksPki(dir, gateway.address);
    servers = await startChecksServers(gateway, pki, dir);
    const run = await runTlsCheck({
      gateways: [{ name: 'lab', host: gateway.address }],
      flows: Object.entries(CHECK_PORTS).map(([name, port]) => ({ name, port })),
      trust: [pki.root],
      probeTimeoutSeconds: 3,
    });
    find = (id, port) => run.find(id, port);
  }, 120_000);

  afterAll(async () => {
    await servers?.stop();
    await gateway?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const expectVerdict = (id: Parameters<typeof find>[0], port: number, status: Finding['status'], message: RegExp) => {
    const f = find(id, port);
    expect({ id, port, status: f.status, message: f.message }).toMatchObject({ status, message: expect.stringMatching(message) });
  };

  it('nginx with ssl_stapling_file staples its OCSP response; the one without staples none', () => {
    expectVerdict(
      'tls.ocsp-stapling',
      CHECK_PORTS.nginxGood,
      'pass',
      /staples an OCSP response \(\d+ bytes, status successful, over TLSv1.3\)/,
    );
    expectVerdict(
      'tls.ocsp-stapling',
      CHECK_PORTS.nginxBroken,
      'fail',
      /staples no OCSP response \(asked with status_request over TLSv1.3\)/,
    );
  });

  it('openssl s_server -status_file staples too', () => {
    expectVerdict('tls.ocsp-stapling', CHECK_PORTS.sServerStaple, 'pass', /status successful/);
  });

  it('a clientAuth-only leaf fails key usage; a serverAuth leaf passes', () => {
    expectVerdict('tls.certificate-usage', CHECK_PORTS.nginxBroken, 'fail', /extended key usage \(clientAuth\) lacks serverAuth/);
    expectVerdict(
      'tls.certificate-usage',
      CHECK_PORTS.nginxGood,
      'pass',
      /digitalSignature, keyEncipherment; extended key usage serverAuth/,
    );
  });

  it('a leaf sent without its intermediate fails chain completeness, naming the missing issuer', () => {
    expectVerdict(
      'tls.certificate-chain-complete',
      CHECK_PORTS.nginxBroken,
      'fail',
      /lacks the leaf's issuer \(CN=cocoscan checks intermediate\)/,
    );
    expectVerdict('tls.certificate-chain-complete', CHECK_PORTS.nginxGood, 'pass', /\(CN=cocoscan checks intermediate\) is/);
  });

  it('under TLS 1.3 only, the chain order is read from the decrypted Certificate message', () => {
    expectVerdict(
      'tls.certificate-chain-order',
      CHECK_PORTS.nginxTls13Misordered,
      'fail',
      /out of order: certificate 1 is followed by certificate 2, but its issuer is certificate 3 \(TLS 1.3\)/,
    );
    expectVerdict('tls.certificate-chain-complete', CHECK_PORTS.nginxTls13Misordered, 'pass', /is sent in the chain/);
    expectVerdict('tls.compression', CHECK_PORTS.nginxTls13Misordered, 'not_applicable', /accepts only TLS 1.3/);
    expectVerdict('tls.fallback-scsv', CHECK_PORTS.nginxTls13Misordered, 'pass', /accepts no version below TLSv1.3/);
  });

  it('client-initiated renegotiation: s_server -client_renegotiation allows it, nginx and default s_server refuse', () => {
    expectVerdict('tls.client-renegotiation', CHECK_PORTS.sServerRenegotiation, 'fail', /lets the client renegotiate \(TLSv1.2\)/);
    expectVerdict('tls.client-renegotiation', CHECK_PORTS.sServerStaple, 'pass', /refuses client-initiated renegotiation/);
    expectVerdict('tls.client-renegotiation', CHECK_PORTS.nginxGood, 'pass', /refuses client-initiated renegotiation/);
    // GnuTLS allows it by default, as testssl.sh reports too (secure_client_renego VULNERABLE).
    expectVerdict('tls.client-renegotiation', CHECK_PORTS.gnutlsHeartbeat, 'fail', /lets the client renegotiate \(TLSv1.2\)/);
  });

  it('gnutls-serv with %DISABLE_SAFE_RENEGOTIATION sends no renegotiation_info; the others do', () => {
    expectVerdict('tls.secure-renegotiation', CHECK_PORTS.gnutlsUnsafe, 'fail', /sends no renegotiation_info in its TLSv1.2 ServerHello/);
    for (const port of [CHECK_PORTS.nginxGood, CHECK_PORTS.sServerRenegotiation, CHECK_PORTS.gnutlsHeartbeat])
      expectVerdict('tls.secure-renegotiation', port, 'pass', /answers renegotiation_info/);
  });

  it('a server without RFC 5746 is still checked for the rest: its staple, and the renegotiation it allows', () => {
    expectVerdict('tls.ocsp-stapling', CHECK_PORTS.gnutlsUnsafe, 'fail', /staples no OCSP response/);
    expectVerdict('tls.client-renegotiation', CHECK_PORTS.gnutlsUnsafe, 'fail', /lets the client renegotiate/);
  });

  it('gnutls-serv --heartbeat offers heartbeats and does not over-read; nginx offers none', () => {
    expectVerdict('tls.heartbleed', CHECK_PORTS.gnutlsHeartbeat, 'pass', /offers heartbeats but did not over-read/);
    expectVerdict('tls.heartbleed', CHECK_PORTS.nginxGood, 'pass', /does not offer the heartbeat extension/);
  });

  it('every real server refuses SSLv2, SSLv3 and compression, and answers the fallback SCSV', () => {
    for (const port of Object.values(CHECK_PORTS).filter((p) => p !== CHECK_PORTS.nginxTls13Misordered)) {
      expectVerdict('tls.sslv2', port, 'pass', /refuses SSLv2/);
      expectVerdict('tls.sslv3', port, 'pass', /refuses SSLv3/);
      expectVerdict('tls.compression', port, 'pass', /chose no compression when offered DEFLATE/);
      expectVerdict('tls.fallback-scsv', port, 'pass', /refuses a TLSv1.2 hello carrying TLS_FALLBACK_SCSV/);
    }
  });

  it('ROBOT: nginx (RSA key exchange among its defaults) answers every malformed padding alike', () => {
    expectVerdict(
      'tls.robot',
      CHECK_PORTS.nginxGood,
      'pass',
      /answers five RSA key exchanges, one well padded and four not, alike \(alert \w+, then connection closed, TLSv1.2\)/,
    );
    expectVerdict('tls.robot', CHECK_PORTS.sServerStaple, 'pass', /alike \(alert bad_record_mac, then connection closed, TLSv1.2\)/);
    expectVerdict('tls.robot', CHECK_PORTS.nginxTls13Misordered, 'pass', /accepts no RSA key-exchange suite/);
  });

  it('the checks add little time to an nginx endpoint (median of 7, printed)', async () => {
    const endpoint = { host: gateway.address, port: CHECK_PORTS.nginxGood, serverName: gateway.address };
    const options = { timeoutMs: 3000, budgetMs: 36_000, trust: [pki.root], limit: pLimit(6), signal: new AbortController().signal };
    const alone: number[] = [];
    const withChecks: number[] = [];
    for (let i = 0; i < 7; i += 1) {
      let started = Date.now();
      await inspectTlsEndpoint(endpoint, options);
      alone.push(Date.now() - started);
      started = Date.now();
      const checkOptions = { timeoutMs: 3000, limit: options.limit, signal: options.signal };
      const inspection = await inspectTlsEndpoint(endpoint, options);
      await gatherTlsChecks(endpoint, inspection, [pki.root], checkOptions);
      withChecks.push(Date.now() - started);
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[3]!;
    console.log(`[lab] nginx endpoint: inspection ${median(alone)} ms, with the single checks ${median(withChecks)} ms (median of 7)`);
    expect(median(withChecks) - median(alone)).toBeLessThan(1000);
  }, 120_000);
});
