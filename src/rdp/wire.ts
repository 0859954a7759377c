/**
 * The few RDP messages cocoscan sends and reads before any log-on ([MS-RDPBCGR] 2.2.1.1 to 2.2.1.4): the X.224
 * Connection Request with an RDP_NEG_REQ, its Connection Confirm, and the MCS Connect Initial / Connect Response
 * whose Server Security Data names the encryption of standard RDP security. Pure encoding and parsing.
 */

/** requestedProtocols flags of RDP_NEG_REQ (2.2.1.1.1). */
export const RDP_PROTOCOLS = { rdp: 0, ssl: 1, hybrid: 2, hybridEx: 8 } as const;
export type RdpLayer = keyof typeof RDP_PROTOCOLS;

/** What people call each security layer. */
export const LAYER_NAMES: Readonly<Record<RdpLayer, string>> = {
  rdp: 'standard RDP security',
  ssl: 'TLS',
  hybrid: 'CredSSP (NLA)',
  hybridEx: 'CredSSP with Early User Authorization (NLA)',
};

/** failureCode of RDP_NEG_FAILURE (2.2.1.2.2). */
const FAILURE_CODES = new Map<number, string>([
  [1, 'SSL_REQUIRED_BY_SERVER'],
  [2, 'SSL_NOT_ALLOWED_BY_SERVER'],
  [3, 'SSL_CERT_NOT_ON_SERVER'],
  [4, 'INCONSISTENT_FLAGS'],
  [5, 'HYBRID_REQUIRED_BY_SERVER'],
  [6, 'SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER'],
]);

/** encryptionMethod flags of TS_UD_CS_SEC / TS_UD_SC_SEC1 (2.2.1.3.3, 2.2.1.4.3). */
export const ENCRYPTION_METHODS = { '40-bit': 0x01, '128-bit': 0x02, '56-bit': 0x08, fips: 0x10 } as const;
export type EncryptionMethodName = keyof typeof ENCRYPTION_METHODS | 'none';
const METHOD_BY_VALUE = new Map<number, EncryptionMethodName>([
  [0, 'none'],
  ...Object.entries(ENCRYPTION_METHODS).map(([name, value]) => [value, name as EncryptionMethodName] as const),
]);

/** encryptionLevel of TS_UD_SC_SEC1. */
const ENCRYPTION_LEVELS = new Map<number, string>([
  [0, 'none'],
  [1, 'low'],
  [2, 'client compatible'],
  [3, 'high'],
  [4, 'FIPS'],
]);

/** A TPKT header's length field counts itself; RDP never needs more than this before log-on (a certificate chain at most). */
export const MAX_TPKT_BYTES = 16 * 1024;

export class RdpWireError extends Error {}

export function failureCodeName(code: number): string {
  return FAILURE_CODES.get(code) ?? `unknown failure code ${code}`;
}

export function encryptionMethodName(value: number): string {
  return METHOD_BY_VALUE.get(value) ?? `unknown method 0x${value.toString(16)}`;
}

export function encryptionLevelName(value: number): string {
  return ENCRYPTION_LEVELS.get(value) ?? `unknown level ${value}`;
}

function tpkt(payload: Buffer): Buffer {
  const header = Buffer.from([0x03, 0x00, 0x00, 0x00]);
  header.writeUInt16BE(payload.length + 4, 2);
  return Buffer.concat([header, payload]);
}

/** TPKT + X.224 Connection Request + RDP_NEG_REQ asking for exactly `protocols`. */
export function connectionRequest(protocols: number): Buffer {
  const negotiation = Buffer.alloc(8);
  negotiation.writeUInt8(0x01, 0); // TYPE_RDP_NEG_REQ
  negotiation.writeUInt16LE(8, 2);
  negotiation.writeUInt32LE(protocols, 4);
  const x224 = Buffer.concat([Buffer.from([0x00, 0xe0, 0x00, 0x00, 0x00, 0x00, 0x00]), negotiation]);
  x224[0] = x224.length - 1; // the length indicator does not count itself
  return tpkt(x224);
}

