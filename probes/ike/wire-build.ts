/**
 * IKE request datagrams: IKEv2 IKE_SA_INIT (RFC 7296) and IKEv1 main and aggressive mode first messages (RFC 2408,
 * RFC 2409). Pure: every random value (SPIs, nonces, public values) is given by the caller.
 */
import { ENCRYPTIONS, type Encryption } from './transforms.ts';

export const IKE_SA_INIT = 34;
export const V1_MAIN_MODE = 2;
export const V1_AGGRESSIVE = 4;
export const V1_INFORMATIONAL = 5;

/** IKEv2 payload types. */
export const V2 = { sa: 33, ke: 34, nonce: 40, notify: 41, vendor: 43 } as const;
/** IKEv1 payload types. */
export const V1 = { sa: 1, proposal: 2, transform: 3, ke: 4, id: 5, hash: 8, nonce: 10, notify: 11, vendor: 13, natd: 20 } as const;

export const NOTIFY_NAT_SOURCE = 16388;
export const NOTIFY_NAT_DESTINATION = 16389;
export const NOTIFY_COOKIE = 16390;

interface Payload {
  type: number;
  body: Buffer;
}

const u16 = (n: number) => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};

/** Chains payloads: each generic header names the next payload's type. */
function chain(payloads: Payload[]): { first: number; bytes: Buffer } {
  const parts = payloads.map((p, i) => {
    const next = payloads[i + 1]?.type ?? 0;
    return Buffer.concat([Buffer.from([next, 0]), u16(p.body.length + 4), p.body]);
  });
  return { first: payloads[0]?.type ?? 0, bytes: Buffer.concat(parts) };
}

function header(spiI: Buffer, version: number, exchange: number, flags: number, first: number, bodyLength: number): Buffer {
  return Buffer.concat([spiI, Buffer.alloc(8), Buffer.from([first, version, exchange, flags]), u32(0), u32(28 + bodyLength)]);
}

/** One IKEv2 proposal: transform lists by type (1 encryption, 2 PRF, 3 integrity, 4 DH group). */
export interface V2Proposal {
  encryptions: readonly Encryption[];
  prfs: readonly number[];
  integrities: readonly number[];
  groups: readonly number[];
}

function v2Transform(type: number, id: number, keyBits: number | undefined, last: boolean): Buffer {
  const attribute = keyBits ? Buffer.concat([u16(0x800e), u16(keyBits)]) : Buffer.alloc(0);
  return Buffer.concat([Buffer.from([last ? 0 : 3, 0]), u16(8 + attribute.length), Buffer.from([type, 0]), u16(id), attribute]);
}

function v2ProposalBytes(proposal: V2Proposal, number: number, last: boolean): Buffer {
  const list: [number, number, number | undefined][] = [
    ...proposal.encryptions.map((e): [number, number, number | undefined] => [1, e.v2, e.keyBits]),
    ...proposal.prfs.map((id): [number, number, number | undefined] => [2, id, undefined]),
    ...proposal.integrities.map((id): [number, number, number | undefined] => [3, id, undefined]),
    ...proposal.groups.map((id): [number, number, number | undefined] => [4, id, undefined]),
  ];
  const transforms = Buffer.concat(list.map(([type, id, bits], i) => v2Transform(type, id, bits, i === list.length - 1)));
  const body = Buffer.concat([Buffer.from([number, 1, 0, list.length]), transforms]);
  return Buffer.concat([Buffer.from([last ? 0 : 2, 0]), u16(body.length + 4), body]);
}

export interface V2Request {
  spi: Buffer;
  proposals: readonly V2Proposal[];
  keGroup: number;
  keData: Buffer;
  nonce: Buffer;
  /** NAT_DETECTION_SOURCE_IP and _DESTINATION_IP hashes (SHA-1 of SPIs, address and port), when sent. */
  natDetection?: { source: Buffer; destination: Buffer };
  /** The responder's COOKIE notify data, echoed first when it asked for one. */
  cookie?: Buffer;
}

