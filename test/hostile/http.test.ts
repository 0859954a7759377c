/**
 * HTTP over TLS that misbehaves after a good handshake: the HSTS step has its own deadline and byte cap,
 * and its failure never spoils the certificate findings of the same endpoint.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTlsHttpServer, type HttpBehaviour, type RealTlsServer } from '../helpers/fake-tls-server.ts';
import { runTlsCheck } from '../helpers/tls-check.ts';
import { makeChain, type Chain } from '../helpers/weak-pki.ts';

let chain: Chain;
let server: RealTlsServer | undefined;

beforeAll(async () => {
  chain = await makeChain();
});
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function checkWith(http: HttpBehaviour) {
  server = await startTlsHttpServer({ key: chain.leafKey, cert: chain.served, http });
  const result = await runTlsCheck({ flows: [{ name: 'web', port: server.port }], trust: [chain.root], probeTimeoutSeconds: 1 });
  const certificateStatuses = Object.fromEntries(
    (
      [
        'tls.certificate-trust',
        'tls.certificate-name',
        'tls.certificate-validity',
        'tls.certificate-key',
        'tls.certificate-signature',
      ] as const
    ).map((id) => [id, result.find(id).status]),
  );
  return { ...result, hsts: result.find('tls.hsts'), certificateStatuses };
}

const ALL_PASS = {
  'tls.certificate-trust': 'pass',
  'tls.certificate-name': 'pass',
  'tls.certificate-validity': 'pass',
  'tls.certificate-key': 'pass',
  'tls.certificate-signature': 'pass',
};

describe('HSTS from a hostile HTTP-over-TLS server', () => {
  it('a server that stalls after the handshake: HSTS error within the HTTP deadline, certificate findings intact', async () => {
    const { hsts, certificateStatuses, seconds } = await checkWith({ kind: 'stall' });
    expect(hsts.status).toBe('error');
    expect(hsts.message).toContain('no HTTP answer to GET / within 1000 ms');
    expect(certificateStatuses).toEqual(ALL_PASS);
    // One HTTP deadline (1 s) on top of the handshakes, not the whole probe budget (12 s).
    expect(seconds).toBeLessThan(10);
  });

  it('a server that floods one endless header: HSTS error at the byte cap, the connection closed, certificates intact', async () => {
    const { hsts, certificateStatuses, seconds } = await checkWith({ kind: 'flood-header' });
    expect(hsts.status).toBe('error');
    expect(hsts.message).toContain('the HTTP headers passed 32768 bytes without ending');
    expect(hsts.evidence.actual).toBe('no usable HTTP response (32768 bytes read)');
    expect(certificateStatuses).toEqual(ALL_PASS);
    expect(seconds).toBeLessThan(20);
    // cocoscan hung up: the flooding connection is closed, having sent no more than the socket buffers hold.
    await server!.allClosed();
    expect(Math.max(...server!.bytesWrittenAtClose())).toBeLessThan(8 * 1024 * 1024);
  });

  it('max-age=0 fails, naming the value', async () => {
    const { hsts } = await checkWith({ kind: 'answer', headers: ['Strict-Transport-Security: max-age=0; includeSubDomains'] });
    expect(hsts.status).toBe('fail');
    expect(hsts.message).toContain('sets HSTS max-age=0 (0 days), below the required 31536000 s; includeSubDomains, no preload');
  });

  it('a header browsers ignore (max-age twice) fails with the reason; a missing header fails', async () => {
    const twice = await checkWith({ kind: 'answer', headers: ['Strict-Transport-Security: max-age=31536000; max-age=0'] });
    expect(twice.hsts.status).toBe('fail');
    expect(twice.hsts.message).toContain('browsers ignore: the directive "max-age" appears more than once');
    await server?.close();
    const none = await checkWith({ kind: 'answer', headers: ['X-Other: 1'] });
    expect(none.hsts).toMatchObject({ status: 'fail', message: expect.stringContaining('sends no Strict-Transport-Security header') });
  });

  it('HTTP declared over TLS (protocol http, tls: true) is asked for HSTS like https', async () => {
    server = await startTlsHttpServer({ key: chain.leafKey, cert: chain.served, http: { kind: 'answer', headers: ['X-Other: 1'] } });
    const { find } = await runTlsCheck({
      flows: [{ name: 'web', protocol: 'http', tls: true, port: server.port }],
      trust: [chain.root],
      probeTimeoutSeconds: 1,
    });
    expect(find('tls.hsts')).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('sends no Strict-Transport-Security header'),
    });
  });

  it('a long enough max-age passes, reporting includeSubDomains and preload, from the first of two headers', async () => {
    const { hsts } = await checkWith({
      kind: 'answer',
      headers: ['Strict-Transport-Security: max-age=63072000; includeSubDomains; preload', 'strict-transport-security: max-age=0'],
    });
    expect(hsts.status).toBe('pass');
    expect(hsts.message).toContain(
      'max-age=63072000 (730 days), includeSubDomains, preload; 2 Strict-Transport-Security headers were sent, browsers use the first',
    );
    expect(hsts.data).toEqual({ maxAge: 63072000, includeSubDomains: true, preload: true });
  });
});