/** The TPKT length a header announces; throws when the bytes are not a TPKT header or the length is out of bounds. */
export function tpktLength(header: Buffer): number {
  if (header.length < 4 || header[0] !== 0x03) throw new RdpWireError('the answer is not a TPKT packet (not RDP)');
  const length = header.readUInt16BE(2);
  if (length < 7) throw new RdpWireError(`the TPKT packet announces ${length} bytes, too few for X.224`);
  if (length > MAX_TPKT_BYTES) throw new RdpWireError(`the TPKT packet announces ${length} bytes, more than ${MAX_TPKT_BYTES}`);
  return length;
}

/** The server's answer to one Connection Request. */
export type NegotiationAnswer =
  /** RDP_NEG_RSP: the protocol the server selected. */
  | { kind: 'selected'; protocol: number }
  /** RDP_NEG_FAILURE with its code. */
  | { kind: 'failure'; code: number; name: string }
  /** A Connection Confirm without negotiation data: a server that knows only standard RDP security. */
  | { kind: 'legacy' };

/** Parses a whole TPKT packet holding the X.224 Connection Confirm. */
export function parseConnectionConfirm(packet: Buffer): NegotiationAnswer {
  const length = tpktLength(packet);
  if (packet.length !== length) throw new RdpWireError('the Connection Confirm is cut short');
  const x224 = packet.subarray(4);
  const indicator = x224[0]!;
  if (indicator + 1 > x224.length || indicator < 6) throw new RdpWireError('the X.224 length indicator does not fit the packet');
  if ((x224[1]! & 0xf0) !== 0xd0) throw new RdpWireError('the answer is not an X.224 Connection Confirm');
  const negotiation = x224.subarray(7, indicator + 1);
  if (negotiation.length === 0) return { kind: 'legacy' };
  if (negotiation.length < 8) throw new RdpWireError(`the negotiation answer has ${negotiation.length} bytes, not 8`);
  const type = negotiation[0];
  const value = negotiation.readUInt32LE(4);
  if (type === 0x02) return { kind: 'selected', protocol: value };
  if (type === 0x03) return { kind: 'failure', code: value, name: failureCodeName(value) };
  throw new RdpWireError(`the negotiation answer is of unknown type ${type}`);
}

/** A BER length (X.690 8.1.3), short or long form of at most 2 bytes. */
function berLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  if (length < 0x100) return Buffer.from([0x81, length]);
  return Buffer.from([0x82, length >> 8, length & 0xff]);
}

/** A PER length (X.691 10.9) as T.124 uses it: one byte below 128, else two with the top bit set. */
function perLength(length: number): Buffer {
  return length < 0x80 ? Buffer.from([length]) : Buffer.from([0x80 | (length >> 8), length & 0xff]);
}

const ber = (tag: number[], content: Buffer) => Buffer.concat([Buffer.from(tag), berLength(content.length), content]);
const integer = (value: number) => ber([0x02], value < 0x80 ? Buffer.from([value]) : Buffer.from([value >> 8, value & 0xff]));

function domainParameters(values: number[]): Buffer {
  return ber([0x30], Buffer.concat(values.map(integer)));
}

function userDataBlock(type: number, body: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt16LE(type, 0);
  header.writeUInt16LE(body.length + 4, 2);
  return Buffer.concat([header, body]);
}

