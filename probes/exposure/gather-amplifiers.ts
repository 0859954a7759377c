import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';

/** One bounded question to one UDP service: what was sent, what came back (sizes, the one flag that matters). */
export interface AmplifierQuery {
  kind: 'dns-recursion' | 'ntp-mode6';
  port: number;
  sentBytes: number;
  /** Bytes of the first reply; absent when nothing came back in time. */
  replyBytes?: number;
  /** What the reply says, in cocoscan's words: "recursion available, NXDOMAIN" or "mode 6 READVAR answered". */
  detail?: string;
  /** The service offers what amplifies: recursion to anyone, or NTP control queries. */
  amplifies?: boolean;
  /** Why the question could not be asked (a socket error), when it could not. */
  failure?: string;
}

/** The name asked for: under .invalid (RFC 6761), so no real domain is ever looked up. */
export const RECURSION_QUERY_NAME = 'cocoscan-recursion-check.invalid';

const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];

export function dnsRecursionQuery(id: Buffer): Buffer {
  const labels = RECURSION_QUERY_NAME.split('.').map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label, 'ascii')]));
  // Header: id, flags RD=1, one question; then QNAME, QTYPE A, QCLASS IN.
  return Buffer.concat([id, Buffer.from([0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]), ...labels, Buffer.from([0, 0, 1, 0, 1])]);
}

/** Reads a reply to dnsRecursionQuery: recursion is offered when the server says so (RA) and did not refuse. */
export function readDnsReply(reply: Buffer, id: Buffer): Pick<AmplifierQuery, 'detail' | 'amplifies'> {
  if (reply.length < 12 || reply[0] !== id[0] || reply[1] !== id[1] || (reply[2]! & 0x80) === 0)
    return { detail: 'a reply that is not an answer to the query', amplifies: false };
  const recursionAvailable = (reply[3]! & 0x80) !== 0;
  const rcode = reply[3]! & 0x0f;
  const rcodeName = RCODES[rcode] ?? `rcode ${rcode}`;
  const amplifies = recursionAvailable && rcodeName !== 'REFUSED';
  return { detail: `${recursionAvailable ? 'recursion available' : 'no recursion (RA clear)'}, ${rcodeName}`, amplifies };
}

/** NTP control message (mode 6), READVAR (opcode 2) for the system variables, as `ntpq -c rv` sends. */
export function ntpReadvarQuery(sequence: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0x16, 0x02]), sequence, Buffer.alloc(8)]);
}

export function readNtpReply(reply: Buffer): Pick<AmplifierQuery, 'detail' | 'amplifies'> {
  // A mode 6 response: version in bits 3-5, mode 6, and the response bit on the opcode byte.
  if (reply.length < 12 || (reply[0]! & 0x07) !== 6 || (reply[1]! & 0x80) === 0)
    return { detail: 'a reply that is not an NTP control response', amplifies: false };
  if ((reply[1]! & 0x40) !== 0) return { detail: 'mode 6 READVAR refused with an error response', amplifies: false };
  return { detail: 'mode 6 READVAR answered', amplifies: true };
}

/** Asks once and waits at most timeoutMs for the first datagram from the service. */
export async function askUdp(host: string, port: number, kind: AmplifierQuery['kind'], timeoutMs: number): Promise<AmplifierQuery> {
  const tag = randomBytes(2);
  const query = kind === 'dns-recursion' ? dnsRecursionQuery(tag) : ntpReadvarQuery(tag);
  const socket = createSocket(isIP(host) === 6 ? 'udp6' : 'udp4');
  try {
    const reply = await new Promise<Buffer | undefined>((resolve, reject) => {
      const timer = setTimeout(() => resolve(undefined), timeoutMs);
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      socket.on('message', (message) => {
        clearTimeout(timer);
        resolve(message);
      });
      socket.connect(port, host, () => socket.send(query));
    });
    if (!reply) return { kind, port, sentBytes: query.length };
    const read = kind === 'dns-recursion' ? readDnsReply(reply, tag) : readNtpReply(reply);
    return { kind, port, sentBytes: query.length, replyBytes: reply.length, ...read };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // An ICMP port unreachable: nothing listens there now, so nothing amplifies.
    if (code === 'ECONNREFUSED') return { kind, port, sentBytes: query.length, detail: 'the port refused the datagram', amplifies: false };
    return { kind, port, sentBytes: query.length, failure: `the UDP question could not be asked (${code ?? 'socket error'})` };
  } finally {
    socket.close();
  }
}
