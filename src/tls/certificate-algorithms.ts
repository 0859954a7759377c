/**
 * What a certificate's signature algorithm and public key are, read from their OIDs. Every table is a Map:
 * an OID comes from the certificate, so a name such as `constructor` must be unknown, not inherited.
 * An OID missing here is reported as unknown, never guessed.
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import { ECParameters } from '@peculiar/asn1-ecc';
import { RSAPublicKey, RsaSaPssParams } from '@peculiar/asn1-rsa';
import type { AlgorithmIdentifier, SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { children, integerBits, readElement, TAG_INTEGER, TAG_SEQUENCE } from './der.ts';
import { CertificateError } from './errors.ts';

export interface SignatureFacts {
  oid: string;
  /** Readable name, e.g. "ECDSA with SHA-384" or "RSASSA-PSS with SHA-256". */
  name: string;
  /** The digest the signature is made over; undefined for schemes with their own (Ed25519, Ed448, ML-DSA). */
  hash?: string;
}

export interface KeyFacts {
  /** RSA, EC, DSA, DH, ED25519, ED448, X25519, X448, GOST, ML-DSA-44, … */
  type: string;
  bits: number;
  curve?: string;
}

const HASHES = new Map<string, string>([
  ['1.2.840.113549.2.2', 'MD2'],
  ['1.2.840.113549.2.4', 'MD4'],
  ['1.2.840.113549.2.5', 'MD5'],
  ['1.3.14.3.2.26', 'SHA-1'],
  ['2.16.840.1.101.3.4.2.4', 'SHA-224'],
  ['2.16.840.1.101.3.4.2.1', 'SHA-256'],
  ['2.16.840.1.101.3.4.2.2', 'SHA-384'],
  ['2.16.840.1.101.3.4.2.3', 'SHA-512'],
  ['2.16.840.1.101.3.4.2.5', 'SHA-512/224'],
  ['2.16.840.1.101.3.4.2.6', 'SHA-512/256'],
  ['2.16.840.1.101.3.4.2.7', 'SHA3-224'],
  ['2.16.840.1.101.3.4.2.8', 'SHA3-256'],
  ['2.16.840.1.101.3.4.2.9', 'SHA3-384'],
  ['2.16.840.1.101.3.4.2.10', 'SHA3-512'],
  ['2.16.840.1.101.3.4.2.11', 'SHAKE128'],
  ['2.16.840.1.101.3.4.2.12', 'SHAKE256'],
]);

/** Every hash name the tables below can produce (profiles may ban any of them). */
export const SIGNATURE_HASH_NAMES = [
  'MD2',
  'MD4',
  'MD5',
  'SHA-1',
  'SHA-224',
  'SHA-256',
  'SHA-384',
  'SHA-512',
  'SHA-512/224',
  'SHA-512/256',
  'SHA3-224',
  'SHA3-256',
  'SHA3-384',
  'SHA3-512',
  'SHAKE128',
  'SHAKE256',
  'SM3',
  'GOST R 34.11-94',
  'Streebog-256',
  'Streebog-512',
] as const;

const RSASSA_PSS = '1.2.840.113549.1.1.10';
const MGF1 = '1.2.840.113549.1.1.8';

