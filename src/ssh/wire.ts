/**
 * The clear-text start of an SSH connection (RFC 4253): the identification line and the binary packets
 * exchanged before keys are set (KEXINIT, and a key-exchange init whose reply carries the host key).
 */
import { randomBytes } from 'node:crypto';
import { CocoscanError } from '../errors.ts';
import { ByteReader } from '../wire/byte-reader.ts';

export const MSG_DISCONNECT = 1;
export const MSG_KEXINIT = 20;
export const MSG_KEXDH_INIT = 30;
export const MSG_KEXDH_REPLY = 31;

/** RFC 4253 6.1: implementations must handle packets of at least 35000 bytes; more is refused. */
export const MAX_PACKET = 35_000;
/** Lines before the identification string are allowed (RFC 4253 4.2); a flood of them is not. */
export const MAX_PRE_IDENT_LINES = 50;
const MAX_LINE = 255;

/** What an SSH server sent cannot be read: the only error the SSH wire readers throw. */
export class SshProtocolError extends CocoscanError {
  constructor(message: string) {
    super(message, 'check that the port runs a working SSH server; what it sent is kept in the evidence');
  }
}

export interface Kexinit {
  cookie: string;
  kex: string[];
  hostKey: string[];
  encryptionClientToServer: string[];
  encryptionServerToClient: string[];
  macClientToServer: string[];
  macServerToClient: string[];
  compressionClientToServer: string[];
  compressionServerToClient: string[];
  firstKexFollows: boolean;
}

export class SshReader extends ByteReader {
  constructor(data: Buffer) {
    super(data, () => new SshProtocolError('an SSH message is shorter than its fields'));
  }
  byte(): number {
    return this.u8();
  }
  uint32(): number {
    return this.u32();
  }
  string(): Buffer {
    return this.bytes(this.uint32());
  }
  nameList(): string[] {
    const text = this.string().toString('latin1');
    if (text === '') return [];
    if (!/^[\x21-\x7e]+$/.test(text)) throw new SshProtocolError('a name-list holds characters SSH does not allow');
    return text.split(',');
  }
  /** Bit length of an mpint. */
  mpintBits(): number {
    const value = this.string();
    const first = value.findIndex((b) => b !== 0);
    if (first < 0) return 0;
    return (value.length - first - 1) * 8 + (32 - Math.clz32(value[first]!));
  }
}

export function parseKexinit(payload: Buffer): Kexinit {
  const reader = new SshReader(payload);
  if (reader.byte() !== MSG_KEXINIT) throw new SshProtocolError('the first packet is not KEXINIT');
  const cookie = reader.bytes(16).toString('hex');
  const kexinit: Kexinit = {
    cookie,
    kex: reader.nameList(),
    hostKey: reader.nameList(),
    encryptionClientToServer: reader.nameList(),
    encryptionServerToClient: reader.nameList(),
    macClientToServer: reader.nameList(),
    macServerToClient: reader.nameList(),
    compressionClientToServer: reader.nameList(),
    compressionServerToClient: reader.nameList(),
    firstKexFollows: false,
  };
  reader.nameList();
  reader.nameList();
  kexinit.firstKexFollows = reader.byte() !== 0;
  return kexinit;
}

export function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

export function sshString(value: Buffer | string): Buffer {
  const data = typeof value === 'string' ? Buffer.from(value, 'latin1') : value;
  return Buffer.concat([uint32(data.length), data]);
}

/** An mpint from an unsigned big-endian magnitude. */
export function sshMpint(magnitude: Buffer): Buffer {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start += 1;
  let value = magnitude.subarray(start);
  if (value.length > 0 && (value[0]! & 0x80) !== 0) value = Buffer.concat([Buffer.from([0]), value]);
  return sshString(value);
}

/** Frames a payload as an unencrypted binary packet (block size 8, at least 4 bytes of padding). */
export function packet(payload: Buffer): Buffer {
  let padding = 8 - ((payload.length + 5) % 8);
  if (padding < 4) padding += 8;
  return Buffer.concat([uint32(payload.length + padding + 1), Buffer.from([padding]), payload, randomBytes(padding)]);
}

export function kexinitPayload(lists: {
  kex: string[];
  hostKey: string[];
  encryption: string[];
  mac: string[];
  compression: string[];
}): Buffer {
  const names = (list: string[]) => sshString(list.join(','));
  return Buffer.concat([
    Buffer.from([MSG_KEXINIT]),
    randomBytes(16),
    names(lists.kex),
    names(lists.hostKey),
    names(lists.encryption),
    names(lists.encryption),
    names(lists.mac),
    names(lists.mac),
    names(lists.compression),
    names(lists.compression),
    names([]),
    names([]),
    Buffer.from([0]),
    uint32(0),
  ]);
}

export type StreamEvent = { kind: 'ident'; ident: string; preamble: string[] } | { kind: 'packet'; payload: Buffer };

/**
 * Incremental reader of what the server sends before encryption starts: first lines up to the
 * `SSH-` identification, then binary packets. Bounded in line length, line count and packet size.
 */
export class SshStreamReader {
  #buffer = Buffer.alloc(0);
  #ident: string | undefined;
  readonly #preamble: string[] = [];

  push(chunk: Buffer): StreamEvent[] {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    const events: StreamEvent[] = [];
    while (this.#ident === undefined) {
      const end = this.#buffer.indexOf(0x0a);
      if (end < 0) {
        if (this.#buffer.length > MAX_LINE)
          throw new SshProtocolError(`the server sent a line of over ${MAX_LINE} bytes before its identification`);
        return events;
      }
      const line = this.#buffer.subarray(0, end).toString('latin1').replace(/\r$/, '');
      this.#buffer = this.#buffer.subarray(end + 1);
      if (line.length > MAX_LINE) throw new SshProtocolError(`the server sent a line of over ${MAX_LINE} bytes before its identification`);
      if (line.startsWith('SSH-')) {
        if (!/^SSH-(2\.0|1\.99)-[\x21-\x2c\x2e-\x7e]+( .*)?$/.test(line))
          throw new SshProtocolError(`unusable identification string: ${JSON.stringify(line.slice(0, 80))}`);
        this.#ident = line;
        events.push({ kind: 'ident', ident: line, preamble: [...this.#preamble] });
        break;
      }
      this.#preamble.push(line);
      if (this.#preamble.length > MAX_PRE_IDENT_LINES)
        throw new SshProtocolError(`the server sent over ${MAX_PRE_IDENT_LINES} lines without an SSH identification`);
    }
    while (this.#buffer.length >= 5) {
      const length = this.#buffer.readUInt32BE(0);
      if (length < 5 || length > MAX_PACKET) throw new SshProtocolError(`a packet claims ${length} bytes (SSH allows up to ${MAX_PACKET})`);
      if (this.#buffer.length < 4 + length) break;
      const padding = this.#buffer[4]!;
      if (padding >= length) throw new SshProtocolError('a packet has more padding than content');
      events.push({ kind: 'packet', payload: this.#buffer.subarray(5, 4 + length - padding) });
      this.#buffer = this.#buffer.subarray(4 + length);
    }
    return events;
  }
}
