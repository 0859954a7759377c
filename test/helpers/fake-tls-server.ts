/**
 * A deliberately broken TLS server for hostile-case tests: it reads a ClientHello and answers the way it is
 * told to (silence, garbage, a reset mid-record, or a ServerHello followed by whatever certificate bytes the
 * test supplies). Real servers will not misbehave like this on demand.
 */
import { createServer, type Server, type Socket } from 'node:net';

export type FakeBehaviour =
  | { kind: 'silent' }
  | { kind: 'garbage' }
  | { kind: 'reset-mid-handshake' }
  | { kind: 'hello-then-certificates'; certificates: Buffer[] }
  | EnumerableBehaviour;

/**
 * A TLS 1.3-only server that picks the first of its suites and groups the client offers, so a client can
 * enumerate them, and misbehaves on cue: `cut` decides, for the nth TLS 1.3 ClientHello (1-based), whether to
 * reset the connection or hang up without an alert instead of answering.
 */
export interface EnumerableBehaviour {
  kind: 'enumerable';
  suites: number[];
  groups: number[];
  cut?: (nth: number) => 'reset' | 'hang-up' | undefined;
  /** Alert sent when nothing offered is acceptable (default 40, handshake_failure). */
  refusalAlert?: number;
  /** Always choose its first group, offered or not (a protocol violation). */
  ignoreGroupOffer?: boolean;
  /** Refuse everything (versions too) by hanging up without an alert, as dovecot and slapd do. */
  silentRefusals?: boolean;
}

export interface FakeTlsServer {
  port: number;
  connections: () => number;
  close: () => Promise<void>;
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}
function u24(n: number): Buffer {
  return Buffer.from([(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
}

/** Splits a handshake stream into TLS records of at most 16 KiB. */
function records(handshake: Buffer): Buffer {
  const out: Buffer[] = [];
  for (let offset = 0; offset < handshake.length; offset += 16384) {
    const fragment = handshake.subarray(offset, offset + 16384);
    out.push(Buffer.concat([Buffer.from([22, 3, 3]), u16(fragment.length), fragment]));
  }
  return Buffer.concat(out);
}

function message(type: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([type]), u24(body.length), body]);
}

/** The client's version and first offered suite, read from a ClientHello record. */
function readHello(data: Buffer): { version: number; suite: number } | undefined {
  if (data.length < 5 + 4 + 2 + 32 + 1) return undefined;
  let offset = 9;
  const version = data.readUInt16BE(offset);
  offset += 2 + 32;
  offset += 1 + data[offset]!;
  const suitesLength = data.readUInt16BE(offset);
  if (suitesLength < 2) return undefined;
  return { version: Math.min(version, 0x0303), suite: data.readUInt16BE(offset + 2) };
}

interface OfferedHello {
  sessionId: Buffer;
  suites: number[];
  groups: number[];
  versions: number[];
  keyShares: number[];
}

/** Reads a whole ClientHello record (the fields an enumerating client varies), or undefined if malformed. */
function parseClientHello(record: Buffer): OfferedHello | undefined {
  try {
    let offset = 5 + 4 + 2 + 32;
    const sessionId = record.subarray(offset + 1, offset + 1 + record[offset]!);
    offset += 1 + sessionId.length;
    const list = (start: number, length: number) => Array.from({ length: length / 2 }, (_, i) => record.readUInt16BE(start + 2 * i));
    const suitesLength = record.readUInt16BE(offset);
    const suites = list(offset + 2, suitesLength);
    offset += 2 + suitesLength;
    offset += 1 + record[offset]!;
    const offered: OfferedHello = { sessionId, suites, groups: [], versions: [], keyShares: [] };
    if (offset + 2 > record.length) return offered;
    const end = offset + 2 + record.readUInt16BE(offset);
    for (offset += 2; offset + 4 <= end;) {
      const type = record.readUInt16BE(offset);
      const length = record.readUInt16BE(offset + 2);
      const body = offset + 4;
      if (type === 0x000a) offered.groups = list(body + 2, record.readUInt16BE(body));
      if (type === 0x002b) offered.versions = list(body + 1, record[body]!);
      if (type === 0x0033) {
        for (let share = body + 2; share + 4 <= body + 2 + record.readUInt16BE(body); share += 4 + record.readUInt16BE(share + 2))
          offered.keyShares.push(record.readUInt16BE(share));
      }
      offset = body + length;
    }
    return offered;
  } catch {
    return undefined;
  }
}

const HELLO_RETRY_RANDOM = Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex');

function alertRecord(description: number): Buffer {
  return Buffer.from([21, 3, 3, 0, 2, 2, description]);
}

function answerEnumerable(socket: Socket, behaviour: EnumerableBehaviour, countTls13: () => number): void {
  let received = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    received = Buffer.concat([received, chunk]);
    if (received.length < 5 || received.length < 5 + received.readUInt16BE(3)) return;
    socket.off('data', onData);
    const hello = parseClientHello(received.subarray(0, 5 + received.readUInt16BE(3)));
    const refuse = (alert: number) => void (behaviour.silentRefusals ? socket.end() : socket.end(alertRecord(alert)));
    if (!hello || !hello.versions.includes(0x0304)) return refuse(70);
    const cut = behaviour.cut?.(countTls13());
    if (cut === 'reset') return void socket.resetAndDestroy();
    if (cut === 'hang-up') return void socket.end();
    const suite = behaviour.suites.find((s) => hello.suites.includes(s));
    const group = behaviour.ignoreGroupOffer ? behaviour.groups[0] : behaviour.groups.find((g) => hello.groups.includes(g));
    if (suite === undefined || group === undefined) return refuse(behaviour.refusalAlert ?? 40);
    // A ServerHello with a key share when the client sent one for this group, else a HelloRetryRequest naming it.
    const retry = !hello.keyShares.includes(group);
    const keyShare = retry ? u16(group) : Buffer.concat([u16(group), u16(32), Buffer.alloc(32, 9)]);
    const extensions = Buffer.concat([u16(0x002b), u16(2), u16(0x0304), u16(0x0033), u16(keyShare.length), keyShare]);
    const body = Buffer.concat([
      u16(0x0303),
      retry ? HELLO_RETRY_RANDOM : Buffer.alloc(32, 7),
      Buffer.from([hello.sessionId.length]),
      hello.sessionId,
      u16(suite),
      Buffer.from([0]),
      u16(extensions.length),
      extensions,
    ]);
    socket.end(records(message(2, body)));
  };
  socket.on('data', onData);
}

