import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
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

/** The public key a signature is checked against, or why it cannot be one (said without OpenSSL's own words). */
export function manifestPublicKey(publicKeyPem: string): { ok: true; key: KeyObject } | { ok: false; reason: string } {
  let key: KeyObject;
  try {
    key = createPublicKey(publicKeyPem);
  } catch {
    return { ok: false, reason: 'the --key file is not a public key in PEM form (make a pair with: cocoscan keygen --out KEY)' };
  }
  if (key.asymmetricKeyType !== 'ed25519')
    return { ok: false, reason: `the --key file is ${key.asymmetricKeyType ?? 'an unknown'} key; manifests are signed with Ed25519 keys` };
  return { ok: true, key };
}

export function checkManifestSignature(
  manifest: Buffer,
  signatureText: string,
  publicKeyPem: string,
): { ok: true } | { ok: false; reason: string } {
  const key = manifestPublicKey(publicKeyPem);
  if (!key.ok) return key;
  let parsed: unknown;
  try {
    parsed = JSON.parse(signatureText);
  } catch {
    return { ok: false, reason: `${SIGNATURE_PATH} is not valid JSON` };
  }
  // The file is the folder's, so anything: only an object with the two strings read below is a signature.
  const signature = parsed as Partial<Record<keyof ManifestSignature, unknown>> | null;
  if (
    typeof signature !== 'object' ||
    signature === null ||
    typeof signature.keySha256 !== 'string' ||
    typeof signature.signature !== 'string'
  )
    return { ok: false, reason: `${SIGNATURE_PATH} is not a cocoscan manifest signature` };
  if (signature.keySha256 !== keyFingerprint(key.key))
    return { ok: false, reason: `the manifest was signed by another key (${signature.keySha256.slice(0, 16)}…)` };
  if (!verify(null, manifest, key.key, Buffer.from(signature.signature, 'base64'))) {
    return { ok: false, reason: 'the signature does not match the manifest: the manifest was changed after signing' };
  }
  return { ok: true };
}
