/**
 * Reads the public host key a server sends in its key-exchange reply (RFC 4253 6.6, RFC 5656, RFC 8709),
 * OpenSSH security-key keys, and OpenSSH certificates (PROTOCOL.certkeys: the key fields follow the nonce).
 */
import { createHash } from 'node:crypto';
import { displayName } from './bounded-text.ts';
import { SshProtocolError, SshReader } from './wire.ts';

export interface HostKey {
  /** Host-key algorithm that was negotiated to obtain the key. */
  algorithm: string;
  /** Type named by the blob (ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256, ssh-dss, ssh-rsa-cert-v01@openssh.com). */
  type: string;
  /** Type of the key itself: the same as `type`, except for a certificate, where it is the certified key's. */
  keyType: string;
  /** Always read from the key itself: a key whose size cannot be read is an error, never a size. */
  bits: number;
  /** OpenSSH style: SHA256:<base64 without padding>. */
  fingerprint: string;
  /** For a certificate: the key of the authority that signed it. */
  signedBy?: { type: string; bits: number };
}

/** A host key that was sent but whose size cocoscan cannot read or trust. */
export class SshHostKeyError extends SshProtocolError {}

const NIST_BITS = new Map([
  ['nistp256', 256],
  ['nistp384', 384],
  ['nistp521', 521],
]);

export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type a host-key algorithm is expected to carry (the rsa-sha2 signatures use ssh-rsa keys and certificates). */
export function keyTypeFor(algorithm: string): string {
  if (algorithm === 'rsa-sha2-256' || algorithm === 'rsa-sha2-512') return 'ssh-rsa';
  if (algorithm === 'rsa-sha2-256-cert-v01@openssh.com' || algorithm === 'rsa-sha2-512-cert-v01@openssh.com')
    return 'ssh-rsa-cert-v01@openssh.com';
  return algorithm;
}

/** OpenSSH v01 certificate types and the key type each certifies; a Map, as the names come from the network. */
const CERTIFIED_KEY_TYPE = new Map([
  ['ssh-rsa-cert-v01@openssh.com', 'ssh-rsa'],
  ['ssh-dss-cert-v01@openssh.com', 'ssh-dss'],
  ['ssh-ed25519-cert-v01@openssh.com', 'ssh-ed25519'],
  ['ecdsa-sha2-nistp256-cert-v01@openssh.com', 'ecdsa-sha2-nistp256'],
  ['ecdsa-sha2-nistp384-cert-v01@openssh.com', 'ecdsa-sha2-nistp384'],
  ['ecdsa-sha2-nistp521-cert-v01@openssh.com', 'ecdsa-sha2-nistp521'],
  ['sk-ssh-ed25519-cert-v01@openssh.com', 'sk-ssh-ed25519@openssh.com'],
  ['sk-ecdsa-sha2-nistp256-cert-v01@openssh.com', 'sk-ecdsa-sha2-nistp256@openssh.com'],
]);

function positiveBits(bits: number, type: string): number {
  if (bits <= 0) throw new SshHostKeyError(`the ${type} host key has an empty number in it`);
  return bits;
}

