/**
 * A raw SSLv2 CLIENT-HELLO (the 2-byte-header record format), as testssl.sh sends it: a server that answers
 * with an SSLv2 SERVER-HELLO speaks SSLv2, and its RSA key can be attacked through it (DROWN, CVE-2016-0800).
 */
import { randomBytes } from 'node:crypto';
import type { Endpoint } from '../hello-exchange.ts';
import { alertName, describeEnd } from './legacy-features.ts';
import { converse } from './raw-conversation.ts';

/** The SSLv2 cipher kinds (RFC-less: the Netscape SSL 2.0 draft, appendix). */
export const SSLV2_CIPHERS: ReadonlyMap<number, string> = new Map([
  [0x010080, 'SSL_CK_RC4_128_WITH_MD5'],
  [0x020080, 'SSL_CK_RC4_128_EXPORT40_WITH_MD5'],
  [0x030080, 'SSL_CK_RC2_128_CBC_WITH_MD5'],
  [0x040080, 'SSL_CK_RC2_128_CBC_EXPORT40_WITH_MD5'],
  [0x050080, 'SSL_CK_IDEA_128_CBC_WITH_MD5'],
  [0x060040, 'SSL_CK_DES_64_CBC_WITH_MD5'],
  [0x0700c0, 'SSL_CK_DES_192_EDE3_CBC_WITH_MD5'],
]);

export type Sslv2Answer =
  { status: 'accepted'; ciphers: string[] } | { status: 'rejected'; detail: string } | { status: 'error'; detail: string };

export function buildSslv2ClientHello(): Buffer {
  const specs = Buffer.concat([...SSLV2_CIPHERS.keys()].map((k) => Buffer.from([k >> 16, (k >> 8) & 0xff, k & 0xff])));
  const challenge = randomBytes(16);
  const body = Buffer.concat([
    Buffer.from([1, 0x00, 0x02]),
    Buffer.from([specs.length >> 8, specs.length & 0xff, 0, 0, 0, challenge.length]),
    specs,
    challenge,
  ]);
  return Buffer.concat([Buffer.from([0x80 | (body.length >> 8), body.length & 0xff]), body]);
}

/** Reads an SSLv2 SERVER-HELLO, a TLS alert, or decides the bytes are neither; undefined while incomplete. */
export function readSslv2Answer(received: Buffer): Sslv2Answer | undefined {
  if (received.length < 2) return undefined;
  if (received[0] === 21 && received[1] === 3)
    return received.length >= 7 ? { status: 'rejected', detail: `alert ${alertName(received[6]!)}` } : undefined;
  if ((received[0]! & 0x80) === 0)
    return { status: 'rejected', detail: `an answer that is not SSLv2 (first bytes ${received.subarray(0, 4).toString('hex')})` };
  const length = ((received[0]! & 0x7f) << 8) | received[1]!;
  if (received.length < 2 + Math.min(length, 11)) return undefined;
  const message = received.subarray(2, 2 + length);
  if (message[0] !== 4 || message.length < 11)
    return { status: 'rejected', detail: `an SSLv2 message of type ${message[0]} instead of SERVER-HELLO` };
  const version = message.readUInt16BE(3);
  if (version !== 0x0002) return { status: 'rejected', detail: `a SERVER-HELLO for version 0x${version.toString(16)}` };
  const certificateLength = message.readUInt16BE(5);
  const specsLength = message.readUInt16BE(7);
  if (message.length < 11 + certificateLength + specsLength)
    return length > message.length ? undefined : { status: 'accepted', ciphers: [] };
  const specs = message.subarray(11 + certificateLength, 11 + certificateLength + specsLength);
  const ciphers: string[] = [];
  for (let i = 0; i + 3 <= specs.length; i += 3) {
    const kind = specs.readUIntBE(i, 3);
    ciphers.push(SSLV2_CIPHERS.get(kind) ?? `0x${kind.toString(16).padStart(6, '0')}`);
  }
  return { status: 'accepted', ciphers };
}

export async function probeSslv2(endpoint: Endpoint, options: { timeoutMs: number; signal?: AbortSignal }): Promise<Sslv2Answer> {
  const result = await converse<Sslv2Answer>(
    endpoint,
    buildSslv2ClientHello(),
    {
      data: (received) => readSslv2Answer(received),
      end: (how, received) =>
        received.length > 0
          ? { status: 'error', detail: `an SSLv2 answer cut short (${received.length} bytes), then ${describeEnd(how)}` }
          : how === 'timeout'
            ? // As testssl.sh reads it: a server that speaks SSLv2 answers its CLIENT-HELLO at once.
              { status: 'rejected', detail: `no SSLv2 answer within ${options.timeoutMs} ms` }
            : { status: 'rejected', detail: describeEnd(how) },
    },
    { timeoutMs: options.timeoutMs, maxBytes: 64 * 1024, signal: options.signal },
  );
  return result.failure !== undefined ? { status: 'error', detail: result.failure } : result.value;
}
