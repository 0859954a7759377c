/**
 * The certificate chain exactly as a TLS 1.3 server sends it. TLS 1.3 encrypts the Certificate message, so
 * this client does just enough of RFC 8446 to read it: an x25519 key share, TLS_AES_128_GCM_SHA256 (which every
 * TLS 1.3 server must implement, 9.1), the handshake key schedule (7.1), and record decryption (5.2) up to the
 * Certificate message. It never sends a Finished: the server is left with an abandoned handshake.
 */
import { createDecipheriv, createHash, createHmac, diffieHellman, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { createPublicKey } from 'node:crypto';
import { isIP } from 'node:net';
import { ByteReader } from '../../wire/byte-reader.ts';
import { TlsProtocolError } from '../errors.ts';
import type { Endpoint } from '../hello-exchange.ts';
import { extension as ext, HRR_RANDOM, u16, vec16, vec8 } from '../wire.ts';
import { alertName, describeEnd } from './legacy-features.ts';
import { converse } from './raw-conversation.ts';

const AES_128_GCM_SHA256 = 0x1301;
const X25519 = 29;
const X25519_SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');
const MAX_BYTES = 512 * 1024;

export type Tls13Chain =
  { status: 'read'; chain: Buffer[] } | { status: 'not-tls13'; detail: string } | { status: 'error'; detail: string };

const reader = (b: Buffer) => new ByteReader(b, () => new TlsProtocolError('a TLS 1.3 handshake message is shorter than its fields'));

function hkdfExtract(salt: Buffer, ikm: Buffer): Buffer {
  return createHmac('sha256', salt).update(ikm).digest();
}
function hkdfExpandLabel(secret: Buffer, label: string, context: Buffer, length: number): Buffer {
  const full = Buffer.from(`tls13 ${label}`, 'ascii');
  const info = Buffer.concat([u16(length), vec8(full), vec8(context)]);
  const blocks: Buffer[] = [];
  let previous = Buffer.alloc(0);
  for (let i = 1; Buffer.concat(blocks).length < length; i += 1) {
    previous = createHmac('sha256', secret)
      .update(Buffer.concat([previous, info, Buffer.from([i])]))
      .digest();
    blocks.push(previous);
  }
  return Buffer.concat(blocks).subarray(0, length);
}
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest();

function clientHello(publicKey: Buffer, serverName: string | undefined): { record: Buffer; message: Buffer } {
  const extensions = [
    ...(serverName && isIP(serverName) === 0
      ? [ext(0x0000, vec16(Buffer.concat([Buffer.from([0]), vec16(Buffer.from(serverName.replace(/\.$/, ''), 'ascii'))])))]
      : []),
    ext(0x000a, vec16(u16(X25519))),
    ext(0x000d, vec16(Buffer.concat([0x0403, 0x0804, 0x0805, 0x0806, 0x0503, 0x0603, 0x0807, 0x0401, 0x0501, 0x0601].map(u16)))),
    ext(0x002b, vec8(u16(0x0304))),
    ext(0x002d, vec8(Buffer.from([1]))),
    ext(0x0033, vec16(Buffer.concat([u16(X25519), vec16(publicKey)]))),
  ];
  const body = Buffer.concat([
    u16(0x0303),
    randomBytes(32),
    vec8(randomBytes(32)),
    vec16(u16(AES_128_GCM_SHA256)),
    vec8(Buffer.from([0])),
    vec16(Buffer.concat(extensions)),
  ]);
  const message = Buffer.concat([Buffer.from([1, body.length >> 16, (body.length >> 8) & 0xff, body.length & 0xff]), body]);
  return { record: Buffer.concat([Buffer.from([22, 3, 1]), vec16(message)]), message };
}

/** The server's x25519 share from a ServerHello body, or why the hello is not the TLS 1.3 one asked for. */
function serverShare(body: Buffer): Buffer | string {
  const r = reader(body);
  r.u16();
  const random = r.bytes(32);
  r.bytes(r.u8());
  const suite = r.u16();
  r.u8();
  if (random.equals(HRR_RANDOM)) return 'the server asked for another key share (HelloRetryRequest)';
  let version = 0;
  let share: Buffer | undefined;
  const list = reader(r.remaining() >= 2 ? r.bytes(r.u16()) : Buffer.alloc(0));
  while (list.remaining() >= 4) {
    const type = list.u16();
    const data = reader(list.bytes(list.u16()));
    if (type === 0x002b) version = data.u16();
    if (type === 0x0033 && data.u16() === X25519) share = data.bytes(data.u16());
  }
  if (version !== 0x0304) return 'the server did not choose TLS 1.3';
  if (suite !== AES_128_GCM_SHA256) return `the server chose suite 0x${suite.toString(16)}, which was not offered`;
  return share ?? 'the server sent no x25519 key share';
}

/** Certificate (RFC 8446 4.4.2): context, then entries of DER and extensions. */
function parseCertificate13(body: Buffer): Buffer[] {
  const r = reader(body);
  r.bytes(r.u8());
  const list = reader(r.bytes(r.u24()));
  const chain: Buffer[] = [];
  while (list.remaining() > 0) {
    chain.push(list.bytes(list.u24()));
    list.bytes(list.u16());
  }
  return chain;
}

export async function readTls13Chain(endpoint: Endpoint, options: { timeoutMs: number; signal?: AbortSignal }): Promise<Tls13Chain> {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  const raw = publicKey.export({ type: 'spki', format: 'der' }).subarray(-32);
  const hello = clientHello(raw, endpoint.serverName);
  const state: ReadState = { clientHello: hello.message, privateKey, offset: 0, sequence: 0n, handshake: Buffer.alloc(0) };
  const result = await converse<Tls13Chain>(
    endpoint,
    hello.record,
    {
      data: (received) => step(received, state),
      end: (how, received) =>
        received.length === 0 && how !== 'timeout'
          ? { status: 'not-tls13', detail: describeEnd(how) }
          : { status: 'error', detail: `${describeEnd(how)} before the Certificate message` },
    },
    { timeoutMs: options.timeoutMs, maxBytes: MAX_BYTES, signal: options.signal },
  );
  return result.failure !== undefined ? { status: 'error', detail: result.failure } : result.value;
}

/** How far the server's answer has been read: each record is read (and decrypted) once, however the bytes trickle in. */
interface ReadState {
  clientHello: Buffer;
  privateKey: KeyObject;
  /** Where the first record not yet read starts. */
  offset: number;
  serverHello?: Buffer;
  keys?: { key: Buffer; iv: Buffer };
  sequence: bigint;
  /** Decrypted handshake bytes not yet a whole message. */
  handshake: Buffer;
}

/** Reads the records that arrived since the last call; a chain or a verdict ends the conversation, undefined asks for more. */
function step(received: Buffer, state: ReadState): Tls13Chain | undefined {
  while (received.length - state.offset >= 5) {
    const offset = state.offset;
    const type = received[offset]!;
    const length = received.readUInt16BE(offset + 3);
    if (received[offset + 1] !== 3) throw new TlsProtocolError('the reply is not TLS');
    if (received.length - offset < 5 + length) return undefined;
    const header = received.subarray(offset, offset + 5);
    const fragment = received.subarray(offset + 5, offset + 5 + length);
    state.offset = offset + 5 + length;
    if (type === 21) return { status: 'not-tls13', detail: `alert ${alertName(fragment[1] ?? 0)}` };
    if (type === 20) continue;
    if (type === 22 && !state.serverHello) {
      const messageLength = fragment.readUIntBE(1, 3);
      if (fragment[0] !== 2 || fragment.length < 4 + messageLength)
        return { status: 'error', detail: 'the ServerHello does not fit one record' };
      const serverHello = fragment.subarray(0, 4 + messageLength);
      state.serverHello = serverHello;
      const share = serverShare(serverHello.subarray(4));
      if (typeof share === 'string') return { status: 'not-tls13', detail: share };
      const shared = diffieHellman({
        privateKey: state.privateKey,
        publicKey: createPublicKey({ key: Buffer.concat([X25519_SPKI_PREFIX, share]), format: 'der', type: 'spki' }),
      });
      const early = hkdfExtract(Buffer.alloc(32), Buffer.alloc(32));
      const derived = hkdfExpandLabel(early, 'derived', sha256(Buffer.alloc(0)), 32);
      const handshakeSecret = hkdfExtract(derived, shared);
      const traffic = hkdfExpandLabel(handshakeSecret, 's hs traffic', sha256(Buffer.concat([state.clientHello, serverHello])), 32);
      state.keys = { key: hkdfExpandLabel(traffic, 'key', Buffer.alloc(0), 16), iv: hkdfExpandLabel(traffic, 'iv', Buffer.alloc(0), 12) };
      continue;
    }
    const keys = state.keys;
    if (type !== 23 || !keys) return { status: 'error', detail: `an unexpected record of type ${type}` };
    const nonce = Buffer.from(keys.iv);
    const counter = Buffer.alloc(8);
    counter.writeBigUInt64BE(state.sequence);
    state.sequence += 1n;
    for (let i = 0; i < 8; i += 1) nonce[4 + i]! ^= counter[i]!;
    if (fragment.length < 17) return { status: 'error', detail: 'an encrypted record too short to hold its tag' };
    const decipher = createDecipheriv('aes-128-gcm', keys.key, nonce);
    decipher.setAAD(header);
    decipher.setAuthTag(fragment.subarray(-16));
    let inner: Buffer;
    try {
      inner = Buffer.concat([decipher.update(fragment.subarray(0, -16)), decipher.final()]);
    } catch {
      return { status: 'error', detail: 'an encrypted handshake record did not decrypt (its tag did not verify)' };
    }
    let end = inner.length - 1;
    while (end >= 0 && inner[end] === 0) end -= 1;
    if (end < 0 || inner[end] !== 22) return { status: 'error', detail: 'an encrypted record that is not a handshake message' };
    state.handshake = Buffer.concat([state.handshake, inner.subarray(0, end)]);
    while (state.handshake.length >= 4) {
      const messageLength = state.handshake.readUIntBE(1, 3);
      if (state.handshake.length < 4 + messageLength) break;
      const message = state.handshake.subarray(0, 4 + messageLength);
      state.handshake = state.handshake.subarray(4 + messageLength);
      if (message[0] === 11) return { status: 'read', chain: parseCertificate13(message.subarray(4)) };
    }
  }
  return undefined;
}
