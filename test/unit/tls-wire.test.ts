import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CocoscanError } from '../../src/errors.ts';
import { CIPHER_SUITES, suiteByCode } from '../../src/tls/cipher-suites.ts';
import { candidateSuites } from '../../src/tls/enumerate.ts';
import {
  buildClientHello,
  ffdheGroupOf,
  parseCertificateList,
  parseServerHello,
  parseServerKeyExchange,
  ServerFlightReader,
  TlsProtocolError,
} from '../../src/tls/wire.ts';

function serverHelloBody(version: number, suite: number, extensions?: Buffer, random: Buffer = Buffer.alloc(32, 1)): Buffer {
  const parts = [
    Buffer.from([version >> 8, version & 0xff]),
    random,
    Buffer.from([0]),
    Buffer.from([suite >> 8, suite & 0xff]),
    Buffer.from([0]),
  ];
  if (extensions) parts.push(Buffer.from([extensions.length >> 8, extensions.length & 0xff]), extensions);
  return Buffer.concat(parts);
}

describe('ClientHello', () => {
  it('offers exactly the given suites, with SNI for names and none for IP addresses', () => {
    const named = buildClientHello({ version: 0x0303, suites: [0xc02f, 0x002f], groups: [29, 23], serverName: 'gw.example.org' });
    expect(named[0]).toBe(22);
    expect(named.readUInt16BE(3)).toBe(named.length - 5);
    expect(named[5]).toBe(1); // client_hello
    expect(named.readUInt16BE(9)).toBe(0x0303);
    expect(named.readUInt16BE(44)).toBe(4);
    expect([named.readUInt16BE(46), named.readUInt16BE(48)]).toEqual([0xc02f, 0x002f]);
    expect(named.includes(Buffer.from('gw.example.org'))).toBe(true);
    const ip = buildClientHello({ version: 0x0303, suites: [0xc02f], groups: [29], serverName: '192.0.2.1' });
    expect(ip.includes(Buffer.from('192.0.2.1'))).toBe(false);
  });

  it('sends no extensions with SSLv3, and supported_versions with a key share for TLS 1.3', () => {
    const ssl3 = buildClientHello({ version: 0x0300, suites: [0x000a], groups: [23] });
    expect(ssl3.readUInt16BE(1)).toBe(0x0300);
    expect(ssl3.length).toBe(5 + 4 + 2 + 32 + 1 + 2 + 2 + 2);
    const tls13 = buildClientHello({ version: 0x0303, suites: [0x1301], groups: [29], tls13: true });
    expect(tls13.includes(Buffer.from([0x00, 0x2b, 0x00, 0x03, 0x02, 0x03, 0x04]))).toBe(true);
  });
});

