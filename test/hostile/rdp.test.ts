import { createServer, type Server, type Socket } from 'node:net';
import pLimit from 'p-limit';
import { afterEach, describe, expect, it } from 'vitest';
import { auditRdpEndpoint } from '../../src/rdp/audit-endpoint.ts';

/** A TCP server on loopback that answers every connection with `behave`. */
async function hostileServer(behave: (socket: Socket) => void): Promise<{ server: Server; port: number; connections: () => number }> {
  let count = 0;
  const server = createServer((socket) => {
    count += 1;
    socket.on('error', () => undefined);
    behave(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, port: address.port, connections: () => count };
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

const options = { timeoutMs: 500, budgetMs: 5000, limit: pLimit(2) };

/** Answers the first packet it reads with `answer`. */
const answering = (answer: Buffer) => (socket: Socket) => socket.once('data', () => socket.write(answer));

describe('RDP against hostile or broken servers', () => {
  it('a server announcing a TPKT bigger than the cap: a reason, and the port is not asked again', async () => {
    const s = await hostileServer(answering(Buffer.from([3, 0, 0xff, 0xff, 0x0e, 0xd0])));
    servers.push(s.server);
    const audit = await auditRdpEndpoint('127.0.0.1', s.port, options);
    expect(audit.layers[0]?.failure).toBe('the TPKT packet announces 65535 bytes, more than 16384');
    expect(audit.layers.slice(1).map((l) => l.failure)).toEqual(Array(3).fill('not tried: the first Connection Request got no RDP answer'));
    expect(s.connections()).toBe(1);
  });

  it('a server that trickles a valid header and never the rest: the deadline ends it', async () => {
    const s = await hostileServer(answering(Buffer.from([3, 0, 0, 19, 0x0e])));
    servers.push(s.server);
    const started = Date.now();
    const audit = await auditRdpEndpoint('127.0.0.1', s.port, options);
    expect(audit.layers[0]?.failure).toBe('no complete RDP answer within 500 ms');
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('an HTTP server on the port: not RDP', async () => {
    const s = await hostileServer(answering(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n')));
    servers.push(s.server);
    const audit = await auditRdpEndpoint('127.0.0.1', s.port, options);
    expect(audit.layers[0]?.failure).toBe('the answer is not a TPKT packet (not RDP)');
  });

  it('a server that floods after a standard-security Confirm: the byte cap, then a reason for the MCS answer', async () => {
    const confirm = Buffer.from([3, 0, 0, 19, 0x0e, 0xd0, 0, 0, 0x12, 0x34, 0, 2, 0, 8, 0, 0, 0, 0, 0]);
    const s = await hostileServer((socket) => {
      let first = true;
      socket.on('data', () => {
        if (first) socket.write(confirm);
        else for (let i = 0; i < 8; i += 1) socket.write(Buffer.concat([Buffer.from([3, 0, 0x3f, 0xff]), Buffer.alloc(0x3fff - 4)]));
        first = false;
      });
    });
    servers.push(s.server);
    const audit = await auditRdpEndpoint('127.0.0.1', s.port, options);
    expect(audit.layers[0]?.answer).toEqual({ kind: 'selected', protocol: 0 });
    expect(audit.standard?.failure).toMatch(
      /^(the server sent more than 65536 bytes|the answer to the MCS Connect Initial is not X\.224 data)$/,
    );
    expect(audit.methods.map((m) => m.method)).toEqual(['40-bit', '128-bit', '56-bit', 'fips']);
    expect(audit.connections).toBe(8);
  });

  it('a closed port: refused, said plainly, one connection', async () => {
    const s = await hostileServer(() => undefined);
    const port = s.port;
    await new Promise((resolve) => s.server.close(resolve));
    const audit = await auditRdpEndpoint('127.0.0.1', port, options);
    expect(audit.layers[0]?.failure).toBe('the port refused the TCP connection');
    expect(audit.connections).toBe(1);
  });

  it('a slow server within each deadline but over the port budget: the rest are not tried', async () => {
    const confirm = Buffer.from([3, 0, 0, 19, 0x0e, 0xd0, 0, 0, 0x12, 0x34, 0, 3, 0, 8, 0, 5, 0, 0, 0]);
    const s = await hostileServer((socket) => socket.once('data', () => setTimeout(() => socket.write(confirm), 300)));
    servers.push(s.server);
    const audit = await auditRdpEndpoint('127.0.0.1', s.port, { ...options, budgetMs: 450 });
    expect(audit.layers[0]?.answer).toMatchObject({ kind: 'failure', name: 'HYBRID_REQUIRED_BY_SERVER' });
    expect(audit.layers.at(-1)?.failure).toBe("not tried: the port's time budget of 450 ms was used up");
    expect(s.connections()).toBeLessThan(4);
  });
});