// [OID, scheme, hash]; a hash of undefined means the scheme hashes internally.
const SIGNATURES = new Map<string, { scheme: string; hash?: string }>(
  (
    [
      ['1.2.840.113549.1.1.2', 'RSA', 'MD2'],
      ['1.2.840.113549.1.1.3', 'RSA', 'MD4'],
      ['1.2.840.113549.1.1.4', 'RSA', 'MD5'],
      ['1.3.14.3.2.3', 'RSA', 'MD5'],
      ['1.2.840.113549.1.1.5', 'RSA', 'SHA-1'],
      ['1.3.14.3.2.29', 'RSA', 'SHA-1'],
      ['1.2.840.113549.1.1.14', 'RSA', 'SHA-224'],
      ['1.2.840.113549.1.1.11', 'RSA', 'SHA-256'],
      ['1.2.840.113549.1.1.12', 'RSA', 'SHA-384'],
      ['1.2.840.113549.1.1.13', 'RSA', 'SHA-512'],
      ['1.2.840.113549.1.1.15', 'RSA', 'SHA-512/224'],
      ['1.2.840.113549.1.1.16', 'RSA', 'SHA-512/256'],
      ['2.16.840.1.101.3.4.3.13', 'RSA', 'SHA3-224'],
      ['2.16.840.1.101.3.4.3.14', 'RSA', 'SHA3-256'],
      ['2.16.840.1.101.3.4.3.15', 'RSA', 'SHA3-384'],
      ['2.16.840.1.101.3.4.3.16', 'RSA', 'SHA3-512'],
      ['1.2.840.10040.4.3', 'DSA', 'SHA-1'],
      ['1.3.14.3.2.27', 'DSA', 'SHA-1'],
      ['1.3.14.3.2.13', 'DSA', 'SHA-1'],
      ['2.16.840.1.101.3.4.3.1', 'DSA', 'SHA-224'],
      ['2.16.840.1.101.3.4.3.2', 'DSA', 'SHA-256'],
      ['2.16.840.1.101.3.4.3.3', 'DSA', 'SHA-384'],
      ['2.16.840.1.101.3.4.3.4', 'DSA', 'SHA-512'],
      ['2.16.840.1.101.3.4.3.5', 'DSA', 'SHA3-224'],
      ['2.16.840.1.101.3.4.3.6', 'DSA', 'SHA3-256'],
      ['2.16.840.1.101.3.4.3.7', 'DSA', 'SHA3-384'],
      ['2.16.840.1.101.3.4.3.8', 'DSA', 'SHA3-512'],
      ['1.2.840.10045.4.1', 'ECDSA', 'SHA-1'],
      ['1.2.840.10045.4.3.1', 'ECDSA', 'SHA-224'],
      ['1.2.840.10045.4.3.2', 'ECDSA', 'SHA-256'],
      ['1.2.840.10045.4.3.3', 'ECDSA', 'SHA-384'],
      ['1.2.840.10045.4.3.4', 'ECDSA', 'SHA-512'],
      ['2.16.840.1.101.3.4.3.9', 'ECDSA', 'SHA3-224'],
      ['2.16.840.1.101.3.4.3.10', 'ECDSA', 'SHA3-256'],
      ['2.16.840.1.101.3.4.3.11', 'ECDSA', 'SHA3-384'],
      ['2.16.840.1.101.3.4.3.12', 'ECDSA', 'SHA3-512'],
      ['1.3.101.112', 'Ed25519', undefined],
      ['1.3.101.113', 'Ed448', undefined],
      ['2.16.840.1.101.3.4.3.17', 'ML-DSA-44', undefined],
      ['2.16.840.1.101.3.4.3.18', 'ML-DSA-65', undefined],
      ['2.16.840.1.101.3.4.3.19', 'ML-DSA-87', undefined],
      ['1.2.156.10197.1.501', 'SM2', 'SM3'],
      ['1.2.643.2.2.3', 'GOST R 34.10-2001', 'GOST R 34.11-94'],
      ['1.2.643.7.1.1.3.2', 'GOST R 34.10-2012', 'Streebog-256'],
      ['1.2.643.7.1.1.3.3', 'GOST R 34.10-2012', 'Streebog-512'],
    ] as [string, string, string | undefined][]
  ).map(([oid, scheme, hash]) => [oid, { scheme, hash }]),
);

/** Reads the signature algorithm; throws CertificateError for an OID not in the table, naming it. */
export function describeSignatureAlgorithm(algorithm: AlgorithmIdentifier): SignatureFacts {
  const oid = algorithm.algorithm;
  if (oid === RSASSA_PSS) return describePss(algorithm);
  const known = SIGNATURES.get(oid);
  if (!known) throw new CertificateError(`unknown signature algorithm OID ${oid}`);
  return { oid, name: known.hash ? `${known.scheme} with ${known.hash}` : known.scheme, hash: known.hash };
}

function describePss(algorithm: AlgorithmIdentifier): SignatureFacts {
  // Absent parameters mean the RFC 4055 defaults: SHA-1 and MGF1 with SHA-1.
  let params: RsaSaPssParams;
  try {
    params = algorithm.parameters ? AsnConvert.parse(algorithm.parameters, RsaSaPssParams) : new RsaSaPssParams();
  } catch {
    throw new CertificateError('the RSASSA-PSS signature parameters cannot be decoded');
  }
  const hash = HASHES.get(params.hashAlgorithm.algorithm);
  if (!hash) throw new CertificateError(`unknown hash OID ${params.hashAlgorithm.algorithm} in the RSASSA-PSS parameters`);
  let mgfHash: string | undefined;
  if (params.maskGenAlgorithm.algorithm === MGF1) {
    try {
      const inner = params.maskGenAlgorithm.parameters
        ? readAlgorithmOid(Buffer.from(params.maskGenAlgorithm.parameters))
        : '1.3.14.3.2.26';
      mgfHash = HASHES.get(inner);
    } catch {
      mgfHash = undefined;
    }
  }
  if (!mgfHash)
    throw new CertificateError(
      `the RSASSA-PSS mask generation function (${params.maskGenAlgorithm.algorithm}) is not MGF1 with a known hash`,
    );
  return { oid: RSASSA_PSS, name: `RSASSA-PSS with ${hash}${mgfHash === hash ? '' : ` (MGF1 with ${mgfHash})`}`, hash };
}

