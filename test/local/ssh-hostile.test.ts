import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import ssh2 from 'ssh2';
import pLimit from 'p-limit';
import { auditSshEndpoint } from '../../src/ssh/audit-endpoint.ts';
import { kexinitPayload, packet } from '../../src/ssh/wire.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function rawServer(onConnection: (socket: Socket) => void): Promise<number> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return (server.address() as { port: number }).port;
}

const audit = (port: number, timeoutMs = 1500) =>
  auditSshEndpoint({ host: '127.0.0.1', port }, { timeoutMs, limit: pLimit(4), signal: new AbortController().signal });

describe('SSH probe against hostile servers: an error within the timeout, never a hang or a pass', () => {
  it('a garbage identification', async () => {
    const port = await rawServer((socket) => socket.write('SSH-9.9-\u0000\u0001<script>\r\n'));
    const facts = await audit(port);
    expect(facts.helloError).toMatch(/unusable identification string/);
  });

  it('endless banner lines before any identification', async () => {
    const port = await rawServer((socket) => {
      const timer = setInterval(() => socket.write('Welcome to the gateway, authorised users only\r\n'), 1);
      socket.on('close', () => clearInterval(timer));
    });
    const started = Date.now();
    const facts = await audit(port);
    expect(facts.helloError).toMatch(/over 50 lines without an SSH identification/);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('an endless line', async () => {
    const port = await rawServer((socket) => socket.write('x'.repeat(100_000)));
    expect((await audit(port)).helloError).toMatch(/line of over 255 bytes/);
  });

  it('a disconnect in the middle of KEXINIT', async () => {
    const port = await rawServer((socket) => {
      const kexinit = packet(kexinitPayload({ kex: ['curve25519-sha256'], hostKey: ['ssh-ed25519'], encryption: ['aes128-ctr'], mac: ['hmac-sha2-256'], compression: ['none'] }));
      socket.end(Buffer.concat([Buffer.from('SSH-2.0-Hostile_1.0\r\n'), kexinit.subarray(0, 40)]));
    });
    expect((await audit(port)).helloError).toMatch(/closed the connection before the key exchange/);
  });

  it('a packet length beyond what SSH allows', async () => {
    const port = await rawServer((socket) => socket.write(Buffer.concat([Buffer.from('SSH-2.0-Hostile_1.0\r\n'), Buffer.from([0x7f, 0xff, 0xff, 0xff, 4])])));
    expect((await audit(port)).helloError).toMatch(/claims 2147483647 bytes/);
  });

  it('silence after connect', async () => {
    const port = await rawServer(() => undefined);
    const started = Date.now();
    expect((await audit(port, 800)).helloError).toMatch(/no complete answer within 800 ms/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('a server that lets an unknown user in with no authentication is reported as offering "none"', async () => {
    const hostKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    const server = new ssh2.Server({ hostKeys: [hostKey] }, (client) => {
      client.on('authentication', (ctx) => ctx.accept());
      client.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => server.close(() => resolve())));
    const facts = await audit((server.address() as { port: number }).port, 5000);
    expect(facts.hello?.ident).toMatch(/^SSH-2\.0-/);
    expect(facts.auth).toMatchObject({ ok: true, methods: ['none'] });
    expect(facts.hostKeys.map((k) => `${k.type}/${k.bits}`)).toEqual(['ssh-rsa/2048']);
  });
});
