/**
 * A front for a real Node TLS server that answers some ClientHellos itself, as a broken or ancient server
 * would: SSLv2, SSLv3, DEFLATE compression, Heartbleed, a fallback hello taken. Every other connection is
 * piped to the real server, so the rest of the TLS probe sees a normal endpoint.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { constants, privateDecrypt, randomBytes } from 'node:crypto';
import { suiteByCode } from '../../src/tls/cipher-suites.ts';

export type FrontBehaviour =
  | 'sslv2'
  | 'sslv3'
  | 'deflate'
  | 'heartbleed'
  | 'heartbeat-silent'
  | 'ignores-fallback-scsv'
  | 'robot-oracle'
  | 'robot-silent'
  | 'robot-reset'
  | 'robot-weak-oracle';

/** The leaf a front that does key exchange itself serves (ROBOT). */
export interface FrontIdentity {
  leafDer: Buffer;
  leafKey: string;
}

/** What the Heartbleed front "leaks": it must never reach a report or an evidence file. */
export const LEAK_MARKER = 'SECRET-SESSION-KEY-';

export interface HostileFront {
  port: number;
  /** Which hostile answers were given, by kind. */
  answered: () => string[];
  close: () => Promise<void>;
}

const u16 = (n: number) => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
const u24 = (n: number) => Buffer.from([(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
const record = (type: number, version: number, body: Buffer) => Buffer.concat([Buffer.from([type]), u16(version), u16(body.length), body]);
const handshake = (type: number, body: Buffer) => Buffer.concat([Buffer.from([type]), u24(body.length), body]);
const extension = (type: number, body: Buffer) => Buffer.concat([u16(type), u16(body.length), body]);

interface ClientHello {
  version: number;
  suites: number[];
  compression: number[];
}

function parseClientHello(first: Buffer): ClientHello | undefined {
  if (first[0] !== 22 || first[5] !== 1) return undefined;
  let at = 9;
  const version = first.readUInt16BE(at);
  at += 2 + 32;
  at += 1 + first[at]!;
  const suitesLength = first.readUInt16BE(at);
  const suites: number[] = [];
  for (let i = 0; i < suitesLength; i += 2) suites.push(first.readUInt16BE(at + 2 + i));
  at += 2 + suitesLength;
  const compression = [...first.subarray(at + 1, at + 1 + first[at]!)];
  return { version, suites, compression };
}

function serverFlight(version: number, suite: number, compression: number, extensions: Buffer[]): Buffer {
  const exts = Buffer.concat(extensions);
  const hello = Buffer.concat([
    u16(version),
    randomBytes(32),
    Buffer.from([0]),
    u16(suite),
    Buffer.from([compression]),
    u16(exts.length),
    exts,
  ]);
  return record(22, version, Buffer.concat([handshake(2, hello), handshake(14, Buffer.alloc(0))]));
}

const RENEGOTIATION_INFO = extension(0xff01, Buffer.from([0]));
const HEARTBEAT = extension(0x000f, Buffer.from([1]));

function sslv2ServerHello(): Buffer {
  const certificate = randomBytes(64);
  const specs = Buffer.from([0x01, 0x00, 0x80, 0x07, 0x00, 0xc0]);
  const connectionId = randomBytes(16);
  const body = Buffer.concat([
    Buffer.from([4, 0, 1, 0x00, 0x02]),
    u16(certificate.length),
    u16(specs.length),
    u16(connectionId.length),
    certificate,
    specs,
    connectionId,
  ]);
  return Buffer.concat([Buffer.from([0x80 | (body.length >> 8), body.length & 0xff]), body]);
}

/**
 * A Bleichenbacher oracle: the ClientKeyExchange is decrypted without padding checks, and a message that starts
 * 00 02 gets bad_record_mac while any other gets handshake_failure (as the vulnerable stacks of the ROBOT paper).
 */
function answerRobot(
  hello: ClientHello,
  socket: Socket,
  identity: FrontIdentity,
  note: (kind: string) => void,
  mode: 'oracle' | 'silent' | 'reset' | 'weak',
): void {
  const u24b = (n: number) => u24(n);
  const certificate = Buffer.concat([u24b(identity.leafDer.length + 3), u24b(identity.leafDer.length), identity.leafDer]);
  const exts = RENEGOTIATION_INFO;
  const serverHello = Buffer.concat([
    u16(hello.version),
    randomBytes(32),
    Buffer.from([0]),
    u16(hello.suites[0]!),
    Buffer.from([0]),
    u16(exts.length),
    exts,
  ]);
  socket.write(
    record(22, hello.version, Buffer.concat([handshake(2, serverHello), handshake(11, certificate), handshake(14, Buffer.alloc(0))])),
  );
  let received = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    received = Buffer.concat([received, chunk]);
    if (received.length < 11 || received[0] !== 22 || received[5] !== 16) return;
    const length = received.readUInt16BE(9);
    if (received.length < 11 + length) return;
    const em = privateDecrypt({ key: identity.leafKey, padding: constants.RSA_NO_PADDING }, received.subarray(11, 11 + length));
    note('robot');
    // A server that waits broken handshakes out answers none of them: silence, whatever the padding.
    if (mode === 'silent') return;
    // What an intrusion prevention system in front does to every broken handshake: a reset, whatever the padding.
    if (mode === 'reset') {
      socket.resetAndDestroy();
      return;
    }
    const wellPadded = em[0] === 0 && em[1] === 2;
    // A weak oracle (ROBOT paper, 4.3): the same alert every time, but the connection kept open only for good padding.
    if (mode === 'weak') {
      const alert = record(21, hello.version, Buffer.from([2, 40]));
      if (wellPadded) socket.write(alert);
      else socket.end(alert);
      return;
    }
    socket.end(record(21, hello.version, Buffer.from([2, wellPadded ? 20 : 40])));
  });
}

/** Answers the hello itself when the behaviour says so; false to pipe the connection to the real server. */
function answer(behaviour: FrontBehaviour, first: Buffer, socket: Socket, note: (kind: string) => void, identity?: FrontIdentity): boolean {
  if ((first[0]! & 0x80) !== 0 && first[2] === 1) {
    if (behaviour !== 'sslv2') return false;
    note('sslv2');
    socket.end(sslv2ServerHello());
    return true;
  }
  const hello = parseClientHello(first);
  if (!hello) return false;
  // The ROBOT probe offers only the RSA key-exchange suites the enumeration saw accepted; the enumeration never does.
  if (
    (behaviour === 'robot-oracle' || behaviour === 'robot-silent' || behaviour === 'robot-reset' || behaviour === 'robot-weak-oracle') &&
    identity &&
    hello.suites.length <= 24 &&
    hello.suites.every((s) => suiteByCode(s).classes.includes('static-rsa'))
  ) {
    answerRobot(
      hello,
      socket,
      identity,
      note,
      behaviour === 'robot-silent'
        ? 'silent'
        : behaviour === 'robot-reset'
          ? 'reset'
          : behaviour === 'robot-weak-oracle'
            ? 'weak'
            : 'oracle',
    );
    return true;
  }
  if (behaviour === 'sslv3' && hello.version === 0x0300) {
    note('sslv3');
    if (hello.suites.includes(0x000a)) socket.end(serverFlight(0x0300, 0x000a, 0, [RENEGOTIATION_INFO]));
    else socket.end(record(21, 0x0300, Buffer.from([2, 40])));
    return true;
  }
  if (behaviour === 'ignores-fallback-scsv' && hello.suites.includes(0x5600)) {
    note('fallback');
    socket.end(
      serverFlight(
        hello.version,
        hello.suites.find((s) => s !== 0x5600)!,
        0,
        [RENEGOTIATION_INFO],
      ),
    );
    return true;
  }
  if (!hello.compression.includes(1)) return false;
  if (behaviour === 'deflate') {
    note('deflate');
    socket.end(serverFlight(0x0303, 0xc02f, 1, [RENEGOTIATION_INFO]));
    return true;
  }
  if (behaviour === 'heartbleed' || behaviour === 'heartbeat-silent') {
    note('heartbeat-offered');
    socket.write(serverFlight(0x0303, 0xc02f, 0, [RENEGOTIATION_INFO, HEARTBEAT]));
    socket.on('data', (chunk: Buffer) => {
      if (chunk[0] !== 24 || behaviour !== 'heartbleed') return;
      note('heartbleed');
      // The reply a vulnerable OpenSSL gives: the claimed 16384 bytes of "payload", read from its own memory.
      const payload = Buffer.alloc(16384, LEAK_MARKER);
      socket.end(record(24, 0x0303, Buffer.concat([Buffer.from([2, 0x40, 0x00]), payload, randomBytes(16)])));
    });
    return true;
  }
  return false;
}

export async function startHostileFront(behaviour: FrontBehaviour, backendPort: number, identity?: FrontIdentity): Promise<HostileFront> {
  const answered: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let first = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      first = Buffer.concat([first, chunk]);
      const complete =
        (first[0]! & 0x80) !== 0
          ? first.length >= 2 + (((first[0]! & 0x7f) << 8) | first[1]!)
          : first.length >= 5 && first.length >= 5 + first.readUInt16BE(3);
      if (!complete) return;
      socket.off('data', onData);
      if (answer(behaviour, first, socket, (kind) => answered.push(kind), identity)) return;
      const backend = connect({ host: '127.0.0.1', port: backendPort });
      sockets.add(backend);
      backend.on('close', () => sockets.delete(backend));
      backend.on('error', () => socket.destroy());
      backend.write(first);
      socket.pipe(backend);
      backend.pipe(socket);
      socket.on('close', () => backend.destroy());
      backend.on('close', () => socket.destroy());
    };
    socket.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    answered: () => [...answered],
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
