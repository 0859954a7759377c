import type { Verdict } from '../../src/probe/contract.ts';
import type { CertificateFacts } from '../../src/tls/certificates.ts';
import type { TlsEndpointFacts } from '../../src/tls/inspect-endpoint.ts';
import { judgedCertificates, unreadChainTail } from './chain.ts';
import type { TlsFindingId } from './findings.ts';
import type { TlsThresholds } from './thresholds.ts';
import { endpointVerdict, position, type EndpointSubject } from './verdict.ts';

/** Strong key types with no size threshold of their own. */
const STRONG_KEY_TYPES = new Set(['ED25519', 'ED448', 'ML-DSA-44', 'ML-DSA-65', 'ML-DSA-87']);

function keyVerdict(c: CertificateFacts, t: TlsThresholds): { status: 'pass' | 'fail' | 'error'; text: string } {
  if (!c.key.value) return { status: 'error', text: `public key unreadable: ${c.key.error}` };
  const { type, bits, curve } = c.key.value;
  const text = `${type} ${bits} bits${curve ? ` (${curve})` : ''}`;
  if (type === 'RSA') return { status: bits < t.minRsaBits ? 'fail' : 'pass', text };
  if (type === 'EC') return { status: bits < t.minEcBits ? 'fail' : 'pass', text };
  if (type === 'DSA' || type === 'DH') return { status: 'fail', text: `${text}, a ${type} key` };
  if (STRONG_KEY_TYPES.has(type)) return { status: 'pass', text };
  return { status: 'error', text: `${text}, a key type the profile has no rule for` };
}

/** The key of every certificate below the root, read from its SubjectPublicKeyInfo; unreadable is an error, never a pass. */
export function judgeKey(on: EndpointSubject, facts: TlsEndpointFacts, t: TlsThresholds): Verdict<TlsFindingId> {
  const expected = `RSA ≥ ${t.minRsaBits} bits, EC ≥ ${t.minEcBits} bits, or Ed25519/Ed448, on every certificate below the root`;
  const verdicts = judgedCertificates(facts).map(({ c, i }) => ({ ...keyVerdict(c, t), label: position(i) }));
  const describe = (list: typeof verdicts) => list.map((v) => (v.label === 'leaf' ? v.text : `${v.label}: ${v.text}`)).join('; ');
  const actual = describe(verdicts);
  const failed = verdicts.filter((v) => v.status === 'fail');
  const unread = verdicts.filter((v) => v.status === 'error');
  if (facts.chainTruncated) unread.push({ status: 'error', text: unreadChainTail(facts), label: 'chain' });
  if (failed.length > 0)
    return endpointVerdict(on, 'tls.certificate-key', 'fail', { key: describe([...failed, ...unread]) }, expected, actual);
  if (unread.length > 0) {
    const reason = describe(unread);
    return endpointVerdict(on, 'tls.certificate-key', 'error', { reason }, expected, actual);
  }
  return endpointVerdict(on, 'tls.certificate-key', 'pass', { key: actual }, expected, actual);
}

/**
 * Every certificate's signature hash is judged, except a trust anchor's: the last certificate of the chain,
 * not the leaf, whose own key verifies its signature. Roots are trusted by presence, not by their signature.
 */
export function judgeSignatures(on: EndpointSubject, facts: TlsEndpointFacts, t: TlsThresholds): Verdict<TlsFindingId> {
  const expected = `no ${t.bannedSignatureHashes.join('/')} signatures below the root`;
  const last = facts.chain.length - 1;
  const judged = judgedCertificates(facts);
  const banned = new Set<string>(t.bannedSignatureHashes);
  const weak = judged.filter(({ c }) => c.signature.value?.hash !== undefined && banned.has(c.signature.value.hash));
  const unread = judged.filter(({ c }) => !c.signature.value);
  const anchor = (c: CertificateFacts, i: number) => (i === last && i > 0 && c.selfSigned ? ' [trust anchor, not judged]' : '');
  const signatures = facts.chain
    .map((c, i) => `${position(i)} ${c.subject}: ${c.signature.value?.name ?? `unreadable (${c.signature.error})`}${anchor(c, i)}`)
    .join('; ');
  const unreadText = unread.map(({ c, i }) => `${position(i)}: ${c.signature.error}`);
  if (weak.length > 0) {
    const text = weak.map(({ c, i }) => `${position(i)} ${c.subject} (${c.signature.value!.name})`).join('; ');
    return endpointVerdict(
      on,
      'tls.certificate-signature',
      'fail',
      { weak: unreadText.length > 0 ? `${text}; also unreadable: ${unreadText.join('; ')}` : text },
      expected,
      signatures,
    );
  }
  if (unread.length > 0 || facts.chainTruncated) {
    const reason =
      unread.length > 0
        ? `signature algorithm unreadable for ${unreadText.join('; ')}`
        : `the server sent ${facts.chainTruncated} certificates, more than the ${facts.chain.length} read`;
    return endpointVerdict(on, 'tls.certificate-signature', 'error', { reason }, expected, signatures);
  }
  return endpointVerdict(on, 'tls.certificate-signature', 'pass', { signatures }, expected, signatures);
}