/** The key size, or undefined for a key type cocoscan does not know how to measure. */
function keyBits(type: string, reader: SshReader): number | undefined {
  if (type === 'ssh-rsa') {
    reader.mpintBits();
    return positiveBits(reader.mpintBits(), type);
  }
  if (type === 'ssh-dss') {
    const p = positiveBits(reader.mpintBits(), type);
    for (let i = 0; i < 3; i += 1) reader.string();
    return p;
  }
  if (type === 'ssh-ed25519' || type === 'ssh-ed448') {
    const size = type === 'ssh-ed25519' ? 32 : 57;
    if (reader.string().length !== size) throw new SshHostKeyError(`the ${type} host key is not ${size} bytes long`);
    return type === 'ssh-ed25519' ? 256 : 456;
  }
  if (type === 'sk-ssh-ed25519@openssh.com') {
    if (reader.string().length !== 32) throw new SshHostKeyError(`the ${type} host key is not 32 bytes long`);
    reader.string(); // the security key's application
    return 256;
  }
  if (type === 'sk-ecdsa-sha2-nistp256@openssh.com') {
    const bits = keyBits('ecdsa-sha2-nistp256', reader);
    reader.string();
    return bits;
  }
  const curve = /^ecdsa-sha2-(nistp\d+)$/.exec(type)?.[1];
  const bits = curve === undefined ? undefined : NIST_BITS.get(curve);
  if (bits === undefined) return undefined;
  if (reader.string().toString('latin1') !== curve) throw new SshHostKeyError(`the ${type} host key names another curve`);
  const point = reader.string();
  if (point.length !== 1 + 2 * Math.ceil(bits / 8) || point[0] !== 4)
    throw new SshHostKeyError(`the ${type} host key holds no uncompressed point of its curve`);
  return bits;
}

interface CertificateFields {
  keyType: string;
  bits: number | undefined;
  signedBy?: { type: string; bits: number };
}

/**
 * The certified key's size, and the signing authority's key, from an OpenSSH v01 certificate: nonce, key
 * fields, serial, type, key id, principals, validity, options, extensions, reserved, signature key, signature.
 */
function certificateFields(keyType: string, reader: SshReader): CertificateFields {
  reader.string();
  const bits = keyBits(keyType, reader);
  if (bits === undefined) return { keyType, bits };
  reader.bytes(8);
  reader.uint32();
  for (let i = 0; i < 2; i += 1) reader.string();
  reader.bytes(16);
  for (let i = 0; i < 3; i += 1) reader.string();
  const authority = new SshReader(reader.string());
  reader.string();
  const authorityType = authority.string().toString('latin1');
  const authorityBits = CERTIFIED_KEY_TYPE.has(authorityType) ? undefined : keyBits(authorityType, authority);
  return { keyType, bits, ...(authorityBits === undefined ? {} : { signedBy: { type: authorityType, bits: authorityBits } }) };
}

/**
 * Reads a host-key blob. Throws SshHostKeyError (naming the type and fingerprint) when the blob is cut or
 * malformed, of a type whose size cocoscan cannot read (x509v3-sign-rsa, anything unknown), or of another
 * type than the algorithm asked for.
 */
export function readHostKeyBlob(algorithm: string, blob: Buffer): HostKey {
  const fingerprint = fingerprintOf(blob);
  const reader = new SshReader(blob);
  let type: string;
  try {
    type = reader.string().toString('latin1');
  } catch {
    throw new SshHostKeyError(`the host key sent for ${displayName(algorithm)} (${fingerprint}) is cut short before its type`);
  }
  const shown = displayName(type);
  const certified = CERTIFIED_KEY_TYPE.get(type);
  let fields: CertificateFields;
  try {
    fields = certified === undefined ? { keyType: type, bits: keyBits(type, reader) } : certificateFields(certified, reader);
  } catch (error) {
    if (error instanceof SshHostKeyError) throw new SshHostKeyError(`${error.message} (${fingerprint})`);
    throw new SshHostKeyError(`the ${shown} host key (${fingerprint}) is malformed: ${(error as Error).message}`);
  }
  if (fields.bits === undefined)
    throw new SshHostKeyError(
      `the server sent a host key of type ${shown} (${fingerprint}), whose size cocoscan cannot read; check that key by hand`,
    );
  if (reader.remaining() !== 0)
    throw new SshHostKeyError(`the ${shown} host key (${fingerprint}) has ${reader.remaining()} unexpected trailing bytes`);
  if (type !== keyTypeFor(algorithm))
    throw new SshHostKeyError(`asked for a ${displayName(algorithm)} host key, the server sent a ${shown} key (${fingerprint})`);
  return {
    algorithm,
    type,
    keyType: fields.keyType,
    bits: fields.bits,
    fingerprint,
    ...(fields.signedBy ? { signedBy: fields.signedBy } : {}),
  };
}
