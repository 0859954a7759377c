import { createECDH, generateKeyPairSync, getDiffieHellman, randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import {
  MSG_DISCONNECT,
  MSG_KEXDH_INIT,
  MSG_KEXDH_REPLY,
  MSG_KEXINIT,
  SshProtocolError,
  SshReader,
  SshStreamReader,
  kexinitPayload,
  packet,
  parseKexinit,
  sshMpint,
  sshString,
  uint32,
  type Kexinit,
} from './wire.ts';
import { describeNames, displayText } from './bounded-text.ts';
import { readHostKeyBlob, type HostKey } from './host-key-blob.ts';
import { hostPort } from '../host-port.ts';

export type { HostKey };

export interface SshEndpoint {
  host: string;
  port: number;
}

export interface ExchangeOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

export const CLIENT_IDENT = 'SSH-2.0-cocoscan_0.1';

type Step = (
  event: { kind: 'ident'; ident: string; preamble: string[] } | { kind: 'packet'; payload: Buffer },
  send: (data: Buffer) => void,
) => unknown;

/** Most bytes one probe connection reads from a server before it gives up (a KEXINIT is at most 35 KB). */
export const MAX_BYTES_PER_CONNECTION = 256 * 1024;

export type ExchangeResult<T> = { ok: true; value: T } | { ok: false; reason: string };

/** What a silent or slow server had sent when the time ran out, in words a user can act on. */
function stalledReason(endpoint: SshEndpoint, timeoutMs: number, seen: { bytes: number; ident: boolean; packets: number }): string {
  const where = hostPort(endpoint.host, endpoint.port);
  const limit = `${timeoutMs / 1000} s (scan.probeTimeoutSeconds)`;
  if (seen.bytes === 0)
    return `${where} accepted the connection but sent nothing within ${limit}: check that an SSH server answers there, or raise scan.probeTimeoutSeconds`;
  if (!seen.ident)
    return `${where} sent ${seen.bytes} bytes but no SSH identification within ${limit}: it does not answer like an SSH server`;
  const nextStep = 'check the SSH server, or raise scan.probeTimeoutSeconds for a slow link';
  if (seen.packets === 0) return `${where} sent its identification but no key-exchange packet within ${limit}: ${nextStep}`;
  const stalled = `it stalled after ${seen.packets} packet(s), ${seen.bytes} bytes`;
  return `${where} did not finish its part of the key exchange within ${limit} (${stalled}): ${nextStep}`;
}

/**
 * Opens a connection, sends cocoscan's identification and feeds what the server sends to `step` until it
 * returns a result. Every failure (refused, reset, timeout, garbage, a flood) becomes `{ ok: false, reason }`;
 * the deadline covers the whole exchange, so a server that trickles bytes is cut off like a silent one.
 */
function exchange<T>(endpoint: SshEndpoint, options: ExchangeOptions, step: Step): Promise<ExchangeResult<T>> {
  return new Promise((resolve) => {
    const reader = new SshStreamReader();
    const seen = { bytes: 0, ident: false, packets: 0 };
    let done = false;
    if (options.signal?.aborted) return resolve({ ok: false, reason: 'the run was cancelled' });
    const socket = connect({ host: endpoint.host, port: endpoint.port });
    const finish = (result: ExchangeResult<T>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ ok: false, reason: stalledReason(endpoint, options.timeoutMs, seen) }), options.timeoutMs);
    const onAbort = () => finish({ ok: false, reason: 'the run was cancelled' });
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const send = (data: Buffer) => socket.write(data);
    socket.on('connect', () => socket.write(`${CLIENT_IDENT}\r\n`));
    socket.on('data', (chunk: Buffer) => {
      if (done) return;
      seen.bytes += chunk.length;
      if (seen.bytes > MAX_BYTES_PER_CONNECTION) {
        return finish({
          ok: false,
          reason: `${hostPort(endpoint.host, endpoint.port)} sent over ${MAX_BYTES_PER_CONNECTION / 1024} KB without finishing its part of the key exchange`,
        });
      }
      try {
        for (const event of reader.push(chunk)) {
          if (event.kind === 'ident') seen.ident = true;
          else seen.packets += 1;
          if (event.kind === 'packet' && event.payload[0] === MSG_DISCONNECT) {
            const r = new SshReader(event.payload.subarray(1));
            r.uint32();
            return finish({ ok: false, reason: `the server disconnected: ${displayText(r.string().toString('latin1'), 200)}` });
          }
          const value = step(event, send);
          if (value !== undefined) return finish({ ok: true, value: value as T });
        }
      } catch (error) {
        finish({
          ok: false,
          reason:
            error instanceof SshProtocolError
              ? error.message
              : 'cocoscan could not read the reply (an internal error: please report it with the evidence file)',
        });
      }
    });
    socket.on('error', (error: NodeJS.ErrnoException) => finish({ ok: false, reason: `${error.code ?? 'error'}: ${error.message}` }));
    socket.on('close', () => finish({ ok: false, reason: 'the server closed the connection before the key exchange' }));
  });
}

