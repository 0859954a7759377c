import type { X509Certificate } from 'node:crypto';
import { tryNode, verifiesWith } from './certificates.ts';

/**
 * Whether a chain leads to the trust store, judged on issuers and signatures only: the name the certificate is
 * for and the dates are findings of their own, so a certificate for another name or an expired one is not an
 * "untrusted" one here.
 */
export type ChainTrust =
  | { trusted: true; anchor: string }
  | { trusted: false; problem: 'incomplete' | 'untrusted-root' | 'not-a-ca' | 'unreadable'; reason: string };

/**
 * Parsed stores by their content, not by the array: every gateway's TLS probe builds its own list (system roots plus
 * tls.trust), and parsing one per gateway held 32 copies of ~300 certificates in native memory (about 55 MB for 32
 * lab gateways). A run has one or two distinct stores; more than four means something else, so the cache starts over.
 */
const parsedStores = new Map<string, Map<string, X509Certificate[]>>();
const MAX_STORES = 4;

/** The trust store's certificates, parsed once per store (an unreadable one is skipped). */
export function trustAnchors(trust: readonly string[]): X509Certificate[] {
  return [...anchorsBySubject(trust).values()].flat();
}

/** The trust store indexed by subject, parsed once per store. */
function anchorsBySubject(trust: readonly string[]): Map<string, X509Certificate[]> {
  const key = trust.join('\n');
  let bySubject = parsedStores.get(key);
  if (bySubject) return bySubject;
  if (parsedStores.size >= MAX_STORES) parsedStores.clear();
  bySubject = new Map();
  for (const pem of trust) {
    const anchor = tryNode(pem);
    if (!anchor) continue;
    const list = bySubject.get(anchor.subject) ?? [];
    list.push(anchor);
    bySubject.set(anchor.subject, list);
  }
  parsedStores.set(key, bySubject);
  return bySubject;
}

const oneLine = (name: string) => name.replace(/\n/g, ', ');

/** Follows issuers from the leaf, through the certificates sent, to a certificate of the trust store. */
export function chainTrust(chain: readonly Buffer[], trust: readonly string[]): ChainTrust {
  const anchors = anchorsBySubject(trust);
  const sent = chain.map((der) => tryNode(der));
  const leaf = sent[0];
  if (!leaf)
    return { trusted: false, problem: 'unreadable', reason: 'the leaf certificate cannot be read, so its issuer cannot be checked' };
  const used = new Set<number>([0]);
  let current = leaf;
  for (let step = 0; step <= chain.length; step += 1) {
    const candidates = anchors.get(current.issuer) ?? [];
    if ((anchors.get(current.subject) ?? []).some((a) => a.fingerprint256 === current.fingerprint256))
      return { trusted: true, anchor: oneLine(current.subject) };
    const anchor = candidates.find((a) => verifiesWith(current, a));
    if (anchor) return { trusted: true, anchor: oneLine(anchor.subject) };
    const next = sent.findIndex((c, i) => c !== undefined && !used.has(i) && verifiesWith(current, c));
    if (next < 0) break;
    // Only a CA may issue: a leaf signed with another end-entity certificate's key does not chain (RFC 5280 4.2.1.9).
    if (!sent[next]!.ca)
      return {
        trusted: false,
        problem: 'not-a-ca',
        reason: `${oneLine(current.subject)} is signed by ${oneLine(sent[next]!.subject)}, which is not a CA certificate (no basicConstraints cA)`,
      };
    used.add(next);
    current = sent[next]!;
  }
  if (current.subject === current.issuer && verifiesWith(current, current)) {
    const what = current === leaf ? 'the certificate is self-signed' : `the chain ends at the self-signed ${oneLine(current.subject)}`;
    return { trusted: false, problem: 'untrusted-root', reason: `${what}, which is not in the trust store (system roots plus tls.trust)` };
  }
  return {
    trusted: false,
    problem: 'incomplete',
    reason:
      `incomplete chain: ${oneLine(current.subject)} is issued by ${oneLine(current.issuer)}, which the server did not send ` +
      'and the trust store (system roots plus tls.trust) does not hold',
  };
}
