import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CocoscanError } from '../../src/errors.ts';
import { readHostKeyBlob } from '../../src/ssh/host-key-blob.ts';
import { SshProtocolError, SshReader, SshStreamReader, kexinitPayload, packet, parseKexinit, sshString } from '../../src/ssh/wire.ts';

/** Runs `read`; anything thrown must be the SSH reader's typed error (a CocoscanError). */
function onlyTypedErrors(read: () => unknown): boolean {
  try {
    read();
    return true;
  } catch (error) {
    if (error instanceof SshProtocolError && error instanceof CocoscanError) return true;
    throw error;
  }
}

const NUM_RUNS = 300;
const bytes = (maxLength = 512) => fc.uint8Array({ maxLength }).map((a) => Buffer.from(a));
const name = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-@._'.split('')), minLength: 1, maxLength: 40 });
const validKexinit = fc
  .record({
    kex: fc.array(name, { maxLength: 8 }),
    hostKey: fc.array(name, { maxLength: 8 }),
    encryption: fc.array(name, { maxLength: 8 }),
    mac: fc.array(name, { maxLength: 8 }),
    compression: fc.array(name, { maxLength: 3 }),
  })
  .map((lists) => ({ lists, payload: kexinitPayload(lists) }));

/** A valid payload with a few bytes overwritten, cut or extended. */
const mutated = (base: fc.Arbitrary<Buffer>) =>
  fc
    .tuple(base, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), fc.option(fc.nat()), bytes(16))
    .map(([buffer, edits, cut, tail]) => {
      const copy = Buffer.from(buffer);
      for (const [at, value] of edits) if (copy.length > 0) copy[at % copy.length] = value;
      const kept = cut === null ? copy : copy.subarray(0, cut % (copy.length + 1));
      return Buffer.concat([kept, tail]);
    });

/** Splits a byte stream into chunks as TCP might deliver it. */
const chunked = (stream: fc.Arbitrary<Buffer>) =>
  fc.tuple(stream, fc.array(fc.nat(), { maxLength: 8 })).map(([buffer, cuts]) => {
    const points = [...new Set(cuts.map((c) => c % (buffer.length + 1)))].sort((a, b) => a - b);
    const chunks: Buffer[] = [];
    let from = 0;
    for (const p of [...points, buffer.length]) {
      chunks.push(buffer.subarray(from, p));
      from = p;
    }
    return chunks;
  });

describe('SSH wire readers never throw anything but SshProtocolError', () => {
  it('identification line and packet framing: random bytes, in random chunks', () => {
    fc.assert(
      fc.property(chunked(bytes(2048)), (chunks) => {
        const reader = new SshStreamReader();
        return onlyTypedErrors(() => chunks.forEach((c) => reader.push(c)));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('identification line and packet framing: a plausible start, mutated', () => {
    const stream = fc
      .tuple(fc.array(fc.string({ maxLength: 60 }), { maxLength: 3 }), fc.string({ maxLength: 40 }), fc.array(bytes(200), { maxLength: 3 }))
      .map(([preamble, software, payloads]) =>
        Buffer.concat([
          Buffer.from(preamble.map((l) => `${l}\r\n`).join(''), 'utf8'),
          Buffer.from(`SSH-2.0-${software}\r\n`, 'latin1'),
          ...payloads.map((p) => packet(p)),
        ]),
      );
    fc.assert(
      fc.property(chunked(mutated(stream)), (chunks) => {
        const reader = new SshStreamReader();
        return onlyTypedErrors(() => chunks.forEach((c) => reader.push(c)));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('a valid KEXINIT reads back its lists', () => {
    fc.assert(
      fc.property(validKexinit, ({ lists, payload }) => {
        const k = parseKexinit(payload);
        expect(k.kex).toEqual(lists.kex);
        expect(k.hostKey).toEqual(lists.hostKey);
        expect(k.macServerToClient).toEqual(lists.mac);
      }),
      { numRuns: 100 },
    );
  });

  it('KEXINIT: random and mutated payloads', () => {
    fc.assert(
      fc.property(fc.oneof(bytes(), mutated(validKexinit.map((k) => k.payload))), (payload) =>
        onlyTypedErrors(() => parseKexinit(payload)),
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it('host key blobs: random and mutated', () => {
    const blob = fc
      .constantFrom(
        'ssh-rsa',
        'ssh-dss',
        'ssh-ed25519',
        'ssh-ed448',
        'ecdsa-sha2-nistp256',
        'ecdsa-sha2-nistp521',
        'x509v3-sign-rsa',
        'ssh-rsa-cert-v01@openssh.com',
        'ssh-ed25519-cert-v01@openssh.com',
        'sk-ssh-ed25519@openssh.com',
        'sk-ecdsa-sha2-nistp256@openssh.com',
      )
      .chain((type) =>
        fc.array(bytes(80), { maxLength: 5 }).map((fields) => Buffer.concat([sshString(type), ...fields.map((f) => sshString(f))])),
      );
    const algorithm = fc.constantFrom(
      'ssh-rsa',
      'rsa-sha2-512',
      'ssh-dss',
      'ssh-ed25519',
      'ecdsa-sha2-nistp256',
      'rsa-sha2-512-cert-v01@openssh.com',
      'sk-ssh-ed25519@openssh.com',
      'constructor',
    );
    fc.assert(
      fc.property(algorithm, fc.oneof(bytes(), blob, mutated(blob)), (alg, data) => onlyTypedErrors(() => readHostKeyBlob(alg, data))),
      { numRuns: NUM_RUNS },
    );
  });

  it('name-lists and mpints', () => {
    fc.assert(
      fc.property(bytes(), (data) =>
        onlyTypedErrors(() => {
          const reader = new SshReader(data);
          reader.nameList();
          reader.mpintBits();
        }),
      ),
      { numRuns: NUM_RUNS },
    );
  });
});
