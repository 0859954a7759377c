/**
 * ROBOT (Böck, Somorovsky, Young 2017): whether the server's answers to an RSA ClientKeyExchange tell a
 * well-formed PKCS #1 v1.5 padding from a broken one (a Bleichenbacher oracle). As the ROBOT authors' script
 * and testssl.sh do: five premaster secrets (one correct, four broken in known ways), each encrypted to the
 * server's key and followed by ChangeCipherSpec and a garbage Finished; a server that answers them alike has
 * no oracle. Answers that differ are asked a second time, and answers that change between the rounds are no verdict.
 */
import { randomBytes, X509Certificate } from 'node:crypto';
import type { Endpoint } from '../hello-exchange.ts';
import { VERSION_CODE, type TlsVersion } from '../versions.ts';
import { buildClientHello } from '../wire.ts';
import { alertName } from './legacy-features.ts';
import { HANDSHAKE, readRecords } from './check-hello.ts';
import { converse } from './raw-conversation.ts';

/** Records named in one answer; a server that sends more is described by these. */
const MAX_RECORDS_DESCRIBED = 8;

export const ROBOT_VARIANTS = ['correct', 'wrong first bytes', '0x00 in the padding', 'no 0x00 separator', 'wrong version'] as const;
export type RobotVariant = (typeof ROBOT_VARIANTS)[number];

export type RobotAnswer =
  /** Every variant got the same answer, in both rounds. */
  | { status: 'no-oracle'; answer: string; version: TlsVersion }
  /** Answers that differ by padding, the same in both rounds. */
  | { status: 'oracle'; answers: Record<string, string>; version: TlsVersion }
  /** Answers that changed between rounds, or a variant that could not be sent. */
  | { status: 'inconclusive'; detail: string };

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
    e >>= 1n;
  }
  return result;
}
const toBigInt = (bytes: Buffer) => BigInt(`0x${bytes.toString('hex') || '0'}`);
function toBytes(n: bigint, length: number): Buffer {
  return Buffer.from(n.toString(16).padStart(length * 2, '0'), 'hex');
}
function nonZero(length: number): Buffer {
  const bytes = randomBytes(length);
  for (let i = 0; i < length; i += 1) if (bytes[i] === 0) bytes[i] = 0x5a;
  return bytes;
}

/** The encoded message (RFC 8017 7.2.1) of one variant, for a modulus of k bytes and a client version. */
export function encodedPremaster(variant: RobotVariant, k: number, version: number): Buffer {
  const secret = Buffer.concat([Buffer.from([version >> 8, version & 0xff]), randomBytes(46)]);
  const padding = nonZero(k - 3 - secret.length);
  const em = Buffer.concat([Buffer.from([0, 2]), padding, Buffer.from([0]), secret]);
  const separator = 2 + padding.length;
  if (variant === 'wrong first bytes') em.set([0x41, 0x17], 0);
  if (variant === '0x00 in the padding') {
    em[10] = 0;
    em[separator] = 0x11;
  }
  if (variant === 'no 0x00 separator') em[separator] = 0x11;
  if (variant === 'wrong version') em.set([0x02, 0x02], separator + 1);
  return em;
}

function rsaKey(leaf: Buffer): { n: bigint; e: bigint; k: number } | undefined {
  try {
    const jwk = new X509Certificate(leaf).publicKey.export({ format: 'jwk' });
    if (jwk.kty !== 'RSA' || !jwk.n || !jwk.e) return undefined;
    const n = Buffer.from(jwk.n, 'base64url');
    return { n: toBigInt(n), e: toBigInt(Buffer.from(jwk.e, 'base64url')), k: n.length };
  } catch {
    return undefined;
  }
}

const record = (type: number, version: number, body: Buffer) =>
  Buffer.concat([Buffer.from([type, version >> 8, version & 0xff, body.length >> 8, body.length & 0xff]), body]);

