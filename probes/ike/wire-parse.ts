/**
 * Reads an IKE answer (IKEv2 or IKEv1). Pure and bounded: the walk over payloads stops after MAX_PAYLOADS, and every
 * length is checked against the datagram; an answer that does not hold together is `malformed` with a reason.
 */
import { NOTIFY_NAT_DESTINATION, NOTIFY_NAT_SOURCE, V1, V2 } from './wire-build.ts';

export const MAX_PAYLOADS = 64;
const MAX_TRANSFORMS = 64;

/** The suite a responder chose from an IKEv2 proposal (transform ids, with the key size of the encryption). */
export interface ChosenV2 {
  encryption?: { id: number; keyBits?: number };
  prf?: number;
  integrity?: number;
  group?: number;
}

/** The IKEv1 transform a responder chose, by its attributes. */
export interface ChosenV1 {
  encryption?: number;
  keyBits?: number;
  hash?: number;
  auth?: number;
  group?: number;
}

export interface IkeMessage {
  kind: 'message';
  version: 1 | 2;
  exchange: number;
  /** The responder's SPI (IKEv2) or cookie (IKEv1), hex. */
  responderSpi: string;
  notifies: { type: number; data: Buffer }[];
  vendorIds: string[];
  chosenV2?: ChosenV2;
  chosenV1?: ChosenV1;
  keGroup?: number;
  /** IKEv1 aggressive mode: the responder's HASH_R length (the value itself is never kept). */
  hashBytes?: number;
  /** IKEv1 aggressive mode: the responder's identity, as text when it is printable. */
  identity?: string;
  /** NAT detection payloads came back (IKEv2 notifies, IKEv1 NAT-D). */
  natDetection: boolean;
}

export type IkeAnswer = IkeMessage | { kind: 'malformed'; reason: string } | { kind: 'foreign' };

const malformed = (reason: string): IkeAnswer => ({ kind: 'malformed', reason });

interface RawPayload {
  type: number;
  body: Buffer;
}

function walk(data: Buffer, first: number, start: number, end: number): RawPayload[] | string {
  const payloads: RawPayload[] = [];
  let type = first;
  let offset = start;
  while (type !== 0) {
    if (payloads.length >= MAX_PAYLOADS) return `more than ${MAX_PAYLOADS} payloads`;
    if (offset + 4 > end) return `payload ${type} runs past the end of the message`;
    const length = data.readUInt16BE(offset + 2);
    if (length < 4 || offset + length > end) return `payload ${type} has a length of ${length} bytes that does not fit the message`;
    payloads.push({ type, body: data.subarray(offset + 4, offset + length) });
    type = data[offset]!;
    offset += length;
  }
  return payloads;
}

/** The transforms of the first proposal of an IKEv2 SA payload. */
function chosenV2(body: Buffer): ChosenV2 | string {
  if (body.length < 8) return 'an SA payload too short for a proposal';
  const proposalLength = body.readUInt16BE(2);
  if (proposalLength < 8 || proposalLength > body.length) return 'an SA proposal whose length does not fit';
  const spiSize = body[6]!;
  const count = Math.min(body[7]!, MAX_TRANSFORMS);
  const chosen: ChosenV2 = {};
  let offset = 8 + spiSize;
  for (let i = 0; i < count; i += 1) {
    if (offset + 8 > proposalLength) return 'an SA transform runs past its proposal';
    const length = body.readUInt16BE(offset + 2);
    if (length < 8 || offset + length > proposalLength) return 'an SA transform whose length does not fit';
    const type = body[offset + 4]!;
    const id = body.readUInt16BE(offset + 6);
    let keyBits: number | undefined;
    for (let a = offset + 8; a + 4 <= offset + length; a += 4) {
      if (body.readUInt16BE(a) === 0x800e) keyBits = body.readUInt16BE(a + 2);
      else if ((body.readUInt16BE(a) & 0x8000) === 0) break;
    }
    if (type === 1) chosen.encryption = { id, ...(keyBits ? { keyBits } : {}) };
    else if (type === 2) chosen.prf = id;
    else if (type === 3) chosen.integrity = id;
    else if (type === 4) chosen.group = id;
    offset += length;
  }
  return chosen;
}

/** The attributes of the first transform of an IKEv1 SA payload (DOI and situation first). */
function chosenV1(body: Buffer): ChosenV1 | string {
  if (body.length < 8 + 8) return 'an SA payload too short for a proposal';
  const proposal = body.subarray(8);
  const proposalLength = proposal.readUInt16BE(2);
  if (proposalLength < 8 || proposalLength > proposal.length) return 'an SA proposal whose length does not fit';
  const spiSize = proposal[6]!;
  const at = 8 + spiSize;
  if (at + 8 > proposalLength) return 'an SA proposal without a transform';
  const length = proposal.readUInt16BE(at + 2);
  if (length < 8 || at + length > proposalLength) return 'an SA transform whose length does not fit';
  const chosen: ChosenV1 = {};
  let offset = at + 8;
  while (offset + 4 <= at + length) {
    const type = proposal.readUInt16BE(offset);
    if ((type & 0x8000) === 0) {
      // A long attribute (life duration over 16 bits): skip its value.
      const valueLength = proposal.readUInt16BE(offset + 2);
      offset += 4 + valueLength;
      continue;
    }
    const value = proposal.readUInt16BE(offset + 2);
    const key = type & 0x7fff;
    if (key === 1) chosen.encryption = value;
    else if (key === 2) chosen.hash = value;
    else if (key === 3) chosen.auth = value;
    else if (key === 4) chosen.group = value;
    else if (key === 14) chosen.keyBits = value;
    offset += 4;
  }
  return chosen;
}