export interface SshHello {
  ident: string;
  preamble: string[];
  kexinit: Kexinit;
}

/** The server's identification and its first KEXINIT: everything it offers, read before any negotiation. */
export function readServerHello(endpoint: SshEndpoint, options: ExchangeOptions) {
  let ident: { ident: string; preamble: string[] } | undefined;
  return exchange<SshHello>(endpoint, options, (event) => {
    if (event.kind === 'ident') {
      ident = event;
      return undefined;
    }
    if (event.payload[0] !== MSG_KEXINIT) throw new SshProtocolError(`expected KEXINIT, got message ${event.payload[0]}`);
    return { ident: ident!.ident, preamble: ident!.preamble, kexinit: parseKexinit(event.payload) };
  });
}

const KEX_PREFERENCE = [
  'curve25519-sha256',
  'curve25519-sha256@libssh.org',
  'ecdh-sha2-nistp256',
  'ecdh-sha2-nistp384',
  'ecdh-sha2-nistp521',
  'diffie-hellman-group14-sha256',
  'diffie-hellman-group16-sha512',
  'diffie-hellman-group18-sha512',
  'diffie-hellman-group14-sha1',
  'diffie-hellman-group1-sha1',
  // A server may offer only these: cocoscan starts them too, far enough to be sent the host key.
  'diffie-hellman-group-exchange-sha256',
  'diffie-hellman-group-exchange-sha1',
  'sntrup761x25519-sha512',
  'sntrup761x25519-sha512@openssh.com',
  'mlkem768x25519-sha256',
];

const MODP = new Map([
  ['group1', 'modp2'],
  ['group14', 'modp14'],
  ['group16', 'modp16'],
  ['group18', 'modp18'],
]);
const NIST_CURVE = new Map([
  ['nistp256', 'prime256v1'],
  ['nistp384', 'secp384r1'],
  ['nistp521', 'secp521r1'],
]);

/** RFC 4419: group exchange messages. */
const MSG_KEX_DH_GEX_GROUP = 31;
const MSG_KEX_DH_GEX_INIT = 32;
const MSG_KEX_DH_GEX_REPLY = 33;
const MSG_KEX_DH_GEX_REQUEST = 34;
/** The group sizes cocoscan asks for (RFC 8270's minimum, OpenSSH's preferred and maximum). */
const GEX_BITS = { min: 2048, preferred: 3072, max: 8192 };

/**
 * Public-key sizes of the post-quantum half of the hybrid key exchanges. cocoscan never finishes these
 * exchanges, so it sends an all-zero KEM key (well-formed: every ML-KEM coefficient 0 is below q) with a
 * real X25519 key; the server encapsulates to it and replies with its host key before anything is checked.
 */
const HYBRID_KEM_PUBLIC_BYTES = new Map([
  ['sntrup761x25519-sha512', 1158],
  ['sntrup761x25519-sha512@openssh.com', 1158],
  ['mlkem768x25519-sha256', 1184],
]);

/** A key-exchange method cocoscan can start (to be sent the host key), or undefined. */
export function chooseKex(offered: string[]): string | undefined {
  return KEX_PREFERENCE.find((k) => offered.includes(k));
}

const isGroupExchange = (kex: string) => kex.startsWith('diffie-hellman-group-exchange-');

function x25519Public(): Buffer {
  return generateKeyPairSync('x25519').publicKey.export({ type: 'spki', format: 'der' }).subarray(-32);
}

