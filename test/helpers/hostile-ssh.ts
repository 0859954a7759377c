/**
 * A hostile SSH server for tests and the bench: it sends its identification and a KEXINIT offering hundreds
 * of made-up host-key algorithms (about 34 KB, just under the 35,000-byte packet limit), then either never
 * answers the key exchange or answers it with a host key of a type whose size cannot be read.
 */
import { createServer, type Server, type Socket } from 'node:net';
import {
  MSG_KEXDH_INIT,
  MSG_KEXDH_REPLY,
  MSG_KEXINIT,
  SshStreamReader,
  kexinitPayload,
  packet,
  parseKexinit,
  sshString,
} from '../../src/ssh/wire.ts';

export const MADE_UP_HOST_KEY_ALGORITHMS = 340;

export function madeUpAlgorithms(count = MADE_UP_HOST_KEY_ALGORITHMS): string[] {
  return Array.from({ length: count }, (_, i) => `x-made-up-host-key-${String(i).padStart(3, '0')}-${'q'.repeat(60)}@hostile.invalid`);
}

export interface HostileSshOptions {
  /** Real host-key algorithms offered before the made-up ones. */
  knownHostKeys?: string[];
  madeUp?: number;
  /**
   * stall: never answer the key exchange; x509: answer it with an x509v3-sign-rsa key; silent: send nothing at
   * all; keys: answer with the blob in `hostKeyBlobs` for the host-key algorithm the client asked for.
   */
  behaviour?: 'stall' | 'x509' | 'silent' | 'keys';
  hostKeyBlobs?: Map<string, Buffer>;
  /** The identification sent, `SSH-2.0-Hostile_6.6` by default. */
  ident?: string;
}

export function hostileKexinit(options: HostileSshOptions = {}): Buffer {
  return packet(
    kexinitPayload({
      kex: ['curve25519-sha256', 'kex-strict-s-v00@openssh.com'],
      hostKey: [...(options.knownHostKeys ?? ['ssh-ed25519']), ...madeUpAlgorithms(options.madeUp)],
      encryption: ['aes128-ctr'],
      mac: ['hmac-sha2-256-etm@openssh.com'],
      compression: ['none'],
    }),
  );
}

/** An x509v3-sign-rsa key blob: the type, then a (fake) DER certificate cocoscan cannot size. */
export const X509_KEY_BLOB = Buffer.concat([
  sshString('x509v3-sign-rsa'),
  Buffer.from([0x30, 0x82, 0x01, 0x0a, 0x02, 0x82, 0x01, 0x01, 0x00]),
]);

export interface HostileSshServers {
  ports: number[];
  /** TCP connections accepted so far, per port. */
  connections: Map<number, number>;
  close(): Promise<void>;
}

/** Listens on `count` loopback ports, all behaving the same way. */
export async function startHostileSsh(count: number, options: HostileSshOptions = {}): Promise<HostileSshServers> {
  const kexinit = hostileKexinit(options);
  const sockets = new Set<Socket>();
  const servers: Server[] = [];
  const connections = new Map<number, number>();
  const onConnection = (port: number) => (socket: Socket) => {
    connections.set(port, (connections.get(port) ?? 0) + 1);
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    if (options.behaviour === 'silent') return;
    socket.write(Buffer.concat([Buffer.from(`${options.ident ?? 'SSH-2.0-Hostile_6.6'}\r\n`), kexinit]));
    if (options.behaviour !== 'x509' && options.behaviour !== 'keys') return;
    const reader = new SshStreamReader();
    let asked = '';
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const event of reader.push(chunk)) {
          if (event.kind === 'packet' && event.payload[0] === MSG_KEXINIT) asked = parseKexinit(event.payload).hostKey[0] ?? '';
          if (event.kind === 'packet' && event.payload[0] === MSG_KEXDH_INIT) {
            const blob = options.behaviour === 'keys' ? options.hostKeyBlobs?.get(asked) : X509_KEY_BLOB;
            if (blob)
              socket.write(
                packet(Buffer.concat([Buffer.from([MSG_KEXDH_REPLY]), sshString(blob), sshString(Buffer.alloc(32, 7)), sshString('sig')])),
              );
          }
        }
      } catch {
        socket.destroy();
      }
    });
  };
  const ports: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const port = (server.address() as { port: number }).port;
    server.on('connection', onConnection(port));
    servers.push(server);
    ports.push(port);
  }
  return {
    ports,
    connections,
    async close() {
      for (const socket of sockets) socket.destroy();
      await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    },
  };
}