/** TS_UD_CS_CORE (2.2.1.3.2): a plain RDP 5 client at 1024x768, 8 bpp. */
function clientCore(selectedProtocol: number): Buffer {
  const core = Buffer.alloc(212);
  let at = core.writeUInt32LE(0x00080004, 0); // RDP 5.0 and later
  at = core.writeUInt16LE(1024, at);
  at = core.writeUInt16LE(768, at);
  at = core.writeUInt16LE(0xca01, at); // RNS_UD_COLOR_8BPP
  at = core.writeUInt16LE(0xaa03, at); // RNS_UD_SAS_DEL
  at = core.writeUInt32LE(0x409, at); // keyboard: US
  at = core.writeUInt32LE(2600, at); // client build
  core.write('cocoscan', at, 'utf16le');
  at += 32;
  at = core.writeUInt32LE(4, at); // IBM enhanced keyboard
  at = core.writeUInt32LE(0, at);
  at = core.writeUInt32LE(12, at);
  at += 64; // imeFileName
  at = core.writeUInt16LE(0xca01, at); // postBeta2ColorDepth
  at = core.writeUInt16LE(1, at); // clientProductId
  at = core.writeUInt32LE(0, at); // serialNumber
  at = core.writeUInt16LE(24, at); // highColorDepth
  at = core.writeUInt16LE(0x0007, at); // supportedColorDepths: 24, 16, 15 bpp
  at = core.writeUInt16LE(0x0001, at); // earlyCapabilityFlags: RNS_UD_CS_SUPPORT_ERRINFO_PDU
  at += 64 + 2; // clientDigProductId, connectionType, pad1octet
  core.writeUInt32LE(selectedProtocol, at);
  return userDataBlock(0xc001, core);
}

/**
 * TPKT + X.224 Data + MCS Connect Initial (T.125) carrying a GCC Conference Create Request (T.124) whose client
 * security data offers exactly `encryptionMethods`: the server's Connect Response names the method it chose.
 */
export function mcsConnectInitial(encryptionMethods: number, selectedProtocol = 0): Buffer {
  const security = Buffer.alloc(8);
  security.writeUInt32LE(encryptionMethods, 0);
  const network = Buffer.alloc(4); // no static virtual channels
  const blocks = Buffer.concat([clientCore(selectedProtocol), userDataBlock(0xc002, security), userDataBlock(0xc003, network)]);
  // ConferenceCreateRequest, PER: conference name "1", no password, one user data set keyed "Duca".
  const request = Buffer.concat([
    Buffer.from([0x00, 0x08, 0x00, 0x10, 0x00, 0x01, 0xc0, 0x00, 0x44, 0x75, 0x63, 0x61]),
    perLength(blocks.length),
    blocks,
  ]);
  const gcc = Buffer.concat([Buffer.from([0x00, 0x05, 0x00, 0x14, 0x7c, 0x00, 0x01]), perLength(request.length), request]);
  const initial = ber(
    [0x7f, 0x65],
    Buffer.concat([
      ber([0x04], Buffer.from([0x01])), // callingDomainSelector
      ber([0x04], Buffer.from([0x01])), // calledDomainSelector
      ber([0x01], Buffer.from([0xff])), // upwardFlag
      domainParameters([34, 2, 0, 1, 0, 1, 0xffff, 2]), // target
      domainParameters([1, 1, 1, 1, 0, 1, 0x420, 2]), // minimum
      domainParameters([0xffff, 0xfc17, 0xffff, 1, 0, 1, 0xffff, 2]), // maximum
      ber([0x04], gcc),
    ]),
  );
  return tpkt(Buffer.concat([Buffer.from([0x02, 0xf0, 0x80]), initial]));
}

/** What the MCS Connect Response says of standard RDP security. */
export interface ConnectResponse {
  /** T.125 Result; 0 is rt-successful. */
  result: number;
  /** TS_UD_SC_CORE version (0x00080004 is RDP 5 to 8), when the server sent its core data. */
  version?: number;
  /** TS_UD_SC_SEC1: the method chosen (0 when none) and the level. */
  encryptionMethod?: number;
  encryptionLevel?: number;
}

/** A bounded BER reader over one buffer. */
class BerReader {
  constructor(
    private readonly bytes: Buffer,
    private at = 0,
  ) {}

  /** The next element's tag bytes and content; throws when it does not fit. */
  next(): { tag: number; content: Buffer } {
    let tag = this.byte();
    if ((tag & 0x1f) === 0x1f) tag = (tag << 8) | this.byte(); // one-byte high tag number (APPLICATION 102)
    let length = this.byte();
    if (length & 0x80) {
      const count = length & 0x7f;
      if (count === 0 || count > 2) throw new RdpWireError('a BER length of the Connect Response is not of 1 or 2 bytes');
      length = 0;
      for (let i = 0; i < count; i += 1) length = (length << 8) | this.byte();
    }
    if (this.at + length > this.bytes.length) throw new RdpWireError('a BER element of the Connect Response runs past the packet');
    const content = this.bytes.subarray(this.at, this.at + length);
    this.at += length;
    return { tag, content };
  }

