/**
 * The IKE transforms cocoscan offers, with their numbers on the wire (IANA "Internet Key Exchange Version 2 (IKEv2)
 * Parameters" and RFC 2409 appendix A for IKEv1) and the names the findings use.
 */

export type Dimension = 'encryption' | 'prf' | 'integrity' | 'group';

export interface Encryption {
  name: string;
  /** IKEv2 transform id (type 1). */
  v2: number;
  /** IKEv1 encryption algorithm attribute value, when IKEv1 has it. */
  v1?: number;
  keyBits?: number;
  /** Combined mode: no integrity transform goes with it. */
  aead: boolean;
}

export const ENCRYPTIONS: readonly Encryption[] = [
  { name: 'DES', v2: 2, v1: 1, aead: false },
  { name: '3DES', v2: 3, v1: 5, aead: false },
  { name: 'AES-CBC-128', v2: 12, v1: 7, keyBits: 128, aead: false },
  { name: 'AES-CBC-192', v2: 12, v1: 7, keyBits: 192, aead: false },
  { name: 'AES-CBC-256', v2: 12, v1: 7, keyBits: 256, aead: false },
  { name: 'AES-GCM-128', v2: 20, keyBits: 128, aead: true },
  { name: 'AES-GCM-256', v2: 20, keyBits: 256, aead: true },
  { name: 'ChaCha20-Poly1305', v2: 28, aead: true },
];

/** A hash as IKEv2 uses it twice (PRF and integrity) and IKEv1 once (its hash attribute). */
export interface Hash {
  name: string;
  prf: number;
  integrity: number;
  integrityName: string;
  v1: number;
}

export const HASHES: readonly Hash[] = [
  { name: 'MD5', prf: 1, integrity: 1, integrityName: 'HMAC-MD5-96', v1: 1 },
  { name: 'SHA-1', prf: 2, integrity: 2, integrityName: 'HMAC-SHA1-96', v1: 2 },
  { name: 'SHA-256', prf: 5, integrity: 12, integrityName: 'HMAC-SHA2-256-128', v1: 4 },
  { name: 'SHA-384', prf: 6, integrity: 13, integrityName: 'HMAC-SHA2-384-192', v1: 5 },
  { name: 'SHA-512', prf: 7, integrity: 14, integrityName: 'HMAC-SHA2-512-256', v1: 6 },
];

export interface Group {
  id: number;
  name: string;
  kind: 'modp' | 'ecp' | 'curve';
  /** The modulus size (MODP) or the curve's field size (ECP, curve25519). */
  bits: number;
  /** Length of a public value in a KE payload. */
  keBytes: number;
}

const modp = (id: number, bits: number): Group => ({ id, name: `MODP-${bits}`, kind: 'modp', bits, keBytes: bits / 8 });

export const GROUPS: readonly Group[] = [
  modp(1, 768),
  modp(2, 1024),
  modp(5, 1536),
  modp(14, 2048),
  modp(15, 3072),
  modp(16, 4096),
  modp(17, 6144),
  modp(18, 8192),
  { id: 19, name: 'ECP-256', kind: 'ecp', bits: 256, keBytes: 64 },
  { id: 20, name: 'ECP-384', kind: 'ecp', bits: 384, keBytes: 96 },
  { id: 21, name: 'ECP-521', kind: 'ecp', bits: 521, keBytes: 132 },
  { id: 31, name: 'Curve25519', kind: 'curve', bits: 256, keBytes: 32 },
];

/**
 * The group named in the KE payload of every enumeration offer: never one offered, so a responder that accepts the
 * offer answers INVALID_KE_PAYLOAD naming its choice (RFC 7296 1.2) instead of keeping a half-open SA for us.
 * Group 22 (1024-bit MODP with a 160-bit subgroup, RFC 5114) is deprecated and never offered by cocoscan.
 */
export const DECOY_GROUP = 22;
export const DECOY_KE_BYTES = 128;

export const groupById = (id: number): Group | undefined => GROUPS.find((g) => g.id === id);

export function groupName(id: number): string {
  return groupById(id)?.name ?? `group ${id}`;
}

export function encryptionName(id: number, keyBits: number | undefined, version: 1 | 2): string {
  const found = ENCRYPTIONS.find((e) => (version === 2 ? e.v2 === id : e.v1 === id) && (e.keyBits === undefined || e.keyBits === keyBits));
  if (found) return found.name;
  return `${version === 2 ? 'ENCR' : 'enc'} ${id}${keyBits ? `/${keyBits}` : ''}`;
}

export function prfName(id: number): string {
  const found = HASHES.find((h) => h.prf === id);
  return found ? `PRF-HMAC-${found.name}` : `PRF ${id}`;
}

export function integrityName(id: number): string {
  return HASHES.find((h) => h.integrity === id)?.integrityName ?? `INTEG ${id}`;
}

export function hashV1Name(id: number): string {
  return HASHES.find((h) => h.v1 === id)?.name ?? `hash ${id}`;
}

/** IKEv1 authentication methods offered (RFC 2409 appendix A; 65001 is XAUTH with a pre-shared key). */
export const AUTH_METHODS: ReadonlyMap<number, string> = new Map([
  [1, 'pre-shared key'],
  [3, 'RSA signature'],
  [65001, 'XAUTH with pre-shared key'],
]);

export const authName = (id: number): string => AUTH_METHODS.get(id) ?? `auth method ${id}`;
