import { describe, expect, it } from 'vitest';
import { classify } from '../../probes/ike/classify.ts';
import { v1Offers, v2Offers } from '../../probes/ike/plan.ts';
import { ENCRYPTIONS } from '../../probes/ike/transforms.ts';
import { nameVendorId } from '../../probes/ike/vendor-ids.ts';
import { buildV1, buildV2Init, MAX_V1_TRANSFORMS } from '../../probes/ike/wire-build.ts';
import { MAX_PAYLOADS, parseIkeAnswer } from '../../probes/ike/wire-parse.ts';

const SPI = Buffer.from('0102030405060708', 'hex');

function v2Answer(payloads: Buffer, first: number, spi = SPI): Buffer {
  const header = Buffer.alloc(28);
  spi.copy(header, 0);
  header[16] = first;
  header[17] = 0x20;
  header[18] = 34;
  header[19] = 0x20;
  header.writeUInt32BE(28 + payloads.length, 24);
  return Buffer.concat([header, payloads]);
}

function payload(next: number, body: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header[0] = next;
  header.writeUInt16BE(body.length + 4, 2);
  return Buffer.concat([header, body]);
}

describe('IKE datagrams cocoscan builds read back as sent', () => {
  it('an IKEv2 IKE_SA_INIT with every transform, a KE, a nonce and NAT detection', () => {
    const [full] = v2Offers();
    if (full?.kind !== 'v2-full') throw new Error('the plan starts with the full offer');
    const request = buildV2Init({
      spi: SPI,
      proposals: full.proposals,
      keGroup: 19,
      keData: Buffer.alloc(64, 1),
      nonce: Buffer.alloc(32, 2),
      natDetection: { source: Buffer.alloc(20, 3), destination: Buffer.alloc(20, 4) },
    });
    const read = parseIkeAnswer(request, SPI);
    expect(read).toMatchObject({ kind: 'message', version: 2, exchange: 34, keGroup: 19, natDetection: true });
    if (read.kind !== 'message') return;
    expect(read.notifies.map((n) => n.type)).toEqual([16388, 16389]);
    // The first proposal holds the CBC suites: its last transform of each type is what the reader keeps.
    expect(read.chosenV2).toMatchObject({ encryption: { id: 12, keyBits: 256 }, prf: 7, integrity: 14, group: 31 });
  });

  it('an IKEv1 aggressive mode first message names its identity; main mode holds at most MAX_V1_TRANSFORMS', () => {
    const offers = v1Offers();
    const aggressive = offers.find((o) => o.kind === 'v1-aggressive');
    if (aggressive?.kind !== 'v1-aggressive') throw new Error('the plan has aggressive mode');
    const request = buildV1({
      cookie: SPI,
      transforms: aggressive.transforms,
      aggressive: { keData: Buffer.alloc(128, 5), nonce: Buffer.alloc(32, 6), id: 'probe@cocoscan.invalid' },
    });
    const read = parseIkeAnswer(request, SPI);
    expect(read).toMatchObject({ kind: 'message', version: 1, exchange: 4 });
    if (read.kind !== 'message') return;
    expect(read.chosenV1).toEqual({ encryption: 5, hash: 1, auth: 1, group: 2 });
    const many = buildV1({ cookie: SPI, transforms: Array.from({ length: 300 }, () => aggressive.transforms[0]!) });
    expect(many[28 + 12 + 7]).toBe(MAX_V1_TRANSFORMS);
    for (const offer of offers) if (offer.kind === 'v1-main') expect(offer.transforms.length).toBeLessThanOrEqual(MAX_V1_TRANSFORMS);
  });

  it('every encryption of the plan is asked once, AEAD suites without an integrity transform', () => {
    const enumerated = v2Offers().filter((o) => o.kind === 'v2-enum' && o.dimension === 'encryption');
    expect(enumerated).toHaveLength(ENCRYPTIONS.length);
    for (const offer of enumerated) {
      if (offer.kind !== 'v2-enum') continue;
      for (const proposal of offer.proposals) if (proposal.encryptions.some((e) => e.aead)) expect(proposal.integrities).toEqual([]);
    }
  });
});

