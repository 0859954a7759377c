/**
 * What the single checks offer in their ClientHellos (built by wire.ts's buildClientHello) and a reader of the
 * records that come back, alerts and heartbeat headers included.
 */
import { ByteReader } from '../../wire/byte-reader.ts';
import { TlsProtocolError } from '../errors.ts';

export const EXT = {
  serverName: 0x0000,
  statusRequest: 0x0005,
  supportedGroups: 0x000a,
  ecPointFormats: 0x000b,
  signatureAlgorithms: 0x000d,
  heartbeat: 0x000f,
  signedCertificateTimestamp: 0x0012,
  renegotiationInfo: 0xff01,
} as const;

export const RECORD = { changeCipherSpec: 20, alert: 21, handshake: 22, applicationData: 23, heartbeat: 24 } as const;
export const HANDSHAKE = { serverHello: 2, certificate: 11, serverKeyExchange: 12, serverHelloDone: 14, certificateStatus: 22 } as const;

/** Extension bodies the checks offer. */
export const OFFER = {
  signedCertificateTimestamp: Buffer.alloc(0),
  /** heartbeat, peer_allowed_to_send (RFC 6520 2). */
  heartbeat: Buffer.from([1]),
} as const;

export interface CheckServerHello {
  version: number;
  suite: number;
  compression: number;
  /** Extension bodies by type, as the server sent them. */
  extensions: Map<number, Buffer>;
}

function reader(data: Buffer): ByteReader {
  return new ByteReader(data, () => new TlsProtocolError('a handshake message is shorter than its fields'));
}

export function parseCheckServerHello(body: Buffer): CheckServerHello {
  const r = reader(body);
  const version = r.u16();
  r.bytes(32);
  r.bytes(r.u8());
  const suite = r.u16();
  const compression = r.u8();
  const extensions = new Map<number, Buffer>();
  if (r.remaining() >= 2) {
    const list = reader(r.bytes(r.u16()));
    while (list.remaining() >= 4) {
      const type = list.u16();
      extensions.set(type, list.bytes(list.u16()));
    }
  }
  return { version, suite, compression, extensions };
}

export interface RecordHeader {
  type: number;
  version: number;
  length: number;
}

export type RecordItem =
  | { kind: 'handshake'; type: number; body: Buffer }
  | { kind: 'alert'; level: number; description: number }
  /** A record the check reads by its header only (heartbeat): its body is never kept. */
  | { kind: 'header'; header: RecordHeader };

/**
 * Reads whole TLS records from the start of what was received: handshake messages (joined across records),
 * alerts, and the headers of other records. `headerOnly` record types are reported as soon as their five
 * header bytes are in, whatever follows. Bytes that are not TLS throw a TlsProtocolError.
 */
export function readRecords(received: Buffer, headerOnly: ReadonlySet<number> = new Set()): { items: RecordItem[]; complete: boolean } {
  const items: RecordItem[] = [];
  let offset = 0;
  let handshake = Buffer.alloc(0);
  while (received.length - offset >= 5) {
    const header = { type: received[offset]!, version: received.readUInt16BE(offset + 1), length: received.readUInt16BE(offset + 3) };
    if (received[offset + 1] !== 3 || header.type < RECORD.changeCipherSpec || header.type > RECORD.heartbeat)
      throw new TlsProtocolError(`the reply is not TLS (bytes ${received.subarray(offset, offset + 8).toString('hex')})`);
    if (headerOnly.has(header.type)) {
      items.push({ kind: 'header', header });
      return { items, complete: true };
    }
    if (received.length - offset < 5 + header.length) break;
    const fragment = received.subarray(offset + 5, offset + 5 + header.length);
    offset += 5 + header.length;
    if (header.type === RECORD.alert && fragment.length >= 2) items.push({ kind: 'alert', level: fragment[0]!, description: fragment[1]! });
    else if (header.type === RECORD.handshake) {
      handshake = Buffer.concat([handshake, fragment]);
      while (handshake.length >= 4) {
        const length = handshake.readUIntBE(1, 3);
        if (handshake.length < 4 + length) break;
        items.push({ kind: 'handshake', type: handshake[0]!, body: handshake.subarray(4, 4 + length) });
        handshake = handshake.subarray(4 + length);
      }
    } else items.push({ kind: 'header', header });
  }
  return { items, complete: false };
}
