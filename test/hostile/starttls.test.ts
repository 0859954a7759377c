import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { TlsUpgradeDialect } from '../../src/protocol/table.ts';
import { checkUpgrade } from '../../src/tls/upgrade/check.ts';
import { UPGRADE_MAX_BYTES, UPGRADE_MAX_LINES } from '../../src/tls/upgrade/conversation.ts';

let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

/** An in-process server on 127.0.0.1 that runs `talk` on each connection; its port. */
async function serve(talk: (socket: Socket) => void): Promise<number> {
  const sockets = new Set<Socket>();
  server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    talk(socket);
  });
  const close = server.close.bind(server);
  server.close = (callback) => {
    for (const socket of sockets) socket.destroy();
    return close(callback);
  };
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

/** Answers each line (or chunk, for binary dialects) the client sends with what `reply` gives. */
const answering =
  (greeting: string | Buffer, reply: (received: Buffer) => string | Buffer | undefined) =>
  (socket: Socket): void => {
    if (greeting.length > 0) socket.write(greeting);
    socket.on('data', (chunk: Buffer) => {
      const answer = reply(chunk);
      if (answer !== undefined) socket.write(answer);
    });
  };

const upgrade = (port: number, dialect: TlsUpgradeDialect, timeoutMs = 2000) =>
  checkUpgrade({ host: '127.0.0.1', port, serverName: 'gw.example.net', upgrade: dialect }, { timeoutMs });