/** The OID of a DER AlgorithmIdentifier (SEQUENCE { OID, params }). */
function readAlgorithmOid(der: Buffer): string {
  const sequence = readElement(der);
  const [oid] = sequence.tag === TAG_SEQUENCE ? children(sequence) : [];
  if (!oid || oid.tag !== 0x06) throw new CertificateError('an AlgorithmIdentifier has no OID');
  return decodeOid(oid.content);
}

export function decodeOid(content: Buffer): string {
  if (content.length === 0 || content.length > 64) throw new CertificateError('an OID is empty or too long');
  const arcs: number[] = [];
  let value = 0;
  for (const byte of content) {
    value = value * 128 + (byte & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER / 128) throw new CertificateError('an OID arc is too large');
    if (!(byte & 0x80)) {
      arcs.push(value);
      value = 0;
    }
  }
  if (content[content.length - 1]! & 0x80) throw new CertificateError('an OID is cut short');
  const first = arcs.shift()!;
  const top = first < 80 ? Math.floor(first / 40) : 2;
  return [top, first - top * 40, ...arcs].join('.');
}

const CURVES = new Map<string, { name: string; bits: number }>(
  (
    [
      ['1.2.840.10045.3.1.1', 'P-192', 192],
      ['1.3.132.0.33', 'P-224', 224],
      ['1.2.840.10045.3.1.7', 'P-256', 256],
      ['1.3.132.0.34', 'P-384', 384],
      ['1.3.132.0.35', 'P-521', 521],
      ['1.2.840.10045.3.1.2', 'prime192v2', 192],
      ['1.2.840.10045.3.1.3', 'prime192v3', 192],
      ['1.2.840.10045.3.1.4', 'prime239v1', 239],
      ['1.2.840.10045.3.1.5', 'prime239v2', 239],
      ['1.2.840.10045.3.1.6', 'prime239v3', 239],
      ['1.3.132.0.6', 'secp112r1', 112],
      ['1.3.132.0.7', 'secp112r2', 112],
      ['1.3.132.0.28', 'secp128r1', 128],
      ['1.3.132.0.29', 'secp128r2', 128],
      ['1.3.132.0.9', 'secp160k1', 160],
      ['1.3.132.0.8', 'secp160r1', 160],
      ['1.3.132.0.30', 'secp160r2', 160],
      ['1.3.132.0.31', 'secp192k1', 192],
      ['1.3.132.0.32', 'secp224k1', 224],
      ['1.3.132.0.10', 'secp256k1', 256],
      ['1.3.132.0.1', 'sect163k1', 163],
      ['1.3.132.0.2', 'sect163r1', 163],
      ['1.3.132.0.15', 'sect163r2', 163],
      ['1.3.132.0.24', 'sect193r1', 193],
      ['1.3.132.0.25', 'sect193r2', 193],
      ['1.3.132.0.26', 'sect233k1', 233],
      ['1.3.132.0.27', 'sect233r1', 233],
      ['1.3.132.0.3', 'sect239k1', 239],
      ['1.3.132.0.16', 'sect283k1', 283],
      ['1.3.132.0.17', 'sect283r1', 283],
      ['1.3.132.0.36', 'sect409k1', 409],
      ['1.3.132.0.37', 'sect409r1', 409],
      ['1.3.132.0.38', 'sect571k1', 571],
      ['1.3.132.0.39', 'sect571r1', 571],
      ['1.3.36.3.3.2.8.1.1.1', 'brainpoolP160r1', 160],
      ['1.3.36.3.3.2.8.1.1.2', 'brainpoolP160t1', 160],
      ['1.3.36.3.3.2.8.1.1.3', 'brainpoolP192r1', 192],
      ['1.3.36.3.3.2.8.1.1.4', 'brainpoolP192t1', 192],
      ['1.3.36.3.3.2.8.1.1.5', 'brainpoolP224r1', 224],
      ['1.3.36.3.3.2.8.1.1.6', 'brainpoolP224t1', 224],
      ['1.3.36.3.3.2.8.1.1.7', 'brainpoolP256r1', 256],
      ['1.3.36.3.3.2.8.1.1.8', 'brainpoolP256t1', 256],
      ['1.3.36.3.3.2.8.1.1.9', 'brainpoolP320r1', 320],
      ['1.3.36.3.3.2.8.1.1.10', 'brainpoolP320t1', 320],
      ['1.3.36.3.3.2.8.1.1.11', 'brainpoolP384r1', 384],
      ['1.3.36.3.3.2.8.1.1.12', 'brainpoolP384t1', 384],
      ['1.3.36.3.3.2.8.1.1.13', 'brainpoolP512r1', 512],
      ['1.3.36.3.3.2.8.1.1.14', 'brainpoolP512t1', 512],
      ['1.2.156.10197.1.301', 'SM2', 256],
    ] as [string, string, number][]
  ).map(([oid, name, bits]) => [oid, { name, bits }]),
);

