/**
 * A misbehaving SNMP agent for hostile-case tests, speaking just enough BER to answer v1/v2c requests:
 * garbage, valid replies sent from the wrong port, replies stuffed with thousands of varbinds, and walks that
 * never end (the same OID again with or without an exception value, OIDs that increase for ever, error statuses).
 * GET requests are answered with the system group unless the behaviour says otherwise.
 */
import { createSocket, type Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';

export type AgentBehaviour =
  | 'garbage'
  | 'wrong-source'
  | 'flood'
  /** GETNEXT/GETBULK answered with the OID asked for, carrying an exception (noSuchInstance by default). */
  | 'same-oid-exception'
  /** GETNEXT/GETBULK answered with the OID asked for, carrying a value: the walk never moves on. */
  | 'same-oid'
  /** GETNEXT/GETBULK answered with one OID further each time, for ever. */
  | 'endless'
  /** GETNEXT/GETBULK answered with error status genErr. */
  | 'error-status'
  /** Every request answered with what `reply` returns (random bytes, say). */
  | 'scripted'
  /** SNMPv3 requests answered with a discovery Report for ever (engine boots and time 0); v1/v2c ignored. */
  | 'v3-report-loop';

export type Exception = 'noSuchObject' | 'noSuchInstance' | 'endOfMibView';
const EXCEPTION_TAGS: Record<Exception, number> = { noSuchObject: 0x80, noSuchInstance: 0x81, endOfMibView: 0x82 };

export interface AgentOptions {
  exception?: Exception;
  /** For `scripted`: the datagram sent back for each request. */
  reply?: (request: Buffer) => Buffer;
  /** Milliseconds before each GETNEXT/GETBULK is answered (a slow walk). */
  walkDelayMs?: number;
}

export interface FakeSnmpAgent {
  port: number;
  /** GETNEXT and GETBULK requests received so far. */
  walkRequests: () => number;
  /** Datagrams received so far, of any kind. */
  datagrams: () => number;
  /** Emits `walk-request` with the running count for every GETNEXT or GETBULK received. */
  events: EventEmitter;
  close: () => Promise<void>;
}

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
const tlv = (tag: number, body: Buffer) => Buffer.concat([Buffer.from([tag]), length(body.length), body]);
function integer(n: number): Buffer {
  const bytes: number[] = [];
  let v = n;
  do {
    bytes.unshift(v & 0xff);
    v = Math.floor(v / 256);
  } while (v > 0);
  if (bytes[0]! & 0x80) bytes.unshift(0);
  return tlv(0x02, Buffer.from(bytes));
}
function oid(text: string): Buffer {
  const arcs = text.split('.').map(Number);
  const out = [40 * arcs[0]! + arcs[1]!];
  for (const arc of arcs.slice(2)) {
    const chunk: number[] = [arc & 0x7f];
    for (let v = arc >> 7; v > 0; v >>= 7) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

/** Reads version, community, PDU type and request id from a v1/v2c request. */
function readRequest(data: Buffer): { version: number; community: Buffer; pdu: number; requestId: number; firstOid: string } | undefined {
  let offset = 0;
  const header = () => {
    const tag = data[offset++]!;
    let len = data[offset++]!;
    if (len & 0x80) {
      const count = len & 0x7f;
      len = 0;
      for (let i = 0; i < count; i += 1) len = len * 256 + data[offset++]!;
    }
    return { tag, len };
  };
  try {
    header(); // message sequence
    const v = header();
    const version = data[offset]!;
    offset += v.len;
    const c = header();
    const community = data.subarray(offset, offset + c.len);
    offset += c.len;
    const pdu = header().tag;
    const r = header();
    let requestId = 0;
    for (let i = 0; i < r.len; i += 1) requestId = requestId * 256 + data[offset + i]!;
    offset += r.len;
    const skip = () => {
      const h = header(); // read first: `offset += header().len` would add to the old offset
      offset += h.len;
    };
    skip(); // error status / non-repeaters
    skip(); // error index / max-repetitions
    header(); // varbind list
    header(); // first varbind
    const o = header();
    const bytes = data.subarray(offset, offset + o.len);
    const arcs = [Math.floor(bytes[0]! / 40), bytes[0]! % 40];
    let value = 0;
    for (const b of bytes.subarray(1)) {
      value = value * 128 + (b & 0x7f);
      if (!(b & 0x80)) {
        arcs.push(value);
        value = 0;
      }
    }
    return { version, community, pdu, requestId, firstOid: arcs.join('.') };
  } catch {
    return undefined;
  }
}

let floodCounter = 0;
const SYSTEM_GROUP = [
  '1.3.6.1.2.1.1.1.0',
  '1.3.6.1.2.1.1.2.0',
  '1.3.6.1.2.1.1.3.0',
  '1.3.6.1.2.1.1.4.0',
  '1.3.6.1.2.1.1.5.0',
  '1.3.6.1.2.1.1.6.0',
];

function response(request: NonNullable<ReturnType<typeof readRequest>>, varbinds: Buffer[], errorStatus = 0): Buffer {
  const pdu = tlv(
    0xa2,
    Buffer.concat([integer(request.requestId), integer(errorStatus), integer(errorStatus ? 1 : 0), tlv(0x30, Buffer.concat(varbinds))]),
  );
  return tlv(0x30, Buffer.concat([integer(request.version), tlv(0x04, request.community), pdu]));
}

/** The reply an honest agent would send to a GET of the system group, or undefined for what is not a request. */
export function systemGroupReply(data: Buffer): Buffer | undefined {
  const request = readRequest(data);
  if (!request) return undefined;
  return response(
    request,
    SYSTEM_GROUP.map((name, i) => tlv(0x30, Buffer.concat([oid(name), tlv(0x04, Buffer.from(`system value ${i}`))]))),
  );
}

/** msgID of an SNMPv3 message (version 3, then the header data sequence), or undefined for anything else. */
export function v3MessageId(data: Buffer): number | undefined {
  // 30 len 02 01 03 30 len 02 n id…, with short length forms as net-snmp writes them for small requests
  let offset = data[1]! & 0x80 ? 2 + (data[1]! & 0x7f) : 2;
  if (data[offset] !== 0x02 || data[offset + 1] !== 1 || data[offset + 2] !== 3) return undefined;
  offset += 3;
  if (data[offset] !== 0x30) return undefined;
  offset += data[offset + 1]! & 0x80 ? 2 + (data[offset + 1]! & 0x7f) : 2;
  if (data[offset] !== 0x02) return undefined;
  const len = data[offset + 1]!;
  let id = 0;
  for (let i = 0; i < len; i += 1) id = id * 256 + data[offset + 2 + i]!;
  return id;
}

/** An unauthenticated discovery Report with engine boots and time 0, which makes a v3 client ask again. */
export function v3DiscoveryReport(messageId: number): Buffer {
  const engineId = Buffer.from('80001f888000000000000000', 'hex');
  const header = tlv(0x30, Buffer.concat([integer(messageId), integer(65507), tlv(0x04, Buffer.from([0])), integer(3)]));
  const usm = tlv(
    0x04,
    tlv(
      0x30,
      Buffer.concat([
        tlv(0x04, engineId),
        integer(0),
        integer(0),
        tlv(0x04, Buffer.alloc(0)),
        tlv(0x04, Buffer.alloc(0)),
        tlv(0x04, Buffer.alloc(0)),
      ]),
    ),
  );
  const counter = tlv(0x41, Buffer.from([1]));
  const report = tlv(
    0xa8,
    Buffer.concat([integer(0), integer(0), integer(0), tlv(0x30, tlv(0x30, Buffer.concat([oid('1.3.6.1.6.3.15.1.1.4.0'), counter])))]),
  );
  const scoped = tlv(0x30, Buffer.concat([tlv(0x04, engineId), tlv(0x04, Buffer.alloc(0)), report]));
  return tlv(0x30, Buffer.concat([integer(3), header, usm, scoped]));
}

const GET_NEXT = 0xa1;
const GET_BULK = 0xa5;

export async function startFakeSnmpAgent(behaviour: AgentBehaviour, options: AgentOptions = {}): Promise<FakeSnmpAgent> {
  const socket: Socket = createSocket('udp4');
  const other: Socket = createSocket('udp4');
  const events = new EventEmitter();
  let walkRequests = 0;
  let endlessCounter = 0;
  let closed = false;
  let datagrams = 0;
  socket.on('message', (data, rinfo) => {
    datagrams += 1;
    if (behaviour === 'v3-report-loop') {
      const id = v3MessageId(data);
      if (id !== undefined) socket.send(v3DiscoveryReport(id), rinfo.port, rinfo.address);
      return;
    }
    if (behaviour === 'scripted') {
      socket.send(options.reply!(data), rinfo.port, rinfo.address);
      return;
    }
    const request = readRequest(data);
    if (behaviour === 'garbage' || !request) {
      socket.send(Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x02, 0x01]), rinfo.port, rinfo.address);
      return;
    }
    const varbind = (name: string, value: string) => tlv(0x30, Buffer.concat([oid(name), tlv(0x04, Buffer.from(value))]));
    const walking = request.pdu === GET_NEXT || request.pdu === GET_BULK;
    if (walking) events.emit('walk-request', ++walkRequests);
    if (walking && behaviour !== 'flood' && behaviour !== 'wrong-source') {
      const send = (reply: Buffer) => {
        if (options.walkDelayMs) {
          setTimeout(() => {
            if (!closed) socket.send(reply, rinfo.port, rinfo.address);
          }, options.walkDelayMs).unref();
        } else socket.send(reply, rinfo.port, rinfo.address);
      };
      if (behaviour === 'same-oid-exception') {
        const tag = EXCEPTION_TAGS[options.exception ?? 'noSuchInstance'];
        return send(response(request, [tlv(0x30, Buffer.concat([oid(request.firstOid), Buffer.from([tag, 0])]))]));
      }
      if (behaviour === 'same-oid') return send(response(request, [varbind(request.firstOid, 'the same again')]));
      if (behaviour === 'error-status') return send(response(request, [varbind(request.firstOid, 'x')], 5));
      // endless: one entry further in the table's column, for ever
      endlessCounter += 1;
      return send(
        response(request, [
          varbind(`${request.firstOid.split('.').slice(0, 11).join('.')}.${endlessCounter}`, `package-${endlessCounter}`),
        ]),
      );
    }
    if (behaviour === 'wrong-source') {
      other.send(response(request, [varbind(request.firstOid, 'spoofed')]), rinfo.port, rinfo.address);
      return;
    }
    // flood: a GET is answered properly, but a bulk walk gets 1500 varbinds per reply and never ends.
    if (request.pdu !== GET_BULK) {
      socket.send(
        response(
          request,
          SYSTEM_GROUP.map((name, i) => varbind(name, `system value ${i}`)),
        ),
        rinfo.port,
        rinfo.address,
      );
      return;
    }
    const base = request.firstOid.split('.').slice(0, 11).join('.');
    const varbinds = Array.from({ length: 1500 }, () => varbind(`${base}.${++floodCounter}`, `package-${floodCounter}`));
    socket.send(response(request, varbinds), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => other.bind(0, '127.0.0.1', resolve));
  return {
    port: socket.address().port,
    walkRequests: () => walkRequests,
    datagrams: () => datagrams,
    events,
    close: async () => {
      closed = true;
      await Promise.all([new Promise<void>((r) => socket.close(() => r())), new Promise<void>((r) => other.close(() => r()))]);
    },
  };
}