describe('upgrade conversations with hostile or broken servers: bounded, and never an upgrade', () => {
  it('a server that never speaks: broken at the deadline', async () => {
    const port = await serve(() => undefined);
    const started = Date.now();
    expect(await upgrade(port, 'smtp', 500)).toMatchObject({
      upgraded: false,
      refusal: 'broken',
      failure: 'no complete SMTP STARTTLS answer within 500 ms',
    });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('an endless multi-line EHLO reply: broken at the line budget', async () => {
    const port = await serve(answering('220 hi\r\n', () => '250-X\r\n'.repeat(UPGRADE_MAX_LINES + 10)));
    expect(await upgrade(port, 'smtp')).toMatchObject({
      refusal: 'broken',
      failure: `the server sent more than ${UPGRADE_MAX_LINES} lines before TLS`,
    });
  });

  it('a 421 greeting (too many connections, closing): broken, never a refusal of TLS', async () => {
    const busy = await serve(answering('421 too many connections\r\n', () => undefined));
    expect(await upgrade(busy, 'smtp')).toMatchObject({ upgraded: false, refusal: 'broken' });
    await new Promise((resolve) => server!.close(resolve));
    const ftp = await serve(answering('421 service not available\r\n', () => undefined));
    expect(await upgrade(ftp, 'ftp')).toMatchObject({ upgraded: false, refusal: 'broken' });
  });

  it('a greeting that never ends its line: broken at the byte cap', async () => {
    const port = await serve((socket) => socket.write(Buffer.alloc(UPGRADE_MAX_BYTES + 1024, 0x41)));
    expect(await upgrade(port, 'imap')).toMatchObject({
      refusal: 'broken',
      failure: `the server sent more than ${UPGRADE_MAX_BYTES} bytes before TLS`,
    });
  });

  it('bytes sent ahead of the ClientHello after the go-ahead (an injection): refused, never handed to TLS', async () => {
    const port = await serve(
      answering('220 hi\r\n', (line) =>
        line.toString().startsWith('EHLO') ? '250-hi\r\n250 STARTTLS\r\n' : '220 go ahead\r\n250 injected\r\n',
      ),
    );
    expect(await upgrade(port, 'smtp')).toMatchObject({
      refusal: 'broken',
      failure: 'the server sent 14 byte(s) after its go-ahead, before any TLS',
    });
  });

  it('SSH where SMTP was declared: broken, quoting the line as data', async () => {
    const port = await serve((socket) => socket.write('SSH-2.0-OpenSSH_9.2 <script>\x1b[31m\r\n'));
    expect(await upgrade(port, 'smtp')).toMatchObject({
      refusal: 'broken',
      failure: `the server's answer is not SMTP: "SSH-2.0-OpenSSH_9.2 <script>?[31m"`,
    });
  });

  it('SMTP refusing STARTTLS with 454: refused, with its words', async () => {
    const port = await serve(
      answering('220 hi\r\n', (line) =>
        line.toString().startsWith('EHLO') ? '250-hi\r\n250 STARTTLS\r\n' : '454 4.7.0 TLS not available due to local problem\r\n',
      ),
    );
    expect(await upgrade(port, 'smtp')).toMatchObject({
      refusal: 'refused',
      failure: 'refuses STARTTLS: 454 "4.7.0 TLS not available due to local problem"',
    });
  });

  it('IMAP without STARTTLS among its capabilities: not offered', async () => {
    const port = await serve(answering('* OK ready\r\n', () => '* CAPABILITY IMAP4rev1 LOGINDISABLED\r\nc1 OK done\r\n'));
    expect(await upgrade(port, 'imap')).toMatchObject({ refusal: 'not-offered', failure: expect.stringMatching(/^offers no STARTTLS/) });
  });

  it('POP3 answering STLS with -ERR: not offered', async () => {
    const port = await serve(answering('+OK ready\r\n', () => '-ERR unknown command\r\n'));
    expect(await upgrade(port, 'pop3')).toMatchObject({ refusal: 'not-offered', failure: expect.stringMatching(/^offers no STLS/) });
  });

  it('FTP answering AUTH TLS with 500: not offered; with 234: upgraded', async () => {
    let answer = '500 AUTH not understood\r\n';
    const port = await serve(answering('220-welcome\r\n220 ready\r\n', () => answer));
    expect(await upgrade(port, 'ftp')).toMatchObject({ refusal: 'not-offered' });
    answer = '234 AUTH TLS ok\r\n';
    expect(await upgrade(port, 'ftp')).toMatchObject({ upgraded: true, step: 'FTP AUTH TLS' });
  });

  it('PostgreSQL answering SSLRequest with N: not offered; with S: upgraded; with anything else: broken', async () => {
    let answer = 'N';
    const port = await serve(answering('', () => answer));
    expect(await upgrade(port, 'postgresql')).toMatchObject({ refusal: 'not-offered' });
    answer = 'S';
    expect(await upgrade(port, 'postgresql')).toMatchObject({ upgraded: true });
    answer = 'H';
    expect(await upgrade(port, 'postgresql')).toMatchObject({ refusal: 'broken' });
  });

  it('LDAP: resultCode 0 upgrades, protocolError is not offered, a claimed 16 MB answer is broken', async () => {
    const response = (code: number, diagnostic = '') =>
      Buffer.from([
        0x30,
        12 + diagnostic.length,
        0x02,
        0x01,
        0x01,
        0x78,
        7 + diagnostic.length,
        0x0a,
        0x01,
        code,
        0x04,
        0x00,
        0x04,
        diagnostic.length,
        ...Buffer.from(diagnostic),
      ]);
    let answer = response(0);
    const port = await serve(answering('', () => answer));
    expect(await upgrade(port, 'ldap')).toMatchObject({ upgraded: true, step: 'LDAP StartTLS' });
    answer = response(2, 'unsupported extended operation');
    expect(await upgrade(port, 'ldap')).toMatchObject({
      refusal: 'not-offered',
      failure: 'offers no StartTLS: protocolError "unsupported extended operation": binds and directory data travel in clear text',
    });
    answer = Buffer.from([0x30, 0x83, 0xff, 0xff, 0xff]);
    expect(await upgrade(port, 'ldap')).toMatchObject({ refusal: 'broken', failure: 'the answer to StartTLS claims 16777215 bytes' });
  });

  it('XMPP: features without starttls are not offered; <proceed/> upgrades', async () => {
    const header = "<?xml version='1.0'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>";
    let features = '<stream:features><mechanisms/></stream:features>';
    const port = await serve(
      answering('', (chunk) =>
        chunk.toString().includes('<starttls') ? "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>" : header + features,
      ),
    );
    expect(await upgrade(port, 'xmpp')).toMatchObject({ refusal: 'not-offered' });
    features = "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>";
    expect(await upgrade(port, 'xmpp')).toMatchObject({ upgraded: true, step: 'XMPP STARTTLS' });
  });

  it('RDP: a Connection Confirm choosing TLS upgrades; standard RDP security only is not offered; a failure code is refused', async () => {
    const confirm = (negotiation: number[]) => {
      const x224 = [6 + negotiation.length, 0xd0, 0, 0, 0x12, 0x34, 0, ...negotiation];
      return Buffer.from([0x03, 0x00, 0x00, 4 + x224.length, ...x224]);
    };
    let answer = confirm([0x02, 0x00, 0x08, 0x00, 0x01, 0x00, 0x00, 0x00]);
    const port = await serve(answering('', () => answer));
    expect(await upgrade(port, 'rdp')).toMatchObject({ upgraded: true, step: 'RDP TLS negotiation' });
    answer = confirm([]);
    expect(await upgrade(port, 'rdp')).toMatchObject({
      refusal: 'not-offered',
      failure: expect.stringMatching(/standard RDP security only/),
    });
    answer = confirm([0x03, 0x00, 0x08, 0x00, 0x02, 0x00, 0x00, 0x00]);
    expect(await upgrade(port, 'rdp')).toMatchObject({ refusal: 'refused', failure: 'refuses TLS: SSL_NOT_ALLOWED_BY_SERVER' });
  });

  it('MySQL: a greeting without CLIENT_SSL is not offered; with it, the SSLRequest is sent and TLS may begin', async () => {
    const greeting = (flags: number) => {
      const body = Buffer.concat([
        Buffer.from([10]),
        Buffer.from('8.0.36\0'),
        Buffer.alloc(4),
        Buffer.alloc(8, 0x61),
        Buffer.alloc(1),
        Buffer.from([flags & 0xff, flags >> 8]),
      ]);
      return Buffer.concat([Buffer.from([body.length, 0, 0, 0]), body]);
    };
    let flags = 0x0200;
    let sslRequest: Buffer | undefined;
    const port = await serve((socket) => {
      socket.write(greeting(flags));
      socket.on('data', (chunk: Buffer) => (sslRequest = chunk));
    });
    expect(await upgrade(port, 'mysql')).toMatchObject({ refusal: 'not-offered' });
    flags = 0x0a00;
    expect(await upgrade(port, 'mysql')).toMatchObject({ upgraded: true });
    await expect.poll(() => sslRequest?.length).toBe(36);
    expect(sslRequest!.readUInt32LE(4) & 0x0800).toBe(0x0800);
  });

  it('a refused TCP connection: broken, with the system error', async () => {
    const port = await serve(() => undefined);
    await new Promise((resolve) => server!.close(resolve));
    server = undefined;
    expect(await upgrade(port, 'smtp')).toMatchObject({
      refusal: 'broken',
      failure: expect.stringMatching(/^no SMTP STARTTLS conversation: ECONNREFUSED/),
    });
  });
});
