import type { Server, Socket } from 'node:net';
import { createSecureContext, createServer as createTlsServer } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTlsHttpServer, type RealTlsServer } from '../helpers/fake-tls-server.ts';
import { LEAK_MARKER, startHostileFront, type FrontBehaviour, type HostileFront } from '../helpers/hostile-tls-front.ts';
import { runTlsCheck } from '../helpers/tls-check.ts';
import { makeChain, type Chain } from '../helpers/weak-pki.ts';

// Behaviour no Debian server produces (SSLv2, SSLv3, DEFLATE, Heartbleed, a fallback hello taken), in front of a
// real Node TLS server that answers everything else, so each check is seen through the whole TLS probe.
let chain: Chain;
let backend: RealTlsServer;
let front: HostileFront | undefined;
beforeAll(async () => {
  chain = await makeChain();
  backend = await startTlsHttpServer({
    key: chain.leafKey,
    cert: chain.served,
    http: { kind: 'answer', headers: ['Strict-Transport-Security: max-age=31536000'] },
  });
});
afterAll(async () => backend.close());
afterEach(async () => {
  await front?.close();
  front = undefined;
});

async function checkBehind(behaviour: FrontBehaviour) {
  front = await startHostileFront(behaviour, backend.port);
  return runTlsCheck({ flows: [{ name: 'web', port: front.port }], trust: [chain.root], probeTimeoutSeconds: 2 });
}

describe('TLS single checks against broken servers', () => {
  it('a server that answers SSLv2 fails tls.sslv2, naming its ciphers and DROWN', async () => {
    const { find } = await checkBehind('sslv2');
    expect(front!.answered()).toContain('sslv2');
    const sslv2 = find('tls.sslv2');
    expect(sslv2.status).toBe('fail');
    expect(sslv2.message).toMatch(/accepts SSLv2 \(SSL_CK_RC4_128_WITH_MD5, SSL_CK_DES_192_EDE3_CBC_WITH_MD5\).*DROWN/);
    expect(find('tls.heartbleed').status).toBe('pass');
  });

  it('a server that accepts SSLv3 fails tls.sslv3', async () => {
    const { find } = await checkBehind('sslv3');
    expect(find('tls.sslv3').status).toBe('fail');
    expect(find('tls.sslv3').message).toMatch(/accepts SSLv3 \(1 suite\(s\)\): POODLE/);
  });

  it('a server whose answer to an RSA key exchange depends on the padding fails tls.robot', async () => {
    front = await startHostileFront('robot-oracle', backend.port, { leafDer: chain.der[0]!, leafKey: chain.leafKey });
    const { find } = await runTlsCheck({ flows: [{ name: 'web', port: front.port }], trust: [chain.root], probeTimeoutSeconds: 2 });
    expect(front.answered().filter((a) => a === 'robot')).toHaveLength(10);
    const robot = find('tls.robot');
    expect(robot.status).toBe('fail');
    expect(robot.message).toMatch(
      /correct: alert bad_record_mac, then connection closed; wrong first bytes: alert handshake_failure, then/,
    );
    expect(robot.message).toMatch(/Bleichenbacher oracle \(ROBOT\)/);
  });

  it('a weak oracle (the same alert, but the connection kept open only for good padding) fails tls.robot too', async () => {
    front = await startHostileFront('robot-weak-oracle', backend.port, { leafDer: chain.der[0]!, leafKey: chain.leafKey });
    const { find } = await runTlsCheck({ flows: [{ name: 'web', port: front.port }], trust: [chain.root], probeTimeoutSeconds: 2 });
    const robot = find('tls.robot');
    expect(robot.status).toBe('fail');
    expect(robot.message).toMatch(
      /correct: alert handshake_failure, then connection timeout; wrong first bytes: alert handshake_failure, then connection closed/,
    );
  });

  it('a server that answers no broken RSA key exchange at all gives no ROBOT verdict: not tested, never a pass', async () => {
    front = await startHostileFront('robot-silent', backend.port, { leafDer: chain.der[0]!, leafKey: chain.leafKey });
    const { find } = await runTlsCheck({ flows: [{ name: 'web', port: front.port }], trust: [chain.root], probeTimeoutSeconds: 2 });
    expect(front.answered().filter((a) => a === 'robot')).toHaveLength(5);
    expect(find('tls.robot')).toMatchObject({
      status: 'not_tested',
      message: expect.stringMatching(/no variant got a TLS record in answer/),
    });
  });

  it('a front that resets every broken RSA key exchange gives no ROBOT verdict: a reset is no answer of the padding check', async () => {
    front = await startHostileFront('robot-reset', backend.port, { leafDer: chain.der[0]!, leafKey: chain.leafKey });
    const { find } = await runTlsCheck({ flows: [{ name: 'web', port: front.port }], trust: [chain.root], probeTimeoutSeconds: 2 });
    expect(front.answered().filter((a) => a === 'robot')).toHaveLength(5);
    expect(find('tls.robot')).toMatchObject({
      status: 'not_tested',
      message: expect.stringMatching(/no variant got a TLS record in answer/),
    });
  });

  it('a server that chooses DEFLATE fails tls.compression (CRIME)', async () => {
    const { find } = await checkBehind('deflate');
    expect(find('tls.compression').status).toBe('fail');
    expect(find('tls.compression').message).toMatch(/chose DEFLATE compression when offered it \(TLSv1.2\).*CRIME/);
  });

  it('a Heartbleed server fails tls.heartbleed, and not one leaked byte reaches the report', async () => {
    const { find, report } = await checkBehind('heartbleed');
    expect(front!.answered()).toContain('heartbleed');
    const bleed = find('tls.heartbleed');
    expect(bleed.status).toBe('fail');
    expect(bleed.message).toMatch(/a heartbeat reply of 16403 bytes to a request of 3 bytes.*Heartbleed/);
    expect(JSON.stringify(report)).not.toContain(LEAK_MARKER);
  });

  it('a server that offers heartbeats and ignores the over-long request passes', async () => {
    const { find } = await checkBehind('heartbeat-silent');
    expect(find('tls.heartbleed').status).toBe('pass');
    expect(find('tls.heartbleed').message).toMatch(
      /offers heartbeats but did not over-read: no answer in time after the heartbeat request/,
    );
  });

  it('a server that completes a fallback hello carrying TLS_FALLBACK_SCSV fails tls.fallback-scsv', async () => {
    const { find } = await checkBehind('ignores-fallback-scsv');
    const fallback = find('tls.fallback-scsv');
    expect(fallback.status).toBe('fail');
    expect(fallback.message).toMatch(/completes a TLSv1.2 hello carrying TLS_FALLBACK_SCSV although it supports TLSv1.3/);
  });

  it('the same real server without the front passes each of these checks', async () => {
    const { find } = await runTlsCheck({ flows: [{ name: 'web', port: backend.port }], trust: [chain.root], probeTimeoutSeconds: 2 });
    for (const id of [
      'tls.sslv2',
      'tls.sslv3',
      'tls.compression',
      'tls.heartbleed',
      'tls.fallback-scsv',
      'tls.secure-renegotiation',
    ] as const)
      expect({ id, status: find(id).status, message: find(id).message }).toMatchObject({ status: 'pass' });
  });
});

