import type { CertificateFacts } from '../../src/tls/certificates.ts';
import type { TlsEndpointFacts } from '../../src/tls/inspect-endpoint.ts';

/** A chain longer than cocoscan reads: the certificates past the cap were never judged. */
export function unreadChainTail(facts: TlsEndpointFacts): string {
  return `the server sent ${facts.chainTruncated} certificates, more than the ${facts.chain.length} read`;
}

/** Certificates whose own strength is judged: all but a trust anchor (the last, self-signed, not the leaf). */
export function judgedCertificates(facts: TlsEndpointFacts): { c: CertificateFacts; i: number }[] {
  const last = facts.chain.length - 1;
  return facts.chain.map((c, i) => ({ c, i })).filter(({ c, i }) => i === 0 || i !== last || !c.selfSigned);
}