const printable = (bytes: Buffer) => /^[\x20-\x7e]{1,255}$/.test(bytes.toString('latin1'));

/**
 * Reads one datagram as the answer to our request with initiator SPI (cookie) `spi`. NAT-T framing (the four zero
 * bytes of the non-ESP marker on port 4500) is removed by the caller.
 */
export function parseIkeAnswer(data: Buffer, spi: Buffer): IkeAnswer {
  // Ours only when it starts with our SPI: with two offers waiting, a short datagram must not end the wrong one.
  if (data.length < 8 || !data.subarray(0, 8).equals(spi)) return { kind: 'foreign' };
  if (data.length < 28) return malformed(`a ${data.length}-byte datagram, shorter than an IKE header`);
  const major = data[17]! >> 4;
  if (major !== 1 && major !== 2) return malformed(`an IKE header with major version ${major}`);
  const length = data.readUInt32BE(24);
  if (length < 28 || length > data.length)
    return malformed(`an IKE header giving a length of ${length} for a ${data.length}-byte datagram`);
  const exchange = data[18]!;
  // IKEv1 flag bit 0: the payloads are encrypted, which no first answer should be.
  if (major === 1 && (data[19]! & 1) === 1) return malformed('an IKEv1 answer with encrypted payloads');
  const payloads = walk(data, data[16]!, 28, length);
  if (typeof payloads === 'string') return malformed(payloads);
  const message: IkeMessage = {
    kind: 'message',
    version: major === 2 ? 2 : 1,
    exchange,
    responderSpi: data.subarray(8, 16).toString('hex'),
    notifies: [],
    vendorIds: [],
    natDetection: false,
  };
  for (const payload of payloads) {
    const reason = major === 2 ? readV2(payload, message) : readV1(payload, message);
    if (reason) return malformed(reason);
  }
  return message;
}

function readV2(payload: RawPayload, message: IkeMessage): string | undefined {
  const { type, body } = payload;
  if (type === V2.notify) {
    if (body.length < 4) return 'a notify payload too short';
    const spiSize = body[1]!;
    if (4 + spiSize > body.length) return 'a notify payload whose SPI does not fit';
    const notifyType = body.readUInt16BE(2);
    message.notifies.push({ type: notifyType, data: Buffer.from(body.subarray(4 + spiSize)) });
    if (notifyType === NOTIFY_NAT_SOURCE || notifyType === NOTIFY_NAT_DESTINATION) message.natDetection = true;
  } else if (type === V2.sa) {
    const chosen = chosenV2(body);
    if (typeof chosen === 'string') return chosen;
    message.chosenV2 = chosen;
  } else if (type === V2.ke) {
    if (body.length < 4) return 'a KE payload too short';
    message.keGroup = body.readUInt16BE(0);
  } else if (type === V2.vendor) {
    message.vendorIds.push(body.toString('hex'));
  }
  return undefined;
}

function readV1(payload: RawPayload, message: IkeMessage): string | undefined {
  const { type, body } = payload;
  if (type === V1.notify) {
    if (body.length < 8) return 'a notification payload too short';
    const spiSize = body[5]!;
    if (8 + spiSize > body.length) return 'a notification payload whose SPI does not fit';
    message.notifies.push({ type: body.readUInt16BE(6), data: Buffer.from(body.subarray(8 + spiSize)) });
  } else if (type === V1.sa) {
    const chosen = chosenV1(body);
    if (typeof chosen === 'string') return chosen;
    message.chosenV1 = chosen;
  } else if (type === V1.vendor) {
    message.vendorIds.push(body.toString('hex'));
  } else if (type === V1.hash) {
    message.hashBytes = body.length;
  } else if (type === V1.id) {
    if (body.length > 4 && printable(body.subarray(4))) message.identity = body.subarray(4).toString('latin1');
  } else if (type === V1.natd || type === 130) {
    message.natDetection = true;
  }
  return undefined;
}

/** IKEv2 notify error types by number (RFC 7296 3.10.1), for the messages. */
export const V2_NOTIFY_NAMES: ReadonlyMap<number, string> = new Map([
  [1, 'UNSUPPORTED_CRITICAL_PAYLOAD'],
  [4, 'INVALID_IKE_SPI'],
  [5, 'INVALID_MAJOR_VERSION'],
  [7, 'INVALID_SYNTAX'],
  [9, 'INVALID_MESSAGE_ID'],
  [14, 'NO_PROPOSAL_CHOSEN'],
  [17, 'INVALID_KE_PAYLOAD'],
  [24, 'AUTHENTICATION_FAILED'],
  [16390, 'COOKIE'],
]);

/** IKEv1 notify message types (RFC 2408 3.14.1). */
export const V1_NOTIFY_NAMES: ReadonlyMap<number, string> = new Map([
  [14, 'NO-PROPOSAL-CHOSEN'],
  [16, 'PAYLOAD-MALFORMED'],
  [18, 'INVALID-ID-INFORMATION'],
  [24, 'AUTHENTICATION-FAILED'],
]);

export function notifyName(version: 1 | 2, type: number): string {
  return (version === 2 ? V2_NOTIFY_NAMES : V1_NOTIFY_NAMES).get(type) ?? `notify ${type}`;
}
