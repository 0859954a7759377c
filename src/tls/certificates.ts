import { createHash, X509Certificate as NodeCertificate } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import { describePublicKey, describeSignatureAlgorithm, type KeyFacts, type SignatureFacts } from './certificate-algorithms.ts';
import { readValidity } from './der.ts';
import { CertificateError } from './errors.ts';
import { describeCause } from '../errors.ts';

/** A value read from the certificate, or why it could not be. */
export type Readout<T> = { value: T; error?: undefined } | { value?: undefined; error: string };

export interface CertificateFacts {
  /** False when the DER is no certificate at all; every readout then carries the reason. */
  readable: boolean;
  subject: string;
  issuer: string;
  serialNumber: string;
  sha256: string;
  validity: Readout<{ notBefore: Date; notAfter: Date }>;
  key: Readout<KeyFacts>;
  signature: Readout<SignatureFacts>;
  /** Subject and issuer are the same name and the certificate's own key verifies its signature. */
  selfSigned: boolean;
  subjectAltName?: string;
  der: Buffer;
}

function readout<T>(read: () => T): Readout<T> {
  try {
    return { value: read() };
  } catch (error) {
    return { error: error instanceof CertificateError ? error.message : 'the field cannot be decoded' };
  }
}

/**
 * Reads what cocoscan judges from one DER certificate. Each field is read on its own, so one unreadable
 * field (a date that does not exist, an unknown OID) spoils that field only. Never throws.
 */
export function describeCertificate(der: Buffer): CertificateFacts {
  const sha256 = createHash('sha256').update(der).digest('hex');
  let parsed: Certificate;
  try {
    parsed = AsnConvert.parse(der, Certificate);
  } catch (error) {
    return unreadableCertificate(der, `the bytes are not a DER X.509 certificate (${describeDecodeFault(error)})`);
  }
  const node = tryNode(der);
  const tbs = parsed.tbsCertificate;
  const signature = readout(() => {
    const outer = describeSignatureAlgorithm(parsed.signatureAlgorithm);
    if (tbs.signature.algorithm !== parsed.signatureAlgorithm.algorithm) {
      throw new CertificateError(
        `the certificate names two signature algorithms (${tbs.signature.algorithm} inside, ${parsed.signatureAlgorithm.algorithm} outside)`,
      );
    }
    return outer;
  });
  const sameName =
    readout(() => Buffer.from(AsnConvert.serialize(tbs.subject)).equals(Buffer.from(AsnConvert.serialize(tbs.issuer)))).value === true;
  return {
    readable: true,
    subject: node ? node.subject.replace(/\n/g, ', ') : 'unknown subject',
    issuer: node ? node.issuer.replace(/\n/g, ', ') : 'unknown issuer',
    serialNumber: Buffer.from(tbs.serialNumber).toString('hex').toUpperCase(),
    sha256,
    validity: readout(() => readValidity(der)),
    key: readout(() => describePublicKey(tbs.subjectPublicKeyInfo)),
    signature,
    selfSigned: sameName && node !== undefined && verifiesWith(node, node),
    subjectAltName: node?.subjectAltName,
    der,
  };
}

export function unreadableCertificate(der: Buffer, reason: string): CertificateFacts {
  return {
    readable: false,
    subject: 'unreadable certificate',
    issuer: 'unknown issuer',
    serialNumber: '',
    sha256: createHash('sha256').update(der).digest('hex'),
    validity: { error: reason },
    key: { error: reason },
    signature: { error: reason },
    selfSigned: false,
    der,
  };
}

function describeDecodeFault(error: unknown): string {
  const text = describeCause(error)
    .replace(/[^\x20-\x7e]/g, '?')
    .slice(0, 120);
  return text ? `decoder: ${text}` : 'decoder gave no detail';
}

/** A certificate for Node's checks (issuer, signature, CA flag); undefined when Node cannot read it. */
export function tryNode(der: string | Buffer): NodeCertificate | undefined {
  try {
    return new NodeCertificate(der);
  } catch {
    return undefined;
  }
}

/** Whether `issuer` issued `cert`: the names match and the signature verifies with the issuer's key. */
export function verifiesWith(cert: NodeCertificate, issuer: NodeCertificate): boolean {
  try {
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/** Whether `certificate` was issued by `issuer` (names match and the signature verifies). */
export function issuedBy(certificate: Buffer, issuer: Buffer): boolean {
  const cert = tryNode(certificate);
  const ca = tryNode(issuer);
  return cert !== undefined && ca !== undefined && verifiesWith(cert, ca);
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

/** Whether the certificate names `host`; undefined when the certificate cannot be read. */
export function hostMatches(der: Buffer, host: string, isIpAddress: boolean): boolean | undefined {
  const cert = tryNode(der);
  if (!cert) return undefined;
  try {
    return isIpAddress ? cert.checkIP(host) !== undefined : cert.checkHost(host) !== undefined;
  } catch {
    return undefined;
  }
}