describe('server answers', () => {
  it('reads the negotiated version from supported_versions and spots a HelloRetryRequest', () => {
    const ext = Buffer.from([0x00, 0x2b, 0x00, 0x02, 0x03, 0x04, 0x00, 0x33, 0x00, 0x02, 0x00, 0x17]);
    const hrr = Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex');
    expect(parseServerHello(serverHelloBody(0x0303, 0x1301, ext))).toEqual({
      version: 0x0304,
      suite: 0x1301,
      helloRetry: false,
      group: 23,
    });
    expect(parseServerHello(serverHelloBody(0x0303, 0x1302, ext, hrr)).helloRetry).toBe(true);
    expect(parseServerHello(serverHelloBody(0x0301, 0x002f))).toEqual({
      version: 0x0301,
      suite: 0x002f,
      helloRetry: false,
      group: undefined,
    });
    expect(() => parseServerHello(Buffer.from([3, 3, 1]))).toThrow(TlsProtocolError);
  });

  it('reassembles handshake messages split across records and chunks', () => {
    const body = serverHelloBody(0x0303, 0xc02f);
    const handshake = Buffer.concat([Buffer.from([2, 0, 0, body.length]), body]);
    const record = (fragment: Buffer) => Buffer.concat([Buffer.from([22, 3, 3, fragment.length >> 8, fragment.length & 0xff]), fragment]);
    const stream = Buffer.concat([record(handshake.subarray(0, 10)), record(handshake.subarray(10))]);
    const reader = new ServerFlightReader(1024);
    const events = [...reader.push(stream.subarray(0, 7)), ...reader.push(stream.subarray(7, 20)), ...reader.push(stream.subarray(20))];
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ kind: 'handshake', type: 2 });
  });

  it('refuses what is not TLS, oversized records and floods', () => {
    expect(() => new ServerFlightReader(1024).push(Buffer.from('SSH-2.0-OpenSSH_9.2\r\n'))).toThrow(/not TLS/);
    expect(() => new ServerFlightReader(1 << 20).push(Buffer.from([22, 3, 3, 0xff, 0xff]))).toThrow(/more than TLS allows/);
    expect(() => new ServerFlightReader(100).push(Buffer.alloc(200, 22))).toThrow(/passed 100 bytes/);
    expect(new ServerFlightReader(100).push(Buffer.from([21, 3, 3, 0, 2, 2, 70]))).toEqual([
      { kind: 'alert', alert: { level: 2, description: 70 } },
    ]);
  });

  it('reads an alert before what follows it, even plaintext in the same chunk (vsftpd: alert, then "500 OOPS")', () => {
    const oops = Buffer.from('500 OOPS: error:0A0000C1:SSL routines::no shared cipher\r\n');
    const reader = new ServerFlightReader(1024);
    expect(reader.push(Buffer.concat([Buffer.from([21, 3, 2, 0, 2, 2, 40]), oops]))).toEqual([
      { kind: 'alert', alert: { level: 2, description: 40 } },
    ]);
    expect(reader.push(oops)).toEqual([]);
    // Plaintext first is still not TLS.
    expect(() => new ServerFlightReader(1024).push(Buffer.concat([oops, Buffer.from([21, 3, 2, 0, 2, 2, 40])]))).toThrow(/not TLS/);
  });

  it('names an RFC 7919 prime by its value, and no other prime', () => {
    // ffdhe2048 as `openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048` writes it (RFC 7919 appendix A.1).
    const ffdhe2048 = Buffer.from(
      '//////////+t+FRYortKmq/cViAnPTzx2LnFg84tNpWp4TZBFGQz+8yTnc4kmz75fS/jY2MMddj2gbICrsRhetPfHtXV/WVhJDP1H18GbtCFY2VVPe0a' +
        '87VXE15/V8k1mE8McODmi3fipona8+/och3xWKE2rec1MKzKT0g6eXq8CrGCsyT7YdEIqUuyyOP7uWrat2DX9GgdT0Kj3jlN9K5W7edjcrsZCwenyO4K' +
        'bXCeAvzhzffi7MA0BM0oNC9hkXL+nOmFg/+OTxIy7vKBg8P+OxtMb61zO7X8vC7CIAXFjvGDfRaDssbzSibBsu/6iGtCOGEoXJf//////////w==',
      'base64',
    );
    expect(ffdhe2048).toHaveLength(256);
    const ske = (p: Buffer) => Buffer.concat([Buffer.from([p.length >> 8, p.length & 0xff]), p, Buffer.from([0, 1, 2, 0, 1, 7])]);
    expect(parseServerKeyExchange(ske(ffdhe2048), 'DH')).toEqual({ dhBits: 2048, group: 256 });
    // The same head at a size RFC 7919 does not define, and a 2048-bit prime of the server's own, are no group.
    expect(ffdheGroupOf(ffdhe2048.subarray(0, 200), 1600)).toBeUndefined();
    const own = Buffer.from(ffdhe2048);
    own[10] = 0x00;
    expect(parseServerKeyExchange(ske(own), 'DH')).toEqual({ dhBits: 2048 });
    expect(parseServerKeyExchange(ske(Buffer.from([0x0f])), 'DH')).toEqual({ dhBits: 4 });
  });

  it('reads the DH prime size and the ECDHE curve from a ServerKeyExchange', () => {
    const prime = Buffer.concat([Buffer.from([0x01, 0x00]), Buffer.alloc(256, 0xff)]);
    expect(parseServerKeyExchange(prime, 'DH')).toEqual({ dhBits: 2048 });
    expect(parseServerKeyExchange(Buffer.from([3, 0, 29, 32]), 'ECDH')).toEqual({ group: 29 });
  });
});