/** The first key-exchange message: the client's public value, or for group exchange the request for a group. */
function kexInitMessage(kex: string): Buffer {
  if (isGroupExchange(kex)) {
    return Buffer.concat([Buffer.from([MSG_KEX_DH_GEX_REQUEST]), uint32(GEX_BITS.min), uint32(GEX_BITS.preferred), uint32(GEX_BITS.max)]);
  }
  const kem = HYBRID_KEM_PUBLIC_BYTES.get(kex);
  if (kem !== undefined)
    return Buffer.concat([Buffer.from([MSG_KEXDH_INIT]), sshString(Buffer.concat([Buffer.alloc(kem), x25519Public()]))]);
  if (kex.startsWith('curve25519')) return Buffer.concat([Buffer.from([MSG_KEXDH_INIT]), sshString(x25519Public())]);
  const curve = /nistp\d+/.exec(kex)?.[0];
  if (curve) {
    const ecdh = createECDH(NIST_CURVE.get(curve) ?? 'prime256v1');
    return Buffer.concat([Buffer.from([MSG_KEXDH_INIT]), sshString(ecdh.generateKeys())]);
  }
  const group = /group\d+/.exec(kex)?.[0];
  const dh = getDiffieHellman(MODP.get(group ?? '') ?? 'modp14');
  return Buffer.concat([Buffer.from([MSG_KEXDH_INIT]), sshMpint(dh.generateKeys())]);
}

/** base^exponent mod modulus, on BigInts (square and multiply). */
function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
  }
  return result;
}

const toBigInt = (bytes: Buffer) => (bytes.length === 0 ? 0n : BigInt(`0x${bytes.toString('hex')}`));
function fromBigInt(value: bigint): Buffer {
  const hex = value.toString(16);
  return Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
}

/**
 * Group exchange, second step: the client's public value g^x mod p in the group the server chose. Computed
 * here rather than with createDiffieHellman, which tests the prime first and takes seconds for a 3072-bit one.
 */
export function gexInitMessage(groupMessage: Buffer): Buffer {
  const reader = new SshReader(groupMessage.subarray(1));
  const prime = toBigInt(reader.string());
  const generator = toBigInt(reader.string());
  const bits = prime.toString(2).length;
  if (bits < 512 || bits > GEX_BITS.max) throw new SshProtocolError(`the server chose a group of ${bits} bits`);
  if (generator < 2n || generator >= prime - 1n) throw new SshProtocolError('the server chose an unusable group generator');
  const exponent = toBigInt(randomBytes(32)) | (1n << 255n);
  return Buffer.concat([Buffer.from([MSG_KEX_DH_GEX_INIT]), sshMpint(fromBigInt(modPow(generator, exponent, prime)))]);
}

/**
 * Asks the server for its host key of one algorithm: send a KEXINIT that offers only that host-key
 * algorithm and a key exchange cocoscan can start, then the key-exchange init; the reply carries the key.
 * The exchange is never finished.
 */
export function fetchHostKey(endpoint: SshEndpoint, server: Kexinit, hostKeyAlgorithm: string, options: ExchangeOptions) {
  const kex = chooseKex(server.kex);
  if (!kex)
    return Promise.resolve({
      ok: false as const,
      reason: `the server offers no key exchange cocoscan can start (${describeNames(server.kex)})`,
    });
  let groupSent = false;
  return exchange<HostKey>(endpoint, options, (event, send) => {
    if (event.kind === 'ident') {
      send(
        Buffer.concat([
          packet(
            kexinitPayload({
              kex: [kex],
              hostKey: [hostKeyAlgorithm],
              encryption: server.encryptionServerToClient,
              mac: server.macServerToClient.length > 0 ? server.macServerToClient : ['hmac-sha2-256'],
              compression: server.compressionServerToClient,
            }),
          ),
          packet(kexInitMessage(kex)),
        ]),
      );
      return undefined;
    }
    if (event.payload[0] === MSG_KEXINIT) return undefined;
    if (isGroupExchange(kex) && event.payload[0] === MSG_KEX_DH_GEX_GROUP && !groupSent) {
      groupSent = true;
      send(packet(gexInitMessage(event.payload)));
      return undefined;
    }
    const reply = isGroupExchange(kex) ? MSG_KEX_DH_GEX_REPLY : MSG_KEXDH_REPLY;
    if (event.payload[0] !== reply) throw new SshProtocolError(`expected the key-exchange reply, got message ${event.payload[0]}`);
    const reader = new SshReader(event.payload.subarray(1));
    return readHostKeyBlob(hostKeyAlgorithm, reader.string());
  });
}

/** Whether the service on a port greets with an SSH identification (read at most a few lines, within the timeout). */
export function greetsWithSsh(endpoint: SshEndpoint, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let text = '';
    const socket = connect({ host: endpoint.host, port: endpoint.port });
    const done = (answer: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (/(^|\n)SSH-/.test(text)) done(true);
      else if (text.length > 2048 || text.split('\n').length > 10) done(false);
    });
    socket.on('error', () => done(false));
    socket.on('close', () => done(false));
  });
}