export async function startFakeTlsServer(behaviour: FakeBehaviour, at: { host?: string; port?: number } = {}): Promise<FakeTlsServer> {
  let connections = 0;
  let tls13Hellos = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    if (behaviour.kind === 'silent') return;
    if (behaviour.kind === 'enumerable') {
      answerEnumerable(socket, behaviour, () => (tls13Hellos += 1));
      return;
    }
    socket.once('data', (data: Buffer) => {
      if (behaviour.kind === 'garbage') {
        socket.end(Buffer.from('HTTP/1.1 400 Bad Request\r\nServer: <b>not tls</b>\r\n\r\n'));
        return;
      }
      const hello = readHello(data);
      const serverHello = message(
        2,
        Buffer.concat([
          u16(hello?.version ?? 0x0303),
          Buffer.alloc(32, 7),
          Buffer.from([0]),
          u16(hello?.suite ?? 0x002f),
          Buffer.from([0]),
        ]),
      );
      if (behaviour.kind === 'reset-mid-handshake') {
        socket.write(records(serverHello).subarray(0, 12));
        setTimeout(() => socket.resetAndDestroy(), 20);
        return;
      }
      const list = Buffer.concat(behaviour.certificates.map((c) => Buffer.concat([u24(c.length), c])));
      const certificate = message(11, Buffer.concat([u24(list.length), list]));
      socket.write(records(Buffer.concat([serverHello, certificate, message(14, Buffer.alloc(0))])));
    });
  });
  await new Promise<void>((resolve) => server.listen(at.port ?? 0, at.host ?? '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    connections: () => connections,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** What a real TLS server does after the handshake, when asked GET /. */
export type HttpBehaviour =
  | { kind: 'answer'; headers: string[] }
  /** Completes the handshake, then never answers. */
  | { kind: 'stall' }
  /** Sends a status line and then one header that never ends. */
  | { kind: 'flood-header' };

export interface RealTlsServer extends FakeTlsServer {
  /** Bytes written to each connection by the time it closed. */
  bytesWrittenAtClose: () => number[];
  /** Resolves once no connection is open (at once if none is). */
  allClosed: () => Promise<void>;
}

/**
 * A real TLS server (Node's stack, any signature the chain carries: security level 0) with scripted HTTP.
 * `host` and `port` let a test bind the same port on two loopback addresses.
 */
export async function startTlsHttpServer(options: {
  key: string;
  cert: string;
  http: HttpBehaviour;
  host?: string;
  port?: number;
}): Promise<RealTlsServer> {
  const { createServer: createTlsServer } = await import('node:tls');
  let connections = 0;
  const closedBytes: number[] = [];
  const sockets = new Set<Socket>();
  const idleWaiters: (() => void)[] = [];
  const server = createTlsServer(
    { key: options.key, cert: options.cert, ciphers: 'DEFAULT:@SECLEVEL=0', minVersion: 'TLSv1.2' },
    (socket) => {
      socket.on('error', () => undefined);
      socket.once('data', () => {
        if (options.http.kind === 'stall') return;
        if (options.http.kind === 'answer') {
          socket.end(['HTTP/1.1 200 OK', ...options.http.headers, 'Content-Length: 0', '', ''].join('\r\n'));
          return;
        }
        const filler = Buffer.alloc(16 * 1024, 0x61);
        socket.write('HTTP/1.1 200 OK\r\nX-Flood: ');
        const pump = () => {
          while (!socket.destroyed && socket.write(filler));
        };
        socket.on('drain', pump);
        pump();
      });
    },
  );
  server.on('connection', (socket: Socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      sockets.delete(socket);
      closedBytes.push(socket.bytesWritten);
      if (sockets.size === 0) for (const waiter of idleWaiters.splice(0)) waiter();
    });
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    connections: () => connections,
    bytesWrittenAtClose: () => [...closedBytes],
    allClosed: () => (sockets.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve))),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