type KeyReader = (spki: SubjectPublicKeyInfo) => KeyFacts;

const rsaKey: KeyReader = (spki) => {
  let key: RSAPublicKey;
  try {
    key = AsnConvert.parse(spki.subjectPublicKey, RSAPublicKey);
  } catch {
    throw new CertificateError('the RSA public key cannot be decoded');
  }
  const bits = integerBits(Buffer.from(key.modulus));
  if (bits === 0) throw new CertificateError('the RSA modulus is zero');
  return { type: 'RSA', bits };
};

const ecKey: KeyReader = (spki) => {
  if (!spki.algorithm.parameters) throw new CertificateError('the EC public key names no curve');
  let params: ECParameters;
  try {
    params = AsnConvert.parse(spki.algorithm.parameters, ECParameters);
  } catch {
    throw new CertificateError('the EC curve parameters cannot be decoded');
  }
  if (!params.namedCurve)
    throw new CertificateError('the EC public key carries explicit curve parameters instead of a named curve (RFC 5480 forbids this)');
  const curve = CURVES.get(params.namedCurve);
  if (!curve) throw new CertificateError(`unknown elliptic curve OID ${params.namedCurve}`);
  return { type: 'EC', bits: curve.bits, curve: curve.name };
};

/** DSA (Dss-Parms) and DH (DomainParameters, DHParameter) both begin with the prime p. */
const primeKey =
  (type: 'DSA' | 'DH'): KeyReader =>
  (spki) => {
    if (!spki.algorithm.parameters)
      throw new CertificateError(`the ${type} public key carries no domain parameters, so its size is unknown`);
    const sequence = readElement(Buffer.from(spki.algorithm.parameters));
    const [p] = sequence.tag === TAG_SEQUENCE ? children(sequence) : [];
    if (!p || p.tag !== TAG_INTEGER) throw new CertificateError(`the ${type} domain parameters hold no prime`);
    const bits = integerBits(p.content);
    if (bits === 0) throw new CertificateError(`the ${type} prime is zero`);
    return { type, bits };
  };

const fixedKey =
  (type: string, bits: number): KeyReader =>
  () => ({ type, bits });

const KEYS = new Map<string, KeyReader>([
  ['1.2.840.113549.1.1.1', rsaKey],
  ['1.2.840.113549.1.1.10', rsaKey],
  ['1.2.840.113549.1.1.7', rsaKey],
  ['2.5.8.1.1', rsaKey],
  ['1.2.840.10045.2.1', ecKey],
  ['1.3.132.1.12', ecKey],
  ['1.3.132.1.13', ecKey],
  ['1.2.840.10040.4.1', primeKey('DSA')],
  ['1.3.14.3.2.12', primeKey('DSA')],
  ['1.2.840.10046.2.1', primeKey('DH')],
  ['1.2.840.113549.1.3.1', primeKey('DH')],
  ['1.3.101.110', fixedKey('X25519', 255)],
  ['1.3.101.111', fixedKey('X448', 448)],
  ['1.3.101.112', fixedKey('ED25519', 256)],
  ['1.3.101.113', fixedKey('ED448', 456)],
  ['2.16.840.1.101.3.4.3.17', fixedKey('ML-DSA-44', 128)],
  ['2.16.840.1.101.3.4.3.18', fixedKey('ML-DSA-65', 192)],
  ['2.16.840.1.101.3.4.3.19', fixedKey('ML-DSA-87', 256)],
  ['1.2.643.2.2.19', fixedKey('GOST', 256)],
  ['1.2.643.7.1.1.1.1', fixedKey('GOST', 256)],
  ['1.2.643.7.1.1.1.2', fixedKey('GOST', 512)],
]);

/** Reads the key type and size; throws CertificateError for an unknown algorithm or unreadable key. */
export function describePublicKey(spki: SubjectPublicKeyInfo): KeyFacts {
  const reader = KEYS.get(spki.algorithm.algorithm);
  if (!reader) throw new CertificateError(`unknown public key algorithm OID ${spki.algorithm.algorithm}`);
  return reader(spki);
}

/** Name of a curve by OID, for tests and reports; undefined when unknown. */
export function curveByOid(oid: string): { name: string; bits: number } | undefined {
  return CURVES.get(oid);
}
