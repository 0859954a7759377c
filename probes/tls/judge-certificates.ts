import type { Verdict } from '../../src/probe/contract.ts';
import type { CertificateFacts } from '../../src/tls/certificates.ts';
import type { TlsEndpointFacts } from '../../src/tls/inspect-endpoint.ts';
import { unreadChainTail } from './chain.ts';
import type { InspectedEndpoint } from './facts.ts';
import { CERTIFICATE_IDS, type TlsFindingId } from './findings.ts';
import { judgeKey, judgeSignatures } from './judge-key-signature.ts';
import type { TlsThresholds } from './thresholds.ts';
import { DAY_MS, day, endpointVerdict, position, type EndpointSubject } from './verdict.ts';

type TlsVerdict = Verdict<TlsFindingId>;

const describe = (c: CertificateFacts): string => {
  const validity = c.validity.value
    ? `${day(c.validity.value.notBefore)} to ${day(c.validity.value.notAfter)}`
    : `validity unreadable: ${c.validity.error}`;
  const key = c.key.value ? `${c.key.value.type} ${c.key.value.bits}` : `key unreadable: ${c.key.error}`;
  const signature = c.signature.value ? c.signature.value.name : `signature unreadable: ${c.signature.error}`;
  return `${c.subject} (issuer ${c.issuer}, ${validity}, ${key}, ${signature})`;
};
const unreadable = (c: CertificateFacts, i: number): string => `${position(i)} cannot be parsed: ${c.validity.error ?? 'unknown fault'}`;

/** Every certificate finding of one endpoint: trust, name, dates, key, signatures and the order sent. */
export function judgeCertificates(on: EndpointSubject, e: InspectedEndpoint, host: string, t: TlsThresholds, now: Date): TlsVerdict[] {
  const facts = e.inspection;
  if (facts.chain.length === 0) {
    const reason = facts.chainError ?? 'no certificate was seen';
    return CERTIFICATE_IDS.map((id) => endpointVerdict(on, id, 'error', { reason }, 'a certificate chain', reason));
  }
  const chainText = facts.chain.map((c, i) => `${i + 1}. ${describe(c)}`).join('\n');
  return [
    judgeTrust(on, facts, chainText),
    judgeName(on, e, host),
    judgeValidity(on, facts, chainText, now),
    judgeExpiring(on, facts.chain[0]!, t, now),
    judgeKey(on, facts, t),
    judgeSignatures(on, facts, t),
    judgeChainOrder(on, e, chainText),
  ];
}

// Dates and names are findings of their own (validity, name): OpenSSL's word on them does not decide trust.
const NOT_TRUST_ERRORS: ReadonlySet<string> = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'ERR_TLS_CERT_ALTNAME_INVALID']);

function judgeTrust(on: EndpointSubject, facts: TlsEndpointFacts, chainText: string): TlsVerdict {
  const expected = 'a chain to a trusted root';
  const trust = facts.trust;
  if (trust) {
    if (!trust.trusted) {
      const status = trust.problem === 'unreadable' ? 'error' : 'fail';
      return endpointVerdict(on, 'tls.certificate-trust', status, { reason: trust.reason }, expected, trust.reason, chainText);
    }
    // OpenSSL's own verification also checks what issuers and signatures alone do not (a CA flag, a path length).
    const refusal = facts.session?.authorizationError;
    if (refusal && !NOT_TRUST_ERRORS.has(refusal)) {
      const reason = `the chain reaches ${trust.anchor}, but OpenSSL refuses it: ${refusal}`;
      return endpointVerdict(on, 'tls.certificate-trust', 'fail', { reason }, expected, reason, chainText);
    }
    const verified = `verified up to ${trust.anchor}${facts.session ? '' : ' (no full handshake: OpenSSL did not check it)'}`;
    return endpointVerdict(on, 'tls.certificate-trust', 'pass', { trust: `to ${trust.anchor}` }, expected, verified, chainText);
  }
  if (!facts.session)
    return endpointVerdict(
      on,
      'tls.certificate-trust',
      'error',
      { reason: facts.sessionError ?? 'no full handshake' },
      expected,
      'not verified',
      chainText,
    );
  if (facts.session.authorized)
    return endpointVerdict(on, 'tls.certificate-trust', 'pass', { trust: 'system roots plus tls.trust' }, expected, 'verified', chainText);
  const reason = facts.session.authorizationError ?? 'not trusted';
  return endpointVerdict(on, 'tls.certificate-trust', 'fail', { reason }, expected, reason, chainText);
}