describe('cipher suite table', () => {
  it('classifies suites the way the profile names them', () => {
    expect(suiteByCode(0x002f).classes).toEqual(expect.arrayContaining(['static-rsa', 'cbc']));
    expect(suiteByCode(0xc02f).classes).toEqual(expect.arrayContaining(['aead', 'forward-secret']));
    expect(suiteByCode(0x000a).classes).toContain('3des');
    expect(suiteByCode(0x0005).classes).toContain('rc4');
    expect(suiteByCode(0x0003).classes).toEqual(expect.arrayContaining(['export', 'rc4', 'weak-bits']));
    expect(suiteByCode(0x0018).classes).toContain('anon');
    expect(suiteByCode(0x0002).classes).toContain('null');
    expect(suiteByCode(0x1301).classes).not.toContain('anon');
  });

  it('offers only the suites each version defines, and never signalling values', () => {
    expect(candidateSuites('TLSv1.3')).toEqual([0x1301, 0x1302, 0x1303, 0x1304, 0x1305]);
    expect(candidateSuites('TLSv1.0')).not.toContain(0xc02f);
    expect(candidateSuites('TLSv1.2')).toContain(0xc02f);
    expect(CIPHER_SUITES.map((s) => s.code)).not.toContain(0x00ff);
    expect(candidateSuites('TLSv1.2').length).toBeGreaterThan(300);
  });
});

describe('lookup tables keyed by values from the network have no prototype', () => {
  it.each(['constructor', '__proto__', 'toString'])('%s is not a known name', async (name) => {
    const { versionByName } = await import('../../src/tls/versions.ts');
    const { NAMED_GROUPS, groupName } = await import('../../src/tls/groups.ts');
    const { ALERT_NAMES } = await import('../../src/tls/wire.ts');
    expect(versionByName(name)).toBeUndefined();
    expect(NAMED_GROUPS.get(name as unknown as number)).toBeUndefined();
    expect(ALERT_NAMES.get(name as unknown as number)).toBeUndefined();
    expect(groupName(0xfafa)).toBe('group-0xfafa');
  });
});

describe('wire readers on hostile bytes throw only the typed error', () => {
  const typedOrValue = (read: () => unknown) => {
    try {
      read();
      return true;
    } catch (error) {
      return error instanceof CocoscanError && error instanceof TlsProtocolError;
    }
  };

  it('ServerHello, ServerKeyExchange and Certificate readers', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.constantFrom('ECDH', 'DH', 'RSA', '?'), (bytes, kx) => {
        const body = Buffer.from(bytes);
        return (
          typedOrValue(() => parseServerHello(body)) &&
          typedOrValue(() => parseServerKeyExchange(body, kx)) &&
          typedOrValue(() => parseCertificateList(body))
        );
      }),
      { numRuns: 500 },
    );
  });

  it('a mutated valid ServerHello', () => {
    const ext = Buffer.from([0x00, 0x2b, 0x00, 0x02, 0x03, 0x04, 0x00, 0x33, 0x00, 0x02, 0x00, 0x17]);
    const base = serverHelloBody(0x0303, 0x1301, ext);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.nat(base.length),
        (edits, cut) => {
          const body = Buffer.from(base);
          for (const [at, value] of edits) body[at] = value;
          return typedOrValue(() => parseServerHello(body.subarray(0, cut)));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('the record reader, fed in random chunks, stays within its byte cap', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 20 }), fc.boolean(), (chunks, tlsLike) => {
        const reader = new ServerFlightReader(2048);
        return typedOrValue(() => {
          for (const chunk of chunks) {
            const data = Buffer.from(chunk);
            if (tlsLike && data.length >= 3) data.set([22, 3, 3], 0);
            reader.push(data);
          }
        });
      }),
      { numRuns: 400 },
    );
  });
});