const notifyV2 = (type: number, data: Buffer): Payload => ({
  type: V2.notify,
  body: Buffer.concat([Buffer.from([0, 0]), u16(type), data]),
});

/** An IKEv2 IKE_SA_INIT request. */
export function buildV2Init(request: V2Request): Buffer {
  const sa = Buffer.concat(request.proposals.map((p, i) => v2ProposalBytes(p, i + 1, i === request.proposals.length - 1)));
  const payloads: Payload[] = [
    ...(request.cookie ? [notifyV2(NOTIFY_COOKIE, request.cookie)] : []),
    { type: V2.sa, body: sa },
    { type: V2.ke, body: Buffer.concat([u16(request.keGroup), u16(0), request.keData]) },
    { type: V2.nonce, body: request.nonce },
    ...(request.natDetection
      ? [notifyV2(NOTIFY_NAT_SOURCE, request.natDetection.source), notifyV2(NOTIFY_NAT_DESTINATION, request.natDetection.destination)]
      : []),
  ];
  const { first, bytes } = chain(payloads);
  return Buffer.concat([header(request.spi, 0x20, IKE_SA_INIT, 0x08, first, bytes.length), bytes]);
}

/** One IKEv1 transform: a whole suite (encryption, hash, authentication, group). */
export interface V1Transform {
  encryption: number;
  keyBits?: number;
  hash: number;
  auth: number;
  group: number;
}

const attr = (type: number, value: number) => Buffer.concat([u16(0x8000 | type), u16(value)]);

function v1TransformBytes(t: V1Transform, number: number, last: boolean): Buffer {
  const attributes = Buffer.concat([
    attr(1, t.encryption),
    ...(t.keyBits ? [attr(14, t.keyBits)] : []),
    attr(2, t.hash),
    attr(3, t.auth),
    attr(4, t.group),
    attr(11, 1),
    attr(12, 28800),
  ]);
  const body = Buffer.concat([Buffer.from([number, 1, 0, 0]), attributes]);
  return Buffer.concat([Buffer.from([last ? 0 : V1.transform, 0]), u16(body.length + 4), body]);
}

/** Most transforms one IKEv1 proposal carries: its count is one byte, and a large datagram is often dropped. */
export const MAX_V1_TRANSFORMS = 64;

function v1Sa(transforms: readonly V1Transform[]): Buffer {
  const kept = transforms.slice(0, MAX_V1_TRANSFORMS);
  const list = Buffer.concat(kept.map((t, i) => v1TransformBytes(t, i + 1, i === kept.length - 1)));
  const proposalBody = Buffer.concat([Buffer.from([1, 1, 0, kept.length]), list]);
  const proposal = Buffer.concat([Buffer.from([0, 0]), u16(proposalBody.length + 4), proposalBody]);
  return Buffer.concat([u32(1), u32(1), proposal]);
}

export interface V1Request {
  cookie: Buffer;
  transforms: readonly V1Transform[];
  /** Aggressive mode: the one group every transform uses, its public value, a nonce and our identity. */
  aggressive?: { keData: Buffer; nonce: Buffer; id: string };
}

/** An IKEv1 main mode (no `aggressive`) or aggressive mode first message. */
export function buildV1(request: V1Request): Buffer {
  const payloads: Payload[] = [{ type: V1.sa, body: v1Sa(request.transforms) }];
  const aggressive = request.aggressive;
  if (aggressive) {
    // ID_USER_FQDN (3), as ike-scan sends by default; protocol and port 0.
    const id = Buffer.concat([Buffer.from([3, 0, 0, 0]), Buffer.from(aggressive.id, 'utf8')]);
    payloads.push({ type: V1.ke, body: aggressive.keData }, { type: V1.nonce, body: aggressive.nonce }, { type: V1.id, body: id });
  }
  const { first, bytes } = chain(payloads);
  return Buffer.concat([header(request.cookie, 0x10, aggressive ? V1_AGGRESSIVE : V1_MAIN_MODE, 0, first, bytes.length), bytes]);
}

/** Every encryption IKEv1 can name. */
export const V1_ENCRYPTIONS = ENCRYPTIONS.filter((e) => e.v1 !== undefined);
