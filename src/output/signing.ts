import { createHash, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { keyFingerprint } from '../agent/report.ts';

export const SIGNATURE_PATH = 'evidence/manifest.sha256.sig';

export interface ManifestSignature {
  format: 'cocoscan-manifest-signature';
  algorithm: 'ed25519';
  keySha256: string;
  manifestSha256: string;
  signature: string;
}

/** Signs the manifest's exact bytes with an Ed25519 key (cocoscan keygen). */
export function signManifest(manifest: Buffer, privateKeyPem: string): string {
  const key = createPrivateKey(privateKeyPem);
  if (key.asymmetricKeyType !== 'ed25519')
    throw new Error('the signing key is not an Ed25519 key (make one with: cocoscan keygen --out KEY)');
  const signature: ManifestSignature = {
    format: 'cocoscan-manifest-signature',
    algorithm: 'ed25519',
    keySha256: keyFingerprint(createPublicKey(key)),
    manifestSha256: createHash('sha256').update(manifest).digest('hex'),
    signature: sign(null, manifest, key).toString('base64'),
  };
  return `${JSON.stringify(signature, null, 2)}\n`;
}

export function checkManifestSignature(
  manifest: Buffer,
  signatureText: string,
  publicKeyPem: string,
): { ok: true } | { ok: false; reason: string } {
  let signature: ManifestSignature;
  try {
    signature = JSON.parse(signatureText) as ManifestSignature;
  } catch {
    return { ok: false, reason: `${SIGNATURE_PATH} is not valid JSON` };
  }
  let key;
  try {
    key = createPublicKey(publicKeyPem);
  } catch (error) {
    return { ok: false, reason: `the public key cannot be read: ${(error as Error).message}` };
  }
  if (signature.keySha256 !== keyFingerprint(key))
    return { ok: false, reason: `the manifest was signed by another key (${String(signature.keySha256).slice(0, 16)}…)` };
  if (typeof signature.signature !== 'string' || !verify(null, manifest, key, Buffer.from(signature.signature, 'base64'))) {
    return { ok: false, reason: 'the signature does not match the manifest: the manifest was changed after signing' };
  }
  return { ok: true };
}
