/**
 * Just enough of the TLS wire format to ask a server what it accepts: a ClientHello built byte by byte
 * (so any version, suite or group can be offered, whatever Node's OpenSSL supports) and a reader for the
 * server's first flight (ServerHello, HelloRetryRequest, Certificate, ServerKeyExchange, alerts).
 * Nothing here completes a handshake.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { ByteReader } from '../wire/byte-reader.ts';
import { TlsProtocolError } from './errors.ts';
import { isIP } from 'node:net';

const RECORD_HANDSHAKE = 22;
const RECORD_ALERT = 21;
const HANDSHAKE_CLIENT_HELLO = 1;
export const HANDSHAKE_SERVER_HELLO = 2;
export const HANDSHAKE_CERTIFICATE = 11;
export const HANDSHAKE_SERVER_KEY_EXCHANGE = 12;
export const HANDSHAKE_SERVER_HELLO_DONE = 14;

const EXT_SERVER_NAME = 0x0000;
const EXT_SUPPORTED_GROUPS = 0x000a;
const EXT_EC_POINT_FORMATS = 0x000b;
const EXT_SIGNATURE_ALGORITHMS = 0x000d;
const EXT_EXTENDED_MASTER_SECRET = 0x0017;
const EXT_SESSION_TICKET = 0x0023;
const EXT_SUPPORTED_VERSIONS = 0x002b;
const EXT_PSK_MODES = 0x002d;
const EXT_KEY_SHARE = 0x0033;
const EXT_RENEGOTIATION_INFO = 0xff01;

// SHA-256("HelloRetryRequest"): a ServerHello with this random is a HelloRetryRequest (RFC 8446 4.1.3).
export const HRR_RANDOM = Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex');

const SIGNATURE_ALGORITHMS = [
  0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0807, 0x0808, 0x0809, 0x080a, 0x080b, 0x0401, 0x0501, 0x0601, 0x0303, 0x0301, 0x0302,
  0x0402, 0x0502, 0x0602, 0x0203, 0x0201, 0x0202,
];

export interface HelloOptions {
  /** Record and ClientHello version (0x0300 … 0x0303). For TLS 1.3 use 0x0303 with `tls13`. */
  version: number;
  suites: readonly number[];
  groups: readonly number[];
  /** Offer TLS 1.3 only (supported_versions = 1.3, an x25519 key share). */
  tls13?: boolean;
  /** Server name for SNI; IP addresses are never sent as SNI. */
  serverName?: string;
  /** Compression methods offered, null (0) last; only null when absent. */
  compression?: readonly number[];
  /** Extensions of the caller's own (type and body), after the usual ones: each type at most once in a hello. */
  extensions?: ReadonlyArray<readonly [number, Buffer]>;
}

