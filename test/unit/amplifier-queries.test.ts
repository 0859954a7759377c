import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import {
  askUdp,
  dnsRecursionQuery,
  ntpReadvarQuery,
  readDnsReply,
  readNtpReply,
  RECURSION_QUERY_NAME,
} from '../../probes/exposure/gather-amplifiers.ts';
import { amplifierQuestions, MAX_AMPLIFIER_QUESTIONS } from '../../probes/exposure/gather.ts';
import { nmapHost, probedService } from '../helpers/nmap-host.ts';

const id = Buffer.from([0xab, 0xcd]);
/** A DNS reply header to the query: QR set, RA as given, the rcode. */
const dnsReply = (ra: boolean, rcode: number, replyId = id) =>
  Buffer.concat([replyId, Buffer.from([0x81, (ra ? 0x80 : 0) | rcode]), dnsRecursionQuery(id).subarray(4)]);

describe('the DNS recursion question', () => {
  it('asks for an A record under .invalid with recursion desired, never a real domain', () => {
    const query = dnsRecursionQuery(id);
    expect(query.subarray(0, 4)).toEqual(Buffer.from([0xab, 0xcd, 0x01, 0x00]));
    expect(query.toString('latin1')).toContain('invalid');
    expect(RECURSION_QUERY_NAME.endsWith('.invalid')).toBe(true);
    expect(query.length).toBe(12 + RECURSION_QUERY_NAME.length + 2 + 4);
  });

  it.each([
    ['recursion available, NXDOMAIN', dnsReply(true, 3), true],
    ['recursion available, NOERROR', dnsReply(true, 0), true],
    ['recursion available, SERVFAIL', dnsReply(true, 2), true],
    ['recursion available, REFUSED', dnsReply(true, 5), false],
    ['no recursion (RA clear), REFUSED', dnsReply(false, 5), false],
    ['no recursion (RA clear), NXDOMAIN', dnsReply(false, 3), false],
    ['recursion available, rcode 11', dnsReply(true, 11), true],
  ])('reads %s', (detail, reply, amplifies) => expect(readDnsReply(reply, id)).toEqual({ detail, amplifies }));

  it.each([
    ['an echo of the query (QR clear)', dnsRecursionQuery(id)],
    ['another query id', dnsReply(true, 3, Buffer.from([0, 1]))],
    ['a truncated header', Buffer.from([0xab, 0xcd, 0x81])],
    ['nothing', Buffer.alloc(0)],
  ])('does not take %s for an answer', (_, reply) =>
    expect(readDnsReply(reply, id)).toEqual({ detail: 'a reply that is not an answer to the query', amplifies: false }),
  );
});

describe('the NTP mode 6 question', () => {
  it('is a 12-byte READVAR control message', () => {
    expect(ntpReadvarQuery(Buffer.from([0, 1]))).toEqual(Buffer.from([0x16, 0x02, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]));
  });
  it('reads an answer, an error response and anything else', () => {
    expect(readNtpReply(Buffer.from([0x16, 0x82, 0, 1, ...Array(400).fill(0x41)]))).toEqual({
      detail: 'mode 6 READVAR answered',
      amplifies: true,
    });
    expect(readNtpReply(Buffer.from([0x16, 0xc2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0])).amplifies).toBe(false);
    expect(readNtpReply(Buffer.from([0x1c, 0x02, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0])).amplifies).toBe(false);
    expect(readNtpReply(Buffer.alloc(3)).amplifies).toBe(false);
  });
});

describe('which open UDP services get a question', () => {
  it('asks DNS and NTP found open, never a silent or TCP port, and at most a few', () => {
    const host = nmapHost([
      [53, 'open', 'udp-response', probedService('domain'), 'udp'],
      [123, 'open', 'udp-response', probedService('ntp'), 'udp'],
      [5353, 'open|filtered', 'no-response', probedService('domain'), 'udp'],
      [53, 'open', 'syn-ack', probedService('domain'), 'tcp'],
      [7, 'open', 'udp-response', probedService('echo'), 'udp'],
      ...Array.from({ length: 20 }, (_, i): [number, string, string, undefined, 'udp'] => [
        6000 + i,
        'open',
        'udp-response',
        undefined,
        'udp',
      ]),
      ...Array.from({ length: 20 }, (_, i): [number, string, string, ReturnType<typeof probedService>, 'udp'] => [
        7000 + i,
        'open',
        'udp-response',
        probedService('domain'),
        'udp',
      ]),
    ]);
    const questions = amplifierQuestions(host);
    expect(questions.slice(0, 2)).toEqual([
      { port: 53, kind: 'dns-recursion' },
      { port: 123, kind: 'ntp-mode6' },
    ]);
    expect(questions).toHaveLength(MAX_AMPLIFIER_QUESTIONS);
    expect(amplifierQuestions(undefined)).toEqual([]);
  });
});

describe('asking over UDP (loopback)', () => {
  let server: Socket | undefined;
  afterEach(() => server?.close());

  const serve = async (answer: (query: Buffer) => Buffer | undefined): Promise<number> => {
    server = createSocket('udp4');
    server.on('message', (message, remote) => {
      const reply = answer(message);
      if (reply) server!.send(reply, remote.port, remote.address);
    });
    await new Promise<void>((resolve) => server!.bind(0, '127.0.0.1', resolve));
    return server.address().port;
  };

  it('reads a recursor that answers NXDOMAIN with recursion available', async () => {
    const port = await serve((q) => Buffer.concat([q.subarray(0, 2), Buffer.from([0x81, 0x83]), q.subarray(4)]));
    const result = await askUdp('127.0.0.1', port, 'dns-recursion', 2000);
    expect(result).toMatchObject({ kind: 'dns-recursion', port, amplifies: true, detail: 'recursion available, NXDOMAIN' });
    expect(result.replyBytes).toBe(result.sentBytes);
  });

  it('gives no reply, not a failure, when the service stays silent', async () => {
    const port = await serve(() => undefined);
    expect(await askUdp('127.0.0.1', port, 'ntp-mode6', 200)).toEqual({ kind: 'ntp-mode6', port, sentBytes: 12 });
  });
});
