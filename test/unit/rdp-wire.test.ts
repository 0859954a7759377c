import { describe, expect, it } from 'vitest';
import {
  connectionRequest,
  MAX_TPKT_BYTES,
  mcsConnectInitial,
  parseConnectionConfirm,
  parseConnectResponse,
  RdpWireError,
  tpktLength,
} from '../../src/rdp/wire.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const tpkt = (body: Buffer) => Buffer.concat([Buffer.from([3, 0, (body.length + 4) >> 8, (body.length + 4) & 0xff]), body]);

/** A Connection Confirm with an 8-byte negotiation answer of `type` and `value`. */
const confirm = (type: number, value: number) => {
  const negotiation = Buffer.from([type, 0, 8, 0, 0, 0, 0, 0]);
  negotiation.writeUInt32LE(value, 4);
  return tpkt(Buffer.concat([hex('0e d0 0000 1234 00'), negotiation]));
};

/** An MCS Connect Response as xrdp sends it, with server core, security and network data. */
function connectResponse(method: number, level: number, blocks?: Buffer): Buffer {
  const security = Buffer.alloc(12);
  security.writeUInt16LE(0x0c02, 0);
  security.writeUInt16LE(12, 2);
  security.writeUInt32LE(method, 4);
  security.writeUInt32LE(level, 8);
  const data = blocks ?? Buffer.concat([hex('010c 0c00 04000800 00000000'), security, hex('030c 0800 eb03 0000')]);
  const gcc = Buffer.concat([hex('000500147c0001 2a 14760a01010001c0004d63446e'), Buffer.from([data.length]), data]);
  const body = Buffer.concat([
    hex('0a0100 020100 301a 020122 020103 020100 020101 020100 020101 0203 00fff8 020102'),
    hex('04'),
    Buffer.from([gcc.length]),
    gcc,
  ]);
  return tpkt(Buffer.concat([hex('02f080 7f66'), Buffer.from([body.length]), body]));
}

describe('RDP wire', () => {
  it('builds the Connection Request the TLS upgrade sends, for any requested protocol', () => {
    expect(connectionRequest(3).toString('hex')).toBe('030000130ee000000000000100080003000000');
    expect(connectionRequest(8).readUInt32LE(15)).toBe(8);
  });

  it('builds an MCS Connect Initial whose BER and TPKT lengths add up, offering the methods asked for', () => {
    const packet = mcsConnectInitial(0x1b);
    expect(packet.readUInt16BE(2)).toBe(packet.length);
    expect(packet.subarray(7, 9).toString('hex')).toBe('7f65');
    expect(packet[9]).toBe(0x82);
    expect(packet.readUInt16BE(10)).toBe(packet.length - 12);
    const security = packet.indexOf(hex('02c00c00'));
    expect(packet.readUInt32LE(security + 4)).toBe(0x1b);
  });

  it('reads the three kinds of Connection Confirm', () => {
    expect(parseConnectionConfirm(confirm(2, 1))).toEqual({ kind: 'selected', protocol: 1 });
    expect(parseConnectionConfirm(confirm(3, 5))).toEqual({ kind: 'failure', code: 5, name: 'HYBRID_REQUIRED_BY_SERVER' });
    expect(parseConnectionConfirm(confirm(3, 99))).toMatchObject({ name: 'unknown failure code 99' });
    expect(parseConnectionConfirm(tpkt(hex('06 d0 0000 1234 00')))).toEqual({ kind: 'legacy' });
  });

  it('refuses what is not a Connection Confirm, with a reason', () => {
    expect(() => parseConnectionConfirm(Buffer.from('HTTP/1.1 400 Bad Request\r\n'))).toThrow(/not a TPKT packet \(not RDP\)/);
    expect(() => tpktLength(hex('03 00 ff ff'))).toThrow(
      new RdpWireError(`the TPKT packet announces 65535 bytes, more than ${MAX_TPKT_BYTES}`),
    );
    expect(() => tpktLength(hex('03 00 00 05'))).toThrow(/too few for X\.224/);
    expect(() => parseConnectionConfirm(tpkt(hex('0e f0 0000 1234 00 02000800 01000000')))).toThrow(/not an X\.224 Connection Confirm/);
    expect(() => parseConnectionConfirm(tpkt(hex('40 d0 0000 1234 00')))).toThrow(/length indicator does not fit/);
    expect(() => parseConnectionConfirm(tpkt(hex('0a d0 0000 1234 00 0200 0800')))).toThrow(/has 4 bytes, not 8/);
    expect(() => parseConnectionConfirm(confirm(7, 0))).toThrow(/unknown type 7/);
  });

  it('reads the encryption method, level and version of a Connect Response', () => {
    expect(parseConnectResponse(connectResponse(1, 1))).toEqual({
      result: 0,
      version: 0x00080004,
      encryptionMethod: 1,
      encryptionLevel: 1,
    });
    expect(parseConnectResponse(connectResponse(2, 3))).toMatchObject({ encryptionMethod: 2, encryptionLevel: 3 });
  });

  it('refuses a broken Connect Response with a reason, never reading past the packet', () => {
    const good = connectResponse(1, 1);
    expect(() => parseConnectResponse(good.subarray(0, good.length - 3))).toThrow(/cut short/);
    const overrun = connectResponse(1, 1, hex('020c ff00 01000000'));
    expect(() => parseConnectResponse(overrun)).toThrow(/server data block \(type 0xc02\) does not fit/);
    const tiny = connectResponse(1, 1, hex('020c 0200'));
    expect(() => parseConnectResponse(tiny)).toThrow(/does not fit/);
    const noKey = Buffer.from(good);
    noKey.set(Buffer.from('XXXX'), noKey.indexOf(Buffer.from('McDn')));
    expect(() => parseConnectResponse(noKey)).toThrow(/no "McDn" key/);
    const notMcs = Buffer.from(good);
    notMcs[8] = 0x65;
    expect(() => parseConnectResponse(notMcs)).toThrow(/not an MCS Connect Response/);
    expect(parseConnectResponse(tpkt(hex('02f080 7f66 03 0a0108')))).toEqual({ result: 8 });
  });
});