function u8(n: number): Buffer {
  return Buffer.from([n & 0xff]);
}
export function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}
function u24(n: number): Buffer {
  return Buffer.from([(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
}
export function vec16(body: Buffer): Buffer {
  return Buffer.concat([u16(body.length), body]);
}
export function vec8(body: Buffer): Buffer {
  return Buffer.concat([u8(body.length), body]);
}
function list16(values: readonly number[]): Buffer {
  return Buffer.concat(values.map(u16));
}
export function extension(type: number, body: Buffer): Buffer {
  return Buffer.concat([u16(type), vec16(body)]);
}

let x25519Public: Buffer | undefined;
function x25519KeyShare(): Buffer {
  if (!x25519Public) {
    const { publicKey } = generateKeyPairSync('x25519');
    // The raw key is the last 32 bytes of the SPKI DER encoding.
    x25519Public = publicKey.export({ type: 'spki', format: 'der' }).subarray(-32);
  }
  return x25519Public;
}

export function buildClientHello(options: HelloOptions): Buffer {
  const extensions: Buffer[] = [];
  if (options.version >= 0x0301) {
    if (options.serverName && isIP(options.serverName) === 0) {
      const name = Buffer.from(options.serverName.replace(/\.$/, ''), 'ascii');
      extensions.push(extension(EXT_SERVER_NAME, vec16(Buffer.concat([u8(0), vec16(name)]))));
    }
    extensions.push(extension(EXT_SUPPORTED_GROUPS, vec16(list16(options.groups))));
    extensions.push(extension(EXT_EC_POINT_FORMATS, vec8(Buffer.from([0, 1, 2]))));
    extensions.push(extension(EXT_SIGNATURE_ALGORITHMS, vec16(list16(SIGNATURE_ALGORITHMS))));
    extensions.push(extension(EXT_SESSION_TICKET, Buffer.alloc(0)));
    extensions.push(extension(EXT_EXTENDED_MASTER_SECRET, Buffer.alloc(0)));
    extensions.push(extension(EXT_RENEGOTIATION_INFO, Buffer.from([0])));
    if (options.tls13) {
      extensions.push(extension(EXT_SUPPORTED_VERSIONS, vec8(u16(0x0304))));
      extensions.push(extension(EXT_PSK_MODES, vec8(Buffer.from([1]))));
      const share = options.groups.includes(29) ? vec16(Buffer.concat([u16(29), vec16(x25519KeyShare())])) : vec16(Buffer.alloc(0));
      extensions.push(extension(EXT_KEY_SHARE, share));
    }
    for (const [type, body] of options.extensions ?? []) extensions.push(extension(type, body));
  }
  const body = Buffer.concat([
    u16(options.version),
    randomBytes(32),
    vec8(options.tls13 ? randomBytes(32) : Buffer.alloc(0)),
    vec16(list16(options.suites)),
    vec8(Buffer.from(options.compression ?? [0])),
    ...(extensions.length > 0 ? [vec16(Buffer.concat(extensions))] : []),
  ]);
  const handshake = Buffer.concat([u8(HANDSHAKE_CLIENT_HELLO), u24(body.length), body]);
  // Record layer version: 0x0301 for TLS hellos (what browsers send), 0x0300 for SSLv3.
  const recordVersion = options.version === 0x0300 ? 0x0300 : 0x0301;
  return Buffer.concat([u8(RECORD_HANDSHAKE), u16(recordVersion), vec16(handshake)]);
}

export interface ServerHello {
  /** Negotiated version (from supported_versions when present). */
  version: number;
  suite: number;
  helloRetry: boolean;
  /** Group from key_share (TLS 1.3) or from a HelloRetryRequest. */
  group?: number;
}

export interface ServerKeyExchange {
  /** Prime size for finite-field DHE. */
  dhBits?: number;
  /** Named group: the ECDHE curve, or the RFC 7919 group a DHE prime is (recognised by its value). */
  group?: number;
}

export { TlsProtocolError };

/** Parses a ServerHello handshake body. */
export function parseServerHello(body: Buffer): ServerHello {
  const r = reader(body);
  let version = r.u16();
  const random = r.bytes(32);
  r.bytes(r.u8()); // session id
  const suite = r.u16();
  r.u8(); // compression
  const helloRetry = random.equals(HRR_RANDOM);
  let group: number | undefined;
  if (r.remaining() >= 2) {
    const extensions = reader(r.bytes(r.u16()));
    while (extensions.remaining() >= 4) {
      const type = extensions.u16();
      const data = reader(extensions.bytes(extensions.u16()));
      if (type === EXT_SUPPORTED_VERSIONS && data.remaining() >= 2) version = data.u16();
      if (type === EXT_KEY_SHARE && data.remaining() >= 2) group = data.u16();
    }
  }
  return { version, suite, helloRetry, group };
}

/** Reads the key-exchange parameters from a TLS 1.2-or-older ServerKeyExchange, given the suite's kx. */
export function parseServerKeyExchange(body: Buffer, kx: string): ServerKeyExchange {
  const r = reader(body);
  if (kx.startsWith('ECDH')) {
    const curveType = r.u8();
    if (curveType !== 3) return {};
    return { group: r.u16() };
  }
  if (kx.startsWith('DH')) {
    const p = r.bytes(r.u16());
    const firstNonZero = p.findIndex((b) => b !== 0);
    if (firstNonZero < 0) return { dhBits: 0 };
    const bits = (p.length - firstNonZero - 1) * 8 + (32 - Math.clz32(p[firstNonZero]!));
    const group = ffdheGroupOf(p.subarray(firstNonZero), bits);
    return group === undefined ? { dhBits: bits } : { dhBits: bits, group };
  }
  return {};
}

// RFC 7919 primes: the top 64 bits and the bottom 64 bits are all ones, and the bits after the top 64 are those of e
// (the same for every size); only the sizes below are defined.
const FFDHE_HEAD = Buffer.from('ffffffffffffffffadf85458a2bb4a9aafdc5620273d3cf1', 'hex');
const FFDHE_TAIL = Buffer.alloc(8, 0xff);
const FFDHE_BY_BITS = new Map([
  [2048, 256],
  [3072, 257],
  [4096, 258],
  [6144, 259],
  [8192, 260],
]);

/** The RFC 7919 group code of a DH prime, when the prime is one of them. */
export function ffdheGroupOf(prime: Buffer, bits: number): number | undefined {
  const code = FFDHE_BY_BITS.get(bits);
  if (code === undefined || prime.length < FFDHE_HEAD.length + FFDHE_TAIL.length) return undefined;
  const head = prime.subarray(0, FFDHE_HEAD.length).equals(FFDHE_HEAD);
  return head && prime.subarray(-FFDHE_TAIL.length).equals(FFDHE_TAIL) ? code : undefined;
}

/** Splits the certificate_list of a TLS 1.2-or-older Certificate message into DER certificates. */
export function parseCertificateList(body: Buffer): Buffer[] {
  const r = reader(body);
  const list = reader(r.bytes(r.u24()));
  const certificates: Buffer[] = [];
  while (list.remaining() > 0) certificates.push(list.bytes(list.u24()));
  return certificates;
}

export interface Alert {
  level: number;
  description: number;
}

export const ALERT_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries({
    0: 'close_notify',
    10: 'unexpected_message',
    20: 'bad_record_mac',
    40: 'handshake_failure',
    42: 'bad_certificate',
    47: 'illegal_parameter',
    50: 'decode_error',
    51: 'decrypt_error',
    70: 'protocol_version',
    71: 'insufficient_security',
    80: 'internal_error',
    86: 'inappropriate_fallback',
    90: 'user_canceled',
    109: 'missing_extension',
    110: 'unsupported_extension',
    112: 'unrecognized_name',
    120: 'no_application_protocol',
  }).map(([code, name]) => [Number(code), name]),
);

export type RecordEvent = { kind: 'handshake'; type: number; body: Buffer } | { kind: 'alert'; alert: Alert };

/**
 * Incremental reader of the server's records: feed it bytes, it yields whole handshake messages and
 * alerts. Anything that is not a TLS 1.x record is a TlsProtocolError (the port does not speak TLS).
 */
export class ServerFlightReader {
  #buffer = Buffer.alloc(0);
  #handshake = Buffer.alloc(0);
  #total = 0;
  #alerted = false;

  constructor(private readonly maxBytes: number) {}

  push(chunk: Buffer): RecordEvent[] {
    this.#total += chunk.length;
    if (this.#total > this.maxBytes) throw new TlsProtocolError(`the server's first flight passed ${this.maxBytes} bytes`);
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    const events: RecordEvent[] = [];
    while (this.#buffer.length >= 5) {
      const type = this.#buffer[0]!;
      const major = this.#buffer[1]!;
      const length = this.#buffer.readUInt16BE(3);
      if (major !== 3 || (type !== RECORD_HANDSHAKE && type !== RECORD_ALERT && type !== 20 && type !== 23)) {
        // An alert already read is the server's answer; what follows it (vsftpd's "500 OOPS") is not read as TLS.
        if (this.#alerted) {
          this.#buffer = Buffer.alloc(0);
          break;
        }
        throw new TlsProtocolError(`the reply is not TLS (first bytes ${this.#buffer.subarray(0, 8).toString('hex')})`);
      }
      if (length > 18_432) throw new TlsProtocolError(`a TLS record claims ${length} bytes, more than TLS allows`);
      if (this.#buffer.length < 5 + length) break;
      const fragment = this.#buffer.subarray(5, 5 + length);
      this.#buffer = this.#buffer.subarray(5 + length);
      if (type === RECORD_ALERT) {
        if (fragment.length >= 2) {
          this.#alerted = true;
          events.push({ kind: 'alert', alert: { level: fragment[0]!, description: fragment[1]! } });
        }
        continue;
      }
      if (type !== RECORD_HANDSHAKE) continue;
      this.#handshake = Buffer.concat([this.#handshake, fragment]);
      while (this.#handshake.length >= 4) {
        const messageLength = (this.#handshake[1]! << 16) | (this.#handshake[2]! << 8) | this.#handshake[3]!;
        if (this.#handshake.length < 4 + messageLength) break;
        events.push({ kind: 'handshake', type: this.#handshake[0]!, body: this.#handshake.subarray(4, 4 + messageLength) });
        this.#handshake = this.#handshake.subarray(4 + messageLength);
      }
    }
    return events;
  }
}

function reader(data: Buffer): ByteReader {
  return new ByteReader(data, () => new TlsProtocolError('a handshake message is shorter than its fields'));
}