function judgeName(on: EndpointSubject, e: InspectedEndpoint, host: string): TlsVerdict {
  const leaf = e.inspection.chain[0]!;
  const expected = `a name matching ${host}`;
  const names = leaf.subjectAltName ?? leaf.subject;
  const matches = leaf.readable ? e.leafNamesHost : undefined;
  if (matches === undefined) {
    const reason = leaf.readable ? 'the leaf certificate cannot be read by the name checker' : unreadable(leaf, 0);
    return endpointVerdict(on, 'tls.certificate-name', 'error', { reason }, expected, reason);
  }
  return matches
    ? endpointVerdict(on, 'tls.certificate-name', 'pass', { host }, expected, names)
    : endpointVerdict(on, 'tls.certificate-name', 'fail', { host, names }, expected, names);
}

function judgeValidity(on: EndpointSubject, facts: TlsEndpointFacts, chainText: string, now: Date): TlsVerdict {
  const expected = `valid at ${now.toISOString()}`;
  const outOfDate: string[] = [];
  const undated: string[] = [];
  facts.chain.forEach((c, i) => {
    const v = c.validity.value;
    if (!v) undated.push(`${position(i)}: ${c.validity.error}`);
    else if (now > v.notAfter)
      outOfDate.push(
        `${position(i)} expired on ${day(v.notAfter)} (${Math.floor((now.getTime() - v.notAfter.getTime()) / DAY_MS)} days ago)`,
      );
    else if (now < v.notBefore) outOfDate.push(`${position(i)} is not valid before ${day(v.notBefore)}`);
  });
  if (facts.chainTruncated) undated.push(unreadChainTail(facts));
  if (outOfDate.length > 0) {
    const problem = [...outOfDate, ...undated.map((u) => `dates unreadable for ${u}`)].join('; ');
    return endpointVerdict(on, 'tls.certificate-validity', 'fail', { problem }, expected, problem, chainText);
  }
  if (undated.length > 0) {
    const reason = `the validity period cannot be read: ${undated.join('; ')}`;
    return endpointVerdict(on, 'tls.certificate-validity', 'error', { reason }, expected, reason, chainText);
  }
  const v = facts.chain[0]!.validity.value!;
  return endpointVerdict(
    on,
    'tls.certificate-validity',
    'pass',
    { notAfter: day(v.notAfter) },
    expected,
    `valid ${v.notBefore.toISOString()} to ${v.notAfter.toISOString()}`,
  );
}

function judgeExpiring(on: EndpointSubject, leaf: CertificateFacts, t: TlsThresholds, now: Date): TlsVerdict {
  const expected = `more than ${t.expiryWarningDays} days left`;
  const validity = leaf.validity.value;
  if (!validity) {
    const reason = `the leaf's expiry date cannot be read: ${leaf.validity.error}`;
    return endpointVerdict(on, 'tls.certificate-expiring', 'error', { reason }, expected, reason);
  }
  const daysLeft = Math.floor((validity.notAfter.getTime() - now.getTime()) / DAY_MS);
  if (daysLeft < 0) {
    return endpointVerdict(
      on,
      'tls.certificate-expiring',
      'not_applicable',
      { reason: 'the certificate has already expired (see validity)' },
      expected,
      `${daysLeft} days`,
    );
  }
  const params = { days: daysLeft, notAfter: day(validity.notAfter), warnDays: t.expiryWarningDays };
  return endpointVerdict(
    on,
    'tls.certificate-expiring',
    daysLeft < t.expiryWarningDays ? 'fail' : 'pass',
    params,
    expected,
    `${daysLeft} days`,
  );
}

function judgeChainOrder(on: EndpointSubject, e: InspectedEndpoint, chainText: string): TlsVerdict {
  const facts = e.inspection;
  const expected = 'each certificate followed by its issuer';
  const legacy = facts.scan.versions.find((v) => v.status === 'accepted' && v.version !== 'TLSv1.3');
  if (facts.chainSource !== 'sent' && legacy) {
    const reason = `${legacy.version} is accepted, but no certificate message could be read from its handshakes`;
    return endpointVerdict(on, 'tls.certificate-chain-order', 'error', { reason }, expected, 'unknown');
  }
  if (facts.chainSource !== 'sent') {
    const reason = 'only TLS 1.3 is accepted, which encrypts the certificate message; the order as sent cannot be read';
    return endpointVerdict(on, 'tls.certificate-chain-order', 'not_tested', { reason }, expected, 'unknown');
  }
  if (facts.chain.some((c) => !c.readable) || facts.chainTruncated) {
    const reason = facts.chainTruncated
      ? unreadChainTail(facts)
      : facts.chain
          .map((c, i) => (c.readable ? undefined : unreadable(c, i)))
          .filter(Boolean)
          .join('; ');
    return endpointVerdict(on, 'tls.certificate-chain-order', 'error', { reason }, expected, reason, chainText);
  }
  const problem = e.chainOrderProblem;
  return problem
    ? endpointVerdict(on, 'tls.certificate-chain-order', 'fail', { problem }, expected, problem, chainText)
    : endpointVerdict(on, 'tls.certificate-chain-order', 'pass', { count: facts.chain.length }, expected, 'in order');
}
