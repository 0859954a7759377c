/**
 * What the single checks read from certificates: the leaf's key usage, extended key usage and embedded SCTs,
 * and whether the leaf's issuer is anywhere a client can find it (the chain sent, or a trust anchor).
 */
import { X509Certificate } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { Certificate, ExtendedKeyUsage, id_ce_extKeyUsage, id_ce_keyUsage, KeyUsage, type KeyUsageType } from '@peculiar/asn1-x509';
import { trustAnchors } from '../chain-trust.ts';
import { countSignedTimestamps } from './legacy-features.ts';

/** RFC 6962 3.3: the embedded SCT list extension. */
const ID_SCT_LIST = '1.3.6.1.4.1.11129.2.4.2';
const EKU_NAMES: ReadonlyMap<string, string> = new Map([
  ['1.3.6.1.5.5.7.3.1', 'serverAuth'],
  ['1.3.6.1.5.5.7.3.2', 'clientAuth'],
  ['1.3.6.1.5.5.7.3.3', 'codeSigning'],
  ['1.3.6.1.5.5.7.3.4', 'emailProtection'],
  ['1.3.6.1.5.5.7.3.8', 'timeStamping'],
  ['1.3.6.1.5.5.7.3.9', 'OCSPSigning'],
  ['2.5.29.37.0', 'anyExtendedKeyUsage'],
]);

export interface LeafUsage {
  /** Key usage bits set; undefined when the certificate has no key usage extension (any use is allowed). */
  keyUsage?: KeyUsageType[];
  /** Extended key usages by name (or OID); undefined when there is no such extension (any purpose). */
  extendedKeyUsage?: string[];
  /** SCTs embedded in the certificate; undefined when it carries none. */
  embeddedScts?: number;
}

export type LeafUsageReadout = { status: 'read'; usage: LeafUsage } | { status: 'error'; detail: string };

export function readLeafUsage(der: Buffer): LeafUsageReadout {
  try {
    const certificate = AsnConvert.parse(der, Certificate);
    const usage: LeafUsage = {};
    for (const extension of certificate.tbsCertificate.extensions ?? []) {
      const value = extension.extnValue.buffer;
      if (extension.extnID === id_ce_keyUsage) usage.keyUsage = AsnConvert.parse(value, KeyUsage).toJSON();
      if (extension.extnID === id_ce_extKeyUsage)
        usage.extendedKeyUsage = [...AsnConvert.parse(value, ExtendedKeyUsage)].map((oid) => EKU_NAMES.get(oid) ?? oid);
      if (extension.extnID === ID_SCT_LIST)
        usage.embeddedScts = countSignedTimestamps(Buffer.from(AsnConvert.parse(value, OctetString).buffer));
    }
    return { status: 'read', usage };
  } catch {
    return { status: 'error', detail: "the leaf certificate's extensions cannot be decoded" };
  }
}

export type IssuerPresence =
  | { status: 'found'; issuer: string; foundIn: 'sent-chain' | 'trust-store' | 'self-signed' }
  | { status: 'missing'; issuer: string }
  | { status: 'unknown'; detail: string };

/**
 * Whether the leaf's issuer was sent with it, or is a trust anchor (issuer name and key identifiers match,
 * as OpenSSL's X509_check_issued decides). `chain` is leaf first; under TLS 1.3 it is the chain Node built.
 */
export function leafIssuerPresence(chain: readonly Buffer[], trust: readonly string[]): IssuerPresence {
  const [leafDer, ...rest] = chain;
  if (!leafDer) return { status: 'unknown', detail: 'no certificate was read' };
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(leafDer);
  } catch {
    return { status: 'unknown', detail: 'the leaf certificate cannot be parsed' };
  }
  const issuer = leaf.issuer.replace(/\n/g, ', ');
  if (leaf.checkIssued(leaf)) return { status: 'found', issuer, foundIn: 'self-signed' };
  for (const der of rest) {
    try {
      if (leaf.checkIssued(new X509Certificate(der))) return { status: 'found', issuer, foundIn: 'sent-chain' };
    } catch {
      // An unreadable certificate in the chain issues nothing; the trust-finding reports it.
    }
  }
  if (trustAnchors(trust).some((anchor) => leaf.checkIssued(anchor))) return { status: 'found', issuer, foundIn: 'trust-store' };
  return { status: 'missing', issuer };
}
