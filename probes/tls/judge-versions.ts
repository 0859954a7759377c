import type { Verdict } from '../../src/probe/contract.ts';
import { suiteByCode } from '../../src/tls/cipher-suites.ts';
import type { TlsEndpointFacts } from '../../src/tls/inspect-endpoint.ts';
import { TLS_VERSIONS, versionRank } from '../../src/tls/versions.ts';
import type { TlsFindingId } from './findings.ts';
import type { TlsThresholds } from './thresholds.ts';
import { endpointVerdict, type EndpointSubject } from './verdict.ts';

/** What the endpoint offers: the versions, the suites under each and the leaf. History compares it between runs. */
export function offerOf(facts: TlsEndpointFacts) {
  const accepted = facts.scan.versions.filter((v) => v.status === 'accepted');
  const leaf = facts.chain[0];
  // observe runs outside the judge's per-endpoint guard: an impossible date must not throw here.
  const notAfter = leaf?.validity.value?.notAfter;
  return {
    accepted: accepted.map((v) => v.version as string),
    suites: accepted.flatMap((v) => v.suites.map((code) => `${v.version}:${suiteByCode(code).name}`)),
    leaf: leaf
      ? {
          sha256: leaf.sha256,
          subject: leaf.subject,
          issuer: leaf.issuer,
          notAfter: notAfter && !Number.isNaN(notAfter.getTime()) ? notAfter.toISOString() : 'unreadable',
        }
      : null,
  };
}

/** tls.protocols: nothing older than the profile's minimum version; a version with no clear answer below it is an error. */
export function judgeVersions(on: EndpointSubject, facts: TlsEndpointFacts, t: TlsThresholds): Verdict<TlsFindingId> {
  const accepted = facts.scan.versions.filter((v) => v.status === 'accepted');
  // What the endpoint offers, kept in the data of tls.protocols for readers of the report (history compares observeTls).
  const state = offerOf(facts);
  const legacy = accepted.filter((v) => versionRank(v.version) < versionRank(t.minVersion));
  const unknownVersions = facts.scan.versions.filter((v) => v.status === 'error');
  const expected = `${t.minVersion} or newer only`;
  const actual = TLS_VERSIONS.map((v) => {
    const r = facts.scan.versions.find((x) => x.version === v)!;
    return `${v}: ${r.status}${r.status === 'accepted' ? '' : ` (${r.detail})`}`;
  }).join('; ');
  if (legacy.length > 0) {
    return endpointVerdict(
      on,
      'tls.protocols',
      'fail',
      { legacy: legacy.map((v) => v.version).join(', '), minVersion: t.minVersion },
      expected,
      actual,
      undefined,
      state,
    );
  }
  if (unknownVersions.some((v) => versionRank(v.version) < versionRank(t.minVersion))) {
    const reason = `no clear answer for ${unknownVersions.map((v) => `${v.version} (${v.detail})`).join(', ')}`;
    return endpointVerdict(on, 'tls.protocols', 'error', { reason }, expected, actual, undefined, state);
  }
  const acceptedText = accepted.map((v) => v.version).join(', ');
  return endpointVerdict(
    on,
    'tls.protocols',
    'pass',
    { accepted: acceptedText, minVersion: t.minVersion },
    expected,
    actual,
    undefined,
    state,
  );
}