  private byte(): number {
    if (this.at >= this.bytes.length) throw new RdpWireError('the Connect Response is cut short');
    return this.bytes[this.at++]!;
  }
}

const unsigned = (content: Buffer) => content.reduce((value, byte) => value * 256 + byte, 0);

/** The key of the server's user data in its Conference Create Response (T.124 H.221 non-standard key). */
const SERVER_DATA_KEY = Buffer.from('McDn', 'latin1');
/** Where the key is looked for: the fixed-size part of the PER header before it. */
const SERVER_DATA_KEY_WITHIN = 32;
/** User data blocks read at most (a server sends four or five). */
const MAX_USER_DATA_BLOCKS = 16;

/** Parses a whole TPKT packet holding the X.224 Data TPDU with the MCS Connect Response. */
export function parseConnectResponse(packet: Buffer): ConnectResponse {
  const length = tpktLength(packet);
  if (packet.length !== length) throw new RdpWireError('the Connect Response is cut short');
  if (packet[4] !== 0x02 || packet[5] !== 0xf0) throw new RdpWireError('the answer to the MCS Connect Initial is not X.224 data');
  const outer = new BerReader(packet.subarray(7)).next();
  if (outer.tag !== 0x7f66) throw new RdpWireError('the answer to the MCS Connect Initial is not an MCS Connect Response');
  const fields = new BerReader(outer.content);
  const result = fields.next();
  if (result.tag !== 0x0a) throw new RdpWireError('the MCS Connect Response has no result');
  const response: ConnectResponse = { result: unsigned(result.content) };
  if (response.result !== 0) return response;
  fields.next(); // calledConnectId
  fields.next(); // domainParameters
  const userData = fields.next();
  if (userData.tag !== 0x04) throw new RdpWireError('the MCS Connect Response has no user data');
  const key = userData.content.subarray(0, SERVER_DATA_KEY_WITHIN).indexOf(SERVER_DATA_KEY);
  if (key < 0) throw new RdpWireError('the MCS Connect Response carries no server data (no "McDn" key)');
  let at = key + SERVER_DATA_KEY.length;
  const first = userData.content[at];
  if (first === undefined) throw new RdpWireError('the server data of the MCS Connect Response is cut short');
  at += first & 0x80 ? 2 : 1;
  const data = userData.content;
  for (let blocks = 0; at + 4 <= data.length && blocks < MAX_USER_DATA_BLOCKS; blocks += 1) {
    const type = data.readUInt16LE(at);
    const size = data.readUInt16LE(at + 2);
    if (size < 4 || at + size > data.length) throw new RdpWireError(`a server data block (type 0x${type.toString(16)}) does not fit`);
    if (type === 0x0c01 && size >= 8) response.version = data.readUInt32LE(at + 4);
    if (type === 0x0c02 && size >= 12) {
      response.encryptionMethod = data.readUInt32LE(at + 4);
      response.encryptionLevel = data.readUInt32LE(at + 8);
    }
    at += size;
  }
  return response;
}

/** The RDP version a server core data block names, as nmap's rdp library words it. */
export function rdpVersionName(version: number): string {
  const names = new Map<number, string>([
    [0x00080001, 'RDP 4.0'],
    [0x00080004, 'RDP 5.x to 8.x'],
    [0x00080005, 'RDP 10.0'],
    [0x00080006, 'RDP 10.1'],
    [0x00080007, 'RDP 10.2'],
    [0x00080008, 'RDP 10.3'],
    [0x00080009, 'RDP 10.4'],
    [0x0008000a, 'RDP 10.5'],
    [0x0008000b, 'RDP 10.6'],
    [0x0008000c, 'RDP 10.7'],
  ]);
  return names.get(version) ?? `unknown version 0x${version.toString(16)}`;
}
