import 'reflect-metadata';
import { createHash, X509Certificate as NodeCertificate } from 'node:crypto';
import { X509Certificate } from '@peculiar/x509';

export interface CertificateFacts {
  subject: string;
  issuer: string;
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  sha256: string;
  selfIssued: boolean;
  keyType: string;
  keyBits: number;
  curve?: string;
  signatureAlgorithm: string;
  /** Hash of the signature algorithm (SHA-1, SHA-256, …); undefined for Ed25519/Ed448. */
  signatureHash?: string;
  subjectAltName?: string;
  der: Buffer;
}

const CURVE_BITS: Record<string, number> = { 'P-256': 256, 'P-384': 384, 'P-521': 521, prime256v1: 256, secp384r1: 384, secp521r1: 521, secp256k1: 256, secp224r1: 224, prime192v1: 192 };

/** Reads what cocoscan judges from one DER certificate. Throws on a certificate that cannot be parsed. */
export function describeCertificate(der: Buffer): CertificateFacts {
  const node = new NodeCertificate(der);
  const parsed = new X509Certificate(new Uint8Array(der));
  const details = node.publicKey.asymmetricKeyDetails ?? {};
  const keyType = (node.publicKey.asymmetricKeyType ?? 'unknown').toUpperCase();
  const curve = details.namedCurve;
  const keyBits = details.modulusLength ?? (curve ? (CURVE_BITS[curve] ?? 0) : keyType === 'ED25519' ? 256 : keyType === 'ED448' ? 456 : 0);
  const algorithm = parsed.signatureAlgorithm as { name: string; hash?: { name: string } };
  return {
    subject: node.subject.replace(/\n/g, ', '),
    issuer: node.issuer.replace(/\n/g, ', '),
    serialNumber: node.serialNumber,
    notBefore: new Date(node.validFrom),
    notAfter: new Date(node.validTo),
    sha256: createHash('sha256').update(der).digest('hex'),
    selfIssued: node.subject === node.issuer,
    keyType: keyType === 'RSA-PSS' ? 'RSA' : keyType,
    keyBits,
    curve,
    signatureAlgorithm: algorithm.hash ? `${algorithm.name} with ${algorithm.hash.name}` : algorithm.name,
    signatureHash: algorithm.hash?.name,
    subjectAltName: node.subjectAltName,
    der,
  };
}

/** Whether `certificate` was issued by `issuer` (names match and the signature verifies). */
export function issuedBy(certificate: Buffer, issuer: Buffer): boolean {
  try {
    const cert = new NodeCertificate(certificate);
    const ca = new NodeCertificate(issuer);
    return cert.checkIssued(ca) && cert.verify(ca.publicKey);
  } catch {
    return false;
  }
}

/** Describes the first break in the order of a sent chain (each certificate followed by its issuer), if any. */
export function chainOrderProblem(chain: Buffer[]): string | undefined {
  for (let i = 0; i + 1 < chain.length; i += 1) {
    if (!issuedBy(chain[i]!, chain[i + 1]!)) {
      const issuerAt = chain.findIndex((candidate, j) => j !== i && issuedBy(chain[i]!, candidate));
      return issuerAt >= 0
        ? `certificate ${i + 1} is followed by certificate ${i + 2}, but its issuer is certificate ${issuerAt + 1}`
        : `certificate ${i + 1} is followed by certificate ${i + 2}, which did not issue it`;
    }
  }
  return undefined;
}

export function hostMatches(der: Buffer, host: string, isIpAddress: boolean): boolean {
  const cert = new NodeCertificate(der);
  return isIpAddress ? cert.checkIP(host) !== undefined : cert.checkHost(host) !== undefined;
}
