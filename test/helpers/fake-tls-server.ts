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

export async function startFakeTlsServer(behaviour: FakeBehaviour): Promise<FakeTlsServer> {
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
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    connections: () => connections,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
