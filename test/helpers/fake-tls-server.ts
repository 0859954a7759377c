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
  | { kind: 'hello-then-certificates'; certificates: Buffer[] };

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

export async function startFakeTlsServer(behaviour: FakeBehaviour, at: { host?: string; port?: number } = {}): Promise<FakeTlsServer> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    if (behaviour.kind === 'silent') return;
    socket.once('data', (data: Buffer) => {
      if (behaviour.kind === 'garbage') {
        socket.end(Buffer.from('HTTP/1.1 400 Bad Request\r\nServer: <b>not tls</b>\r\n\r\n'));
        return;
      }
      const hello = readHello(data);
      const serverHello = message(2, Buffer.concat([u16(hello?.version ?? 0x0303), Buffer.alloc(32, 7), Buffer.from([0]), u16(hello?.suite ?? 0x002f), Buffer.from([0])]));
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
export async function startTlsHttpServer(options: { key: string; cert: string; http: HttpBehaviour; host?: string; port?: number }): Promise<RealTlsServer> {
  const { createServer: createTlsServer } = await import('node:tls');
  let connections = 0;
  const closedBytes: number[] = [];
  const sockets = new Set<Socket>();
  const idleWaiters: (() => void)[] = [];
  const server = createTlsServer({ key: options.key, cert: options.cert, ciphers: 'DEFAULT:@SECLEVEL=0', minVersion: 'TLSv1.2' }, (socket) => {
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
  });
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
