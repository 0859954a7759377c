import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { CocoscanError } from '../../src/errors.ts';
import { curveByOid, describePublicKey, describeSignatureAlgorithm } from '../../src/tls/certificate-algorithms.ts';
import { describeCertificate } from '../../src/tls/certificates.ts';
import { readValidity } from '../../src/tls/der.ts';
import { CertificateError } from '../../src/tls/errors.ts';
import { AlgorithmIdentifier, SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { makeChain, withNotAfter, type Chain } from '../helpers/weak-pki.ts';

const OID_SHA256_RSA = Buffer.from('06092a864886f70d01010b', 'hex');
const OID_RSA = Buffer.from('06092a864886f70d010101', 'hex');

function replaceAll(der: Buffer, from: Buffer, to: Buffer): Buffer {
  const hex = der.toString('hex').split(from.toString('hex')).join(to.toString('hex'));
  return Buffer.from(hex, 'hex');
}

let plain: Chain;
const chains = new Map<string, Chain>();

beforeAll(async () => {
  const specs = {
    md5: { leafDigest: 'md5' },
    dsaSha1: { intermediateKey: 'dsa', leafDigest: 'sha1' },
    sha224: { leafDigest: 'sha224' },
    ecdsa: { intermediateKey: 'ec', leafKey: 'ec', leafDigest: 'sha384' },
    ed25519: { intermediateKey: 'ed25519', leafKey: 'ed25519' },
    pss: { leafSignOptions: ['-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:32'] },
  } as const;
  const made = await Promise.all(Object.entries(specs).map(async ([name, spec]) => [name, await makeChain(spec)] as const));
  for (const [name, chain] of made) chains.set(name, chain);
  plain = await makeChain();
});

describe('certificate signature algorithm, read from its OID', () => {
  it.each([
    ['md5', 'RSA with MD5', 'MD5'],
    ['dsaSha1', 'DSA with SHA-1', 'SHA-1'],
    ['sha224', 'RSA with SHA-224', 'SHA-224'],
    ['ecdsa', 'ECDSA with SHA-384', 'SHA-384'],
    ['ed25519', 'Ed25519', undefined],
    ['pss', 'RSASSA-PSS with SHA-256', 'SHA-256'],
  ])('%s leaf: %s', (name, algorithm, hash) => {
    const leaf = describeCertificate(chains.get(name)!.der[0]!);
    expect(leaf.signature.value).toMatchObject({ name: algorithm, hash });
  });

  it('reads the SHA-1 of an intermediate and tells the self-signed root apart', async () => {
    const chain = await makeChain({ intermediateDigest: 'sha1' });
    const [leaf, intermediate, root] = chain.der.map(describeCertificate);
    expect(intermediate!.signature.value?.hash).toBe('SHA-1');
    expect([leaf!.selfSigned, intermediate!.selfSigned, root!.selfSigned]).toEqual([false, false, true]);
  });

  it('is an error naming an OID it does not know, never a pass', () => {
    const unknown = Buffer.from('06092a864886f70d010163', 'hex'); // 1.2.840.113549.1.1.99
    const facts = describeCertificate(replaceAll(plain.der[0]!, OID_SHA256_RSA, unknown));
    expect(facts.signature.value).toBeUndefined();
    expect(facts.signature.error).toBe('unknown signature algorithm OID 1.2.840.113549.1.1.99');
    expect(facts.key.value).toEqual({ type: 'RSA', bits: 2048 });
  });
});

describe('certificate key, read from the SubjectPublicKeyInfo', () => {
  it('reads RSA modulus bits, the EC curve, DSA prime bits and Ed25519', () => {
    expect(describeCertificate(plain.der[0]!).key.value).toEqual({ type: 'RSA', bits: 2048 });
    expect(describeCertificate(chains.get('ecdsa')!.der[0]!).key.value).toEqual({ type: 'EC', bits: 384, curve: 'P-384' });
    expect(describeCertificate(chains.get('dsaSha1')!.der[1]!).key.value).toEqual({ type: 'DSA', bits: 1024 });
    expect(describeCertificate(chains.get('ed25519')!.der[0]!).key.value).toEqual({ type: 'ED25519', bits: 256 });
  });

  it('is an error for a key algorithm it does not know', () => {
    const facts = describeCertificate(replaceAll(plain.der[0]!, OID_RSA, Buffer.from('06092a864886f70d01017f', 'hex')));
    expect(facts.key.error).toBe('unknown public key algorithm OID 1.2.840.113549.1.1.127');
  });
});

describe('certificate dates', () => {
  it('a date that does not exist spoils the validity only, with the value named', () => {
    const bad = withNotAfter(plain.der[0]!, '991332235959Z');
    const facts = describeCertificate(bad);
    expect(facts.validity.error).toBe('the time "991332235959Z" names no real date and time');
    expect(facts.key.value).toEqual({ type: 'RSA', bits: 2048 });
    expect(facts.signature.value?.hash).toBe('SHA-256');
  });
});

describe('lookup tables keyed by names from the certificate have no prototype', () => {
  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])('%s is an unknown OID everywhere', (name) => {
    expect(() => describeSignatureAlgorithm(new AlgorithmIdentifier({ algorithm: name }))).toThrow(CertificateError);
    expect(() => describeSignatureAlgorithm(new AlgorithmIdentifier({ algorithm: name }))).toThrow(
      `unknown signature algorithm OID ${name}`,
    );
    expect(() => describePublicKey(new SubjectPublicKeyInfo({ algorithm: new AlgorithmIdentifier({ algorithm: name }) }))).toThrow(
      `unknown public key algorithm OID ${name}`,
    );
    expect(curveByOid(name)).toBeUndefined();
  });
});

describe('the certificate reader on hostile bytes', () => {
  const isTyped = (read: () => unknown) => {
    try {
      read();
      return true;
    } catch (error) {
      return error instanceof CocoscanError;
    }
  };

  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        const facts = describeCertificate(Buffer.from(bytes));
        return typeof facts.sha256 === 'string' && (facts.readable || facts.validity.error !== undefined);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on a mutated real certificate, and readValidity throws only CertificateError', () => {
    const base = plain.der[0]!;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        fc.nat(base.length),
        (edits, cut) => {
          const der = Buffer.from(base);
          for (const [at, value] of edits) der[at] = value;
          const sample = der.subarray(0, Math.max(cut, base.length - 40));
          const facts = describeCertificate(sample);
          for (const field of [facts.validity, facts.key, facts.signature])
            expect(field.value !== undefined || typeof field.error === 'string').toBe(true);
          return isTyped(() => readValidity(sample));
        },
      ),
      { numRuns: 400 },
    );
  });
});
