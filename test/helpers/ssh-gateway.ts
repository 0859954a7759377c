import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import ssh2 from 'ssh2';

/**
 * An SSH service on 127.0.0.1, in the test process, whose host key the test can replace between two runs
 * (the same port, a new key: what a gateway rebuilt behind the connection's back looks like). Log-on is
 * always refused. It counts connections, so a test can tell that nothing was probed.
 */
export interface SshGateway {
  port: number;
  connections: () => number;
  /** From now on, answer with this host key (PEM). */
  useHostKey: (pem: string) => void;
  close: () => Promise<void>;
}

/**
 * ssh2 reads Ed25519 keys in OpenSSH's own format only. Its generator writes an unreadable key about once in
 * 256 (it strips a leading zero byte of the public key: mscdex/ssh2#1513), so a key is kept only once ssh2
 * reads it back; otherwise a test would fail at random.
 */
export function ed25519Key(): string {
  for (let attempt = 0; attempt < 32; attempt += 1) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519');
    if (!(ssh2.utils.parseKey(pair.private) instanceof Error) && !(ssh2.utils.parseKey(pair.public) instanceof Error)) return pair.private;
  }
  throw new Error('ssh2 could not generate a readable Ed25519 key in 32 attempts');
}
export const rsaKey = (bits: number): string =>
  generateKeyPairSync('rsa', { modulusLength: bits }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();

function sshServer(hostKey: string): ssh2.Server {
  return new ssh2.Server({ hostKeys: [hostKey] }, (client) => {
    client.on('authentication', (ctx) => ctx.reject(['publickey']));
    client.on('error', () => undefined);
  });
}

export async function startSshGateway(hostKey = ed25519Key()): Promise<SshGateway> {
  let current = sshServer(hostKey);
  let connections = 0;
  const sockets = new Set<Socket>();
  const listener: Server = createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    current.injectSocket(socket);
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  return {
    port: (listener.address() as { port: number }).port,
    connections: () => connections,
    useHostKey: (pem) => {
      current = sshServer(pem);
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => listener.close(resolve));
    },
  };
}
