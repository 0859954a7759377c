import { visibleSubject } from '../../src/tls/checks/node-sessions.ts';
import { describe, expect, it } from 'vitest';
import { readRecords } from '../../src/tls/checks/check-hello.ts';
import { countSignedTimestamps } from '../../src/tls/checks/legacy-features.ts';
import { ocspResponseStatus } from '../../src/tls/checks/node-sessions.ts';
import { buildSslv2ClientHello, readSslv2Answer } from '../../src/tls/checks/sslv2.ts';

function sslv2ServerHello(specs: number[], certificateBytes = 10): Buffer {
  const spec = Buffer.from(specs.flatMap((k) => [k >> 16, (k >> 8) & 0xff, k & 0xff]));
  const body = Buffer.concat([
    Buffer.from([4, 0, 1, 0, 2, 0, certificateBytes, 0, spec.length, 0, 16]),
    Buffer.alloc(certificateBytes, 0x30),
    spec,
    Buffer.alloc(16, 1),
  ]);
  return Buffer.concat([Buffer.from([0x80 | (body.length >> 8), body.length & 0xff]), body]);
}

describe('SSLv2 CLIENT-HELLO and the answers to it', () => {
  it('the hello is a 2-byte-header record: CLIENT-HELLO, version 2, seven cipher kinds, a 16-byte challenge', () => {
    const hello = buildSslv2ClientHello();
    expect(hello[0]! & 0x80).toBe(0x80);
    expect(((hello[0]! & 0x7f) << 8) | hello[1]!).toBe(hello.length - 2);
    expect([...hello.subarray(2, 5)]).toEqual([1, 0, 2]);
    expect(hello.readUInt16BE(5)).toBe(21);
    expect(hello.readUInt16BE(9)).toBe(16);
  });

  it('a SERVER-HELLO names its ciphers; an unknown kind by its code', () => {
    expect(readSslv2Answer(sslv2ServerHello([0x010080, 0x0700c0, 0xabcdef]))).toEqual({
      status: 'accepted',
      ciphers: ['SSL_CK_RC4_128_WITH_MD5', 'SSL_CK_DES_192_EDE3_CBC_WITH_MD5', '0xabcdef'],
    });
  });

  it('waits for the rest of a SERVER-HELLO cut between reads', () => {
    const whole = sslv2ServerHello([0x010080]);
    expect(readSslv2Answer(whole.subarray(0, 8))).toBeUndefined();
    expect(readSslv2Answer(whole)?.status).toBe('accepted');
  });

  it('a TLS alert, or bytes that are not SSLv2, are a refusal', () => {
    expect(readSslv2Answer(Buffer.from([21, 3, 1, 0, 2, 2, 70]))).toEqual({ status: 'rejected', detail: 'alert protocol_version' });
    expect(readSslv2Answer(Buffer.from('HTTP/1.1 400'))?.status).toBe('rejected');
    expect(readSslv2Answer(Buffer.from([0x80, 3, 5, 0, 0]))).toMatchObject({
      status: 'rejected',
      detail: /type 5 instead of SERVER-HELLO/,
    });
  });
});

describe('records read by the single checks', () => {
  it('bytes that are not TLS throw a protocol error, never a raw message', () => {
    expect(() => readRecords(Buffer.from('SSH-2.0-OpenSSH_9.6\r\n'))).toThrow(/the reply is not TLS/);
  });

  it('a heartbeat record is reported by its header alone, whatever follows', () => {
    const header = Buffer.from([24, 3, 3, 0x40, 0x13]);
    const { items } = readRecords(Buffer.concat([header, Buffer.from('leak')]), new Set([24]));
    expect(items).toEqual([{ kind: 'header', header: { type: 24, version: 0x0303, length: 0x4013 } }]);
  });

  it('a handshake message split across two records is joined', () => {
    const message = Buffer.concat([Buffer.from([14, 0, 0, 2]), Buffer.from([9, 9])]);
    const records = Buffer.concat([
      Buffer.from([22, 3, 3, 0, 3]),
      message.subarray(0, 3),
      Buffer.from([22, 3, 3, 0, 3]),
      message.subarray(3),
    ]);
    expect(readRecords(records).items).toEqual([{ kind: 'handshake', type: 14, body: Buffer.from([9, 9]) }]);
  });
});

describe('SCT lists and OCSP response status', () => {
  it('counts SCTs; a list that lies about its lengths counts only what fits', () => {
    const sct = (n: number) => Buffer.concat([Buffer.from([0, n]), Buffer.alloc(n, 7)]);
    const list = Buffer.concat([sct(4), sct(6)]);
    expect(countSignedTimestamps(Buffer.concat([Buffer.from([0, list.length]), list]))).toBe(2);
    expect(countSignedTimestamps(Buffer.from([0xff, 0xff, 0, 200, 1]))).toBe(0);
    expect(countSignedTimestamps(Buffer.from([0]))).toBe(0);
  });

  it('reads the OCSP responseStatus; garbage is unreadable, not a status', () => {
    expect(ocspResponseStatus(Buffer.from([0x30, 0x03, 0x0a, 0x01]))).toBeUndefined();
    expect(ocspResponseStatus(Buffer.from([0x30, 0x03, 0x0a, 0x01, 0x06]))).toBe('unauthorized');
    expect(ocspResponseStatus(Buffer.from([0x30, 0x05, 0x0a, 0x01, 0x00, 0xa0, 0x00]))).toBe('successful');
    expect(ocspResponseStatus(Buffer.from([0x30, 0x81, 0x05, 0x0a, 0x01, 0x03, 0xa0, 0x00]))).toBe('tryLater');
    expect(ocspResponseStatus(Buffer.from('not der at all'))).toBeUndefined();
  });
});

describe("the subject of the certificate served without SNI is the server's text", () => {
  it('makes control characters visible and bounds the length', () => {
    // The report's own rule (reports/escape.ts visible): controls and bidirectional overrides shown, a line break a space.
    expect(visibleSubject('CN=gw\u001b[31m\nO=x\u0085 \u202eevil')).toBe('CN=gw\\x1b[31m O=x\\x85 \\u202eevil');
    expect(visibleSubject('CN='.padEnd(2000, 'a'))).toHaveLength(513);
  });
});
