/** Builds OpenSSH host keys and v01 host certificates (PROTOCOL.certkeys) for tests; the signature is not real. */
import { generateKeyPairSync } from 'node:crypto';
import { sshMpint, sshString } from '../../src/ssh/wire.ts';

const uint64 = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
};
const uint32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};

/** The fields of an RSA public key of `bits` bits, after its type. */
export function rsaKeyFields(bits: number): Buffer {
  const jwk = generateKeyPairSync('rsa', { modulusLength: bits }).publicKey.export({ format: 'jwk' });
  return Buffer.concat([sshMpint(Buffer.from(jwk.e!, 'base64url')), sshMpint(Buffer.from(jwk.n!, 'base64url'))]);
}

export function ed25519KeyFields(): Buffer {
  return sshString(generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' }).subarray(-32));
}

export const rsaKeyBlob = (bits: number) => Buffer.concat([sshString('ssh-rsa'), rsaKeyFields(bits)]);
export const ed25519KeyBlob = () => Buffer.concat([sshString('ssh-ed25519'), ed25519KeyFields()]);

/** A host certificate of `certType` carrying `keyFields`, signed (in name only) by `authority`. */
export function hostCertificate(certType: string, keyFields: Buffer, authority: Buffer = ed25519KeyBlob()): Buffer {
  return Buffer.concat([
    sshString(certType),
    sshString(Buffer.alloc(32, 5)), // nonce
    keyFields,
    uint64(1), // serial
    uint32(2), // host certificate
    sshString('gateway-host-key'),
    sshString(Buffer.concat([sshString('gw.example.invalid')])),
    uint64(0),
    uint64(Number.MAX_SAFE_INTEGER),
    sshString(''), // critical options
    sshString(''), // extensions
    sshString(''), // reserved
    sshString(authority),
    sshString(Buffer.concat([sshString('ssh-ed25519'), sshString(Buffer.alloc(64, 1))])),
  ]);
}