describe('answers that do not hold together are malformed, with a reason; others are ignored', () => {
  const notify14 = payload(0, Buffer.from([0, 0, 0, 14]));
  const cases: [string, Buffer, string][] = [
    ['a datagram shorter than a header', Buffer.concat([SPI, Buffer.alloc(4)]), 'a 12-byte datagram, shorter than an IKE header'],
    [
      'a length field longer than the datagram',
      (() => {
        const d = v2Answer(notify14, 41);
        d.writeUInt32BE(5000, 24);
        return d;
      })(),
      'an IKE header giving a length of 5000 for a 36-byte datagram',
    ],
    [
      'major version 3',
      (() => {
        const d = v2Answer(notify14, 41);
        d[17] = 0x30;
        return d;
      })(),
      'an IKE header with major version 3',
    ],
    [
      'a payload shorter than its header',
      v2Answer(Buffer.from([0, 0, 0, 2]), 41),
      'payload 41 has a length of 2 bytes that does not fit the message',
    ],
    [
      'a chain of more payloads than the bound',
      v2Answer(Buffer.concat(Array.from({ length: MAX_PAYLOADS + 1 }, () => payload(43, Buffer.alloc(1)))), 43),
      `more than ${MAX_PAYLOADS} payloads`,
    ],
    [
      'a notify whose SPI size runs past it',
      v2Answer(payload(0, Buffer.from([0, 200, 0, 14])), 41),
      'a notify payload whose SPI does not fit',
    ],
    [
      'an SA proposal whose length does not fit',
      v2Answer(payload(0, Buffer.from([0, 0, 0, 99, 1, 1, 0, 1])), 33),
      'an SA proposal whose length does not fit',
    ],
    [
      'an IKEv1 answer with encrypted payloads',
      (() => {
        const d = v2Answer(notify14, 11);
        d[17] = 0x10;
        d[19] = 1;
        return d;
      })(),
      'an IKEv1 answer with encrypted payloads',
    ],
  ];
  for (const [name, datagram, reason] of cases) {
    it(name, () => {
      expect(parseIkeAnswer(datagram, SPI)).toEqual({ kind: 'malformed', reason });
    });
  }

  it('an answer for another SPI is not ours, nor a datagram too short to carry one, nor a short one with another', () => {
    expect(parseIkeAnswer(v2Answer(notify14, 41, Buffer.alloc(8, 9)), SPI)).toEqual({ kind: 'foreign' });
    expect(parseIkeAnswer(SPI.subarray(0, 7), SPI)).toEqual({ kind: 'foreign' });
    expect(parseIkeAnswer(Buffer.alloc(12, 9), SPI)).toEqual({ kind: 'foreign' });
  });

  it('a malformed answer is "other" for the offer, never accepted or refused', () => {
    const [full] = v2Offers();
    expect(classify(full!, { kind: 'malformed', reason: 'x' }, 1)).toEqual({ result: 'other', detail: 'a malformed answer: x' });
    expect(classify(full!, undefined, 2)).toEqual({ result: 'silent', detail: 'no answer to 2 datagrams' });
  });

  it('INVALID_KE_PAYLOAD naming a group the group offer did not make is "other"', () => {
    const offer = v2Offers().find((o) => o.kind === 'v2-enum' && o.dimension === 'group' && o.candidate === 'MODP-2048')!;
    const answer = parseIkeAnswer(v2Answer(payload(0, Buffer.from([0, 0, 0, 17, 0, 19])), 41), SPI);
    expect(classify(offer, answer, 1)).toEqual({
      result: 'other',
      detail: 'INVALID_KE_PAYLOAD naming ECP-256, a group that was not offered',
    });
  });
});

describe('vendor IDs', () => {
  it('names known ones by their full value or their MD5 prefix, and shows others as bounded hex', () => {
    expect(nameVendorId('afcad71368a1f1c96b8696fc77570100')).toEqual({
      hex: 'afcad71368a1f1c96b8696fc77570100',
      name: 'Dead Peer Detection v1.0',
    });
    expect(nameVendorId('1e2b516905991c7d7c96fcbfb587e46100000009').name).toBe('Microsoft Windows (MS NT5 ISAKMPOAKLEY)');
    expect(nameVendorId('09002689dfd6b712')).toEqual({ hex: '09002689dfd6b712', name: 'XAUTH' });
    expect(nameVendorId('__proto__')).toEqual({ hex: '__proto__' });
    expect(nameVendorId('ab'.repeat(100)).hex).toBe(`${'ab'.repeat(32)}…`);
  });
});