/** One variant on one connection: the server's answer to the broken key exchange, as a short string. */
async function askOnce(
  endpoint: Endpoint,
  version: TlsVersion,
  suites: readonly number[],
  variant: RobotVariant,
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<string> {
  const code = VERSION_CODE[version];
  const hello = buildClientHello({ version: code, suites, groups: [29, 23], serverName: endpoint.serverName });
  const begun = Date.now();
  let sentAt: number | undefined;
  const result = await converse<string>(
    endpoint,
    hello,
    {
      data(received, write, shorten) {
        if (sentAt === undefined) {
          const { items } = readRecords(received);
          let leaf: Buffer | undefined;
          for (const item of items) {
            if (item.kind === 'alert') return `refused the hello (alert ${alertName(item.description)})`;
            if (item.kind === 'handshake' && item.type === HANDSHAKE.certificate) {
              const list = item.body.subarray(3);
              leaf = list.length >= 3 ? list.subarray(3, 3 + list.readUIntBE(0, 3)) : undefined;
            }
            if (item.kind === 'handshake' && item.type === HANDSHAKE.serverHelloDone) {
              const key = leaf && rsaKey(leaf);
              if (!key) return 'no RSA certificate';
              const em = encodedPremaster(variant, key.k, code);
              const encrypted = toBytes(modPow(toBigInt(em), key.e, key.n), key.k);
              const exchange = Buffer.concat([
                Buffer.from([16, 0, (key.k + 2) >> 8, (key.k + 2) & 0xff]),
                Buffer.from([key.k >> 8, key.k & 0xff]),
                encrypted,
              ]);
              sentAt = received.length;
              write(Buffer.concat([record(22, code, exchange), record(20, code, Buffer.from([1])), record(22, code, randomBytes(48))]));
              shorten(Math.max(1000, 4 * (Date.now() - begun)));
              return undefined;
            }
          }
          return undefined;
        }
        // Everything the server says, and how it ends the connection, is the answer: weak oracles differ only there.
        return undefined;
      },
      end: (how, received) => {
        if (sentAt === undefined) return `the hello got no full answer (${how})`;
        const said = describeRecords(received.subarray(sentAt));
        return said ? `${said}, then connection ${how}` : `connection ${how}`;
      },
    },
    { timeoutMs: options.timeoutMs, maxBytes: 256 * 1024, signal: options.signal },
  );
  return result.failure !== undefined ? `failure: ${result.failure}` : result.value;
}

/** The records after the broken key exchange, in order: alerts by name, other records by type; the bytes are not kept. */
function describeRecords(bytes: Buffer): string {
  try {
    const { items } = readRecords(bytes);
    return items
      .slice(0, MAX_RECORDS_DESCRIBED)
      .map((item) =>
        item.kind === 'alert'
          ? `alert ${alertName(item.description)}`
          : `a record of type ${item.kind === 'handshake' ? 22 : item.header.type}`,
      )
      .join(', ');
  } catch {
    return 'bytes that are not TLS';
  }
}

/** The five variants at once (through `limit`), and a second round when their answers differ. */
export async function probeRobot(
  endpoint: Endpoint,
  version: TlsVersion,
  suites: readonly number[],
  options: { timeoutMs: number; signal?: AbortSignal; limit: <T>(fn: () => Promise<T>) => Promise<T> },
): Promise<RobotAnswer> {
  const round = () => Promise.all(ROBOT_VARIANTS.map((v) => options.limit(() => askOnce(endpoint, version, suites, v, options))));
  const first = await round();
  const unsent = first.find(
    (a) => a.startsWith('failure:') || a.startsWith('refused the hello') || a.startsWith('the hello got') || a === 'no RSA certificate',
  );
  if (unsent) return { status: 'inconclusive', detail: `a broken key exchange could not be sent: ${unsent}` };
  // Silence or a bare reset to every variant says nothing of the padding check: a server that waits broken handshakes
  // out, or a middlebox that resets them all, is no proof. A clean close without an alert is the server's own answer.
  if (first.every((a) => a === 'connection timeout' || a === 'connection reset'))
    return {
      status: 'inconclusive',
      detail: `no variant got a TLS record in answer, only ${[...new Set(first)].join(' or ')}, so their answers cannot be compared`,
    };
  // Alike answers end it; answers that differ are asked again, so that one lost packet is no oracle.
  if (new Set(first).size === 1) return { status: 'no-oracle', answer: first[0]!, version };
  const second = await round();
  const changed = ROBOT_VARIANTS.flatMap((v, i) => (first[i] !== second[i] ? [`${v}: ${first[i]} then ${second[i]}`] : []));
  if (changed.length > 0) return { status: 'inconclusive', detail: `answers changed between two rounds (${changed.join('; ')})` };
  return { status: 'oracle', answers: Object.fromEntries(ROBOT_VARIANTS.map((v, i) => [v, first[i]!])), version };
}