describe('the certificate served without SNI, from a real Node TLS server that picks its certificate by SNI', () => {
  let other: Chain;
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    other = await makeChain();
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  });

  /** Serves `named` to clients that send SNI `localhost`, `fallback` to the others; on both address families. */
  async function sniServer(named: Chain, fallback: Chain): Promise<number> {
    const context = (c: Chain) => createSecureContext({ key: c.leafKey, cert: c.served });
    const server = createTlsServer(
      {
        key: fallback.leafKey,
        cert: fallback.served,
        SNICallback: (name, cb) => cb(null, name === 'localhost' ? context(named) : context(fallback)),
      },
      (socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'),
    );
    server.on('tlsClientError', () => undefined);
    server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '::', resolve));
    return (server.address() as { port: number }).port;
  }

  it('another certificate without SNI fails, naming both', async () => {
    const port = await sniServer(chain, other);
    const { find } = await runTlsCheck({
      gateways: [{ name: 'lo', host: 'localhost' }],
      flows: [{ name: 'web', port }],
      trust: [chain.root],
    });
    const f = find('tls.certificate-without-sni');
    expect(f.status).toBe('fail');
    expect(f.message).toMatch(/serves another certificate without SNI: .*\(SHA-256 [0-9a-f]{16}…\) instead of /);
  });

  it('the same certificate with and without SNI passes', async () => {
    const port = await sniServer(chain, chain);
    const { find } = await runTlsCheck({
      gateways: [{ name: 'lo', host: 'localhost' }],
      flows: [{ name: 'web', port }],
      trust: [chain.root],
    });
    expect(find('tls.certificate-without-sni').status).toBe('pass');
  });
});
