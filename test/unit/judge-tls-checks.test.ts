import { shippedThresholds } from '../helpers/test-profile.ts';
import { describe, expect, it } from 'vitest';
import type { InspectedEndpoint, TlsFacts } from '../../probes/tls/facts.ts';
import { judgeTls } from '../../probes/tls/judge.ts';
import { tlsThresholds, type TlsThresholds } from '../../probes/tls/thresholds.ts';
import type { TlsFindingId } from '../../probes/tls/findings.ts';
import type { TlsChecksFacts } from '../../src/tls/checks/gather-checks.ts';
import type { VersionResult } from '../../src/tls/enumerate.ts';
import type { TlsVersion } from '../../src/tls/versions.ts';
import { judgeTable, type InvalidCase, type ValidCase } from '../helpers/judge-table.ts';
import { goodChecks } from '../helpers/tls-checks-facts.ts';

const NOW = new Date('2026-11-30T10:00:00Z');
const DAY = 86_400_000;
const T: TlsThresholds = shippedThresholds(tlsThresholds, 'tls');
const LEAF_SHA = 'a1'.repeat(32);
const [ECDHE_GCM, RSA_GCM, AES_GCM_13] = [0xc02f, 0x009c, 0x1301];

function versions(given: Partial<Record<TlsVersion, number[]>>): VersionResult[] {
  const all: TlsVersion[] = ['SSLv3', 'TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
  return all.map((version) =>
    given[version]
      ? {
          version,
          status: 'accepted',
          detail: `${given[version].length} suite(s)`,
          suites: given[version],
          groups: [29],
          serverPreference: true,
        }
      : { version, status: 'rejected', detail: 'alert protocol_version', suites: [], groups: [] },
  );
}
const MODERN = { 'TLSv1.2': [ECDHE_GCM], 'TLSv1.3': [AES_GCM_13] };

function endpoint(
  checks: Partial<TlsChecksFacts> = {},
  accepted: Partial<Record<TlsVersion, number[]>> = MODERN,
  host = 'gw.example.net',
): TlsFacts {
  const leaf = {
    readable: true,
    subject: 'CN=gw.example.net',
    issuer: 'CN=Example Issuing CA',
    serialNumber: '01',
    sha256: LEAF_SHA,
    validity: { value: { notBefore: new Date(NOW.getTime() - 30 * DAY), notAfter: new Date(NOW.getTime() + 300 * DAY) } },
    key: { value: { type: 'RSA', bits: 2048 } },
    signature: { value: { oid: '1.2.840.113549.1.1.11', name: 'RSA with SHA-256', hash: 'SHA-256' } },
    selfSigned: false,
    subjectAltName: 'DNS:gw.example.net',
    der: new Uint8Array([1, 2, 3]) as Buffer,
  };
  const e: InspectedEndpoint = {
    flow: { name: 'web', port: 443, protocol: 'https', http: true },
    time: NOW.toISOString(),
    inspection: {
      endpoint: { host, port: 443, serverName: host },
      scan: { versions: versions(accepted), handshakes: 9 },
      session: {
        protocol: 'TLSv1.3',
        cipher: 'TLS_AES_128_GCM_SHA256',
        chain: [],
        authorized: true,
        http: { ok: true, statusLine: 'HTTP/1.1 200 OK', headers: [['strict-transport-security', 'max-age=31536000']], bytes: 90 },
      },
      chain: [leaf],
      // Without a version below TLS 1.3 the enumeration sees no chain in clear: Node's is used.
      chainSource: accepted['TLSv1.2'] || accepted['TLSv1.1'] || accepted['TLSv1.0'] || accepted.SSLv3 ? 'sent' : 'node',
      durationMs: 40,
    },
    leafNamesHost: true,
    chainOrderProblem: undefined,
    checks: goodChecks(LEAF_SHA, checks),
    artefacts: { summary: 'evidence/gateways/gw/tls-443.json', checks: 'evidence/gateways/gw/tls-443-checks.json' },
  };
  return { gateway: { name: 'gw', host }, endpoints: [e] };
}

const TLS13_ONLY: Partial<TlsChecksFacts> = {
  legacy: { status: 'refused', detail: 'alert protocol_version' },
  clientRenegotiation: { status: 'no-legacy-handshake', detail: 'the handshake failed (ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION)' },
  fallback: { status: 'no-lower-version', highest: 'TLSv1.3' },
  chainSource: 'sent-tls13',
  tls13ChainOrder: { status: 'read', count: 2 },
};
const TLS13: Partial<Record<TlsVersion, number[]>> = { 'TLSv1.3': [AES_GCM_13] };
/** The facts with one version's enumeration failed (a timeout, a reset): neither accepted nor rejected. */
function withVersionError(facts: TlsFacts, version: TlsVersion): TlsFacts {
  for (const e of facts.endpoints)
    if ('inspection' in e)
      e.inspection.scan.versions = e.inspection.scan.versions.map((v) =>
        v.version === version ? { ...v, status: 'error', detail: 'no answer within 3000 ms' } : v,
      );
  return facts;
}
const answered = (over: object) => ({ legacy: { ...(goodChecks().legacy as object), ...over } as TlsChecksFacts['legacy'] });

const valid: ValidCase<TlsFacts>[] = [
  { name: 'a well-configured endpoint passes every single check', facts: endpoint() },
  {
    name: 'TLS 1.3 only: compression, renegotiation and Heartbleed do not apply',
    facts: endpoint(TLS13_ONLY, { 'TLSv1.3': [AES_GCM_13] }),
  },
  {
    name: 'a gateway addressed by IP sends no SNI: the certificate without SNI is the one judged',
    facts: endpoint({ withoutSni: { status: 'not-applicable' } }, MODERN, '192.0.2.10'),
  },
  {
    name: 'heartbeats offered, and an alert to the over-long request',
    facts: endpoint(answered({ heartbeat: 'no-overread', heartbeatDetail: 'alert decode_error to the heartbeat request' })),
  },
  {
    name: 'a fallback hello refused with another alert still refuses the downgrade',
    facts: endpoint({ fallback: { status: 'other', highest: 'TLSv1.3', offered: 'TLSv1.2', detail: 'alert handshake_failure' } }),
  },
  {
    name: 'no key usage or extended key usage extension restricts nothing; SCTs from the TLS extension only',
    facts: endpoint({ leafUsage: { status: 'read', usage: {} }, ...answered({ sctExtensionCount: 2 }) }),
  },
  {
    name: 'anyExtendedKeyUsage allows server authentication; the issuer is a trust anchor',
    facts: endpoint({
      leafUsage: { status: 'read', usage: { extendedKeyUsage: ['anyExtendedKeyUsage'], embeddedScts: 1 } },
      leafIssuer: { status: 'found', issuer: 'CN=Root', foundIn: 'trust-store' },
    }),
  },
  {
    name: 'a self-signed leaf has its issuer',
    facts: endpoint({ leafIssuer: { status: 'found', issuer: 'CN=gw', foundIn: 'self-signed' } }),
  },
];

const verdict = (
  id: TlsFindingId,
  status: InvalidCase<TlsFacts, TlsFindingId>['verdicts'][number]['status'],
  params = {},
  actual?: RegExp,
) => ({
  id,
  status,
  params,
  ...(actual ? { actual } : {}),
});

const invalid: InvalidCase<TlsFacts, TlsFindingId>[] = [
  {
    name: 'SSLv2 accepted: DROWN, with the ciphers named',
    facts: endpoint({ sslv2: { status: 'accepted', ciphers: ['SSL_CK_RC4_128_WITH_MD5', 'SSL_CK_DES_192_EDE3_CBC_WITH_MD5'] } }),
    verdicts: [verdict('tls.sslv2', 'fail', { ciphers: 'SSL_CK_RC4_128_WITH_MD5, SSL_CK_DES_192_EDE3_CBC_WITH_MD5' })],
  },
  {
    name: 'an SSLv2 SERVER-HELLO listing no cipher is still SSLv2',
    facts: endpoint({ sslv2: { status: 'accepted', ciphers: [] } }),
    verdicts: [verdict('tls.sslv2', 'fail', { ciphers: 'a SERVER-HELLO listing no cipher' })],
  },
  {
    name: 'an SSLv2 answer cut short is no pass',
    facts: endpoint({ sslv2: { status: 'error', detail: 'an SSLv2 answer cut short (5 bytes), then the server closed the connection' } }),
    verdicts: [verdict('tls.sslv2', 'error', { reason: /no clear answer: an SSLv2 answer cut short \(5 bytes\)/ })],
  },
  {
    name: 'SSLv3 accepted by the enumeration',
    facts: endpoint({}, { SSLv3: [0x000a, 0x002f], ...MODERN }),
    verdicts: [verdict('tls.sslv3', 'fail', { count: 2 })],
  },
  {
    name: 'DEFLATE chosen: CRIME',
    facts: endpoint(answered({ compression: 1 })),
    verdicts: [verdict('tls.compression', 'fail', { version: 'TLSv1.2' })],
  },
  {
    name: 'a compression method named by a hostile server is still compression',
    facts: endpoint(answered({ compression: 0xff, version: 0x0399 })),
    verdicts: [verdict('tls.compression', 'fail', { version: 'version 0x399' }, /compression method 255/)],
  },
  {
    name: 'no renegotiation_info in the ServerHello',
    facts: endpoint(answered({ secureRenegotiation: false, version: 0x0301 })),
    verdicts: [verdict('tls.secure-renegotiation', 'fail', { version: 'TLSv1.0' })],
  },
  {
    name: 'Heartbleed: a heartbeat reply longer than the request',
    facts: endpoint(answered({ heartbeat: 'overread', heartbeatDetail: 'a heartbeat reply of 16403 bytes to a request of 3 bytes' })),
    verdicts: [verdict('tls.heartbleed', 'fail', { detail: 'a heartbeat reply of 16403 bytes to a request of 3 bytes' })],
  },
  {
    name: 'the legacy hello refused although TLS 1.2 is accepted: three errors, never a pass',
    facts: endpoint({ legacy: { status: 'refused', detail: 'alert decode_error' } }),
    verdicts: ['tls.compression', 'tls.secure-renegotiation', 'tls.heartbleed'].map((id) =>
      verdict(id as TlsFindingId, 'error', { reason: /refused \(alert decode_error\) although the enumeration saw TLSv1.2 accepted/ }),
    ),
  },
  {
    name: 'the legacy hello timed out on a TLS 1.3-only server: still an error (no refusal was seen)',
    facts: endpoint({ ...TLS13_ONLY, legacy: { status: 'error', detail: 'no answer to the ClientHello' } }, { 'TLSv1.3': [AES_GCM_13] }),
    verdicts: [verdict('tls.heartbleed', 'error', { reason: /no usable answer: no answer to the ClientHello/ })],
  },
  {
    name: 'client-initiated renegotiation accepted',
    facts: endpoint({ clientRenegotiation: { status: 'accepted', protocol: 'TLSv1.2' } }),
    verdicts: [verdict('tls.client-renegotiation', 'fail', { protocol: 'TLSv1.2' })],
  },
  {
    name: 'a renegotiation neither completed nor refused is not tested, never a pass',
    facts: endpoint({
      clientRenegotiation: { status: 'unanswered', protocol: 'TLSv1.2', detail: 'no answer to the renegotiation within 1000 ms' },
    }),
    verdicts: [verdict('tls.client-renegotiation', 'not_tested', { reason: /neither completed nor refused .*within 1000 ms/ })],
  },
  {
    name: 'no TLS 1.2 handshake completed although TLS 1.2 is accepted',
    facts: endpoint({ clientRenegotiation: { status: 'no-legacy-handshake', detail: 'no answer within 1000 ms' } }),
    verdicts: [verdict('tls.client-renegotiation', 'error', { reason: /no handshake to renegotiate/ })],
  },
  {
    name: 'a lower-version hello with TLS_FALLBACK_SCSV completed',
    facts: endpoint({ fallback: { status: 'accepted', highest: 'TLSv1.3', offered: 'TLSv1.2' } }),
    verdicts: [
      verdict('tls.fallback-scsv', 'fail', { detail: /completes a TLSv1.2 hello carrying TLS_FALLBACK_SCSV although it supports TLSv1.3/ }),
    ],
  },
  {
    name: 'the fallback hello met a hang-up (a rate limiter or an IPS does the same): not tested, never a pass',
    facts: endpoint({ fallback: { status: 'unclear', highest: 'TLSv1.3', offered: 'TLSv1.2', detail: 'the server reset the connection' } }),
    verdicts: [
      verdict('tls.fallback-scsv', 'not_tested', { reason: /met the server reset the connection, which says nothing of the SCSV/ }),
    ],
  },
  {
    name: 'Heartbleed: the server reset the connection after the heartbeat request: no evidence either way',
    facts: endpoint(answered({ heartbeat: 'unclear', heartbeatDetail: 'the server reset the connection after the heartbeat request' })),
    verdicts: [verdict('tls.heartbleed', 'not_tested', { reason: /proves nothing: the server reset the connection/ })],
  },
  {
    name: 'TLS 1.3 accepted and TLS 1.2 untestable: "TLS 1.3 only" is never read from an unknown; the checks are not tested',
    facts: withVersionError(endpoint(TLS13_ONLY, TLS13), 'TLSv1.2'),
    verdicts: [
      verdict('tls.compression', 'not_tested', { reason: /TLSv1\.2 could not be tested, so a version below TLS 1\.3 cannot be ruled out/ }),
      verdict('tls.secure-renegotiation', 'not_tested'),
      verdict('tls.heartbleed', 'not_tested'),
      verdict('tls.client-renegotiation', 'not_tested', { reason: /so renegotiation below TLS 1\.3 cannot be ruled out/ }),
      verdict('tls.fallback-scsv', 'not_tested', { reason: /so a version to fall back to cannot be ruled out/ }),
      verdict('tls.robot', 'not_tested', { reason: /so an RSA key-exchange suite cannot be ruled out/ }),
    ],
  },
  {
    name: 'the fallback hello got no answer',
    facts: endpoint({ fallback: { status: 'error', detail: 'no answer within 1000 ms after the ClientHello' } }),
    verdicts: [verdict('tls.fallback-scsv', 'error')],
  },
  {
    name: 'ROBOT: answers that differ by padding are an oracle',
    facts: endpoint(
      {
        robot: {
          status: 'oracle',
          version: 'TLSv1.2',
          answers: {
            correct: 'alert bad_record_mac',
            'wrong first bytes': 'alert handshake_failure',
            'no 0x00 separator': 'connection closed',
          },
        },
      },
      { 'TLSv1.2': [ECDHE_GCM, RSA_GCM], 'TLSv1.3': [AES_GCM_13] },
    ),
    verdicts: [
      verdict('tls.robot', 'fail', {
        detail: /correct: alert bad_record_mac; wrong first bytes: alert handshake_failure.*Bleichenbacher oracle/,
      }),
    ],
  },
  {
    name: 'ROBOT: answers that changed between rounds are not tested, never a pass',
    facts: endpoint({
      robot: {
        status: 'inconclusive',
        detail: 'answers changed between two rounds (correct: alert bad_record_mac then connection reset)',
      },
    }),
    verdicts: [verdict('tls.robot', 'not_tested', { reason: /no clear answer: answers changed between two rounds/ })],
  },
  {
    name: 'no OCSP staple',
    facts: endpoint({ ocsp: { status: 'answered', protocol: 'TLSv1.3' } }),
    verdicts: [verdict('tls.ocsp-stapling', 'fail', { detail: 'asked with status_request over TLSv1.3' })],
  },
  {
    name: 'no SCT anywhere; under TLS 1.3 only the extension is unknown',
    facts: endpoint({ ...TLS13_ONLY, leafUsage: { status: 'read', usage: {} } }, { 'TLSv1.3': [AES_GCM_13] }),
    verdicts: [verdict('tls.certificate-transparency', 'fail', { detail: /0 in the certificate, unknown/ })],
  },
  {
    name: 'a leaf for client authentication only',
    facts: endpoint({ leafUsage: { status: 'read', usage: { extendedKeyUsage: ['clientAuth'] } } }),
    verdicts: [verdict('tls.certificate-usage', 'fail', { problem: /extended key usage \(clientAuth\) lacks serverAuth/ })],
  },
  {
    name: 'an empty or unknown-OID extended key usage has no serverAuth',
    facts: endpoint({ leafUsage: { status: 'read', usage: { extendedKeyUsage: ['1.2.3.4', '__proto__'] } } }),
    verdicts: [verdict('tls.certificate-usage', 'fail', { problem: /\(1.2.3.4, __proto__\) lacks serverAuth/ })],
  },
  {
    name: 'keyEncipherment only, with ECDHE and TLS 1.3 accepted: no signature allowed',
    facts: endpoint({ leafUsage: { status: 'read', usage: { keyUsage: ['keyEncipherment'] } } }),
    verdicts: [verdict('tls.certificate-usage', 'fail', { problem: /lacks digitalSignature/ })],
  },
  {
    name: 'digitalSignature only, with RSA key exchange accepted',
    facts: endpoint({ leafUsage: { status: 'read', usage: { keyUsage: ['digitalSignature'] } } }, { 'TLSv1.2': [RSA_GCM] }),
    verdicts: [verdict('tls.certificate-usage', 'fail', { problem: /lacks keyEncipherment/ })],
  },
  {
    name: 'unreadable extensions: usage and transparency are errors',
    facts: endpoint({ leafUsage: { status: 'error', detail: "the leaf certificate's extensions cannot be decoded" } }),
    verdicts: [verdict('tls.certificate-usage', 'error'), verdict('tls.certificate-transparency', 'error')],
  },
  {
    name: 'another certificate without SNI',
    facts: endpoint({ withoutSni: { status: 'served', sha256: 'ff'.repeat(32), subject: 'CN=default.example', protocol: 'TLSv1.3' } }),
    verdicts: [
      verdict('tls.certificate-without-sni', 'fail', {
        detail: /CN=default.example \(SHA-256 ffffffffffffffff…\) instead of CN=gw.example.net/,
      }),
    ],
  },
  {
    name: 'the handshake without SNI failed',
    facts: endpoint({ withoutSni: { status: 'error', detail: 'the handshake failed (ERR_SSL_TLSV1_UNRECOGNIZED_NAME)' } }),
    verdicts: [verdict('tls.certificate-without-sni', 'error', { reason: /unrecognized|UNRECOGNIZED/ })],
  },
  {
    name: 'TLS 1.3 only, a chain sent out of order: the order is read from the decrypted Certificate message',
    facts: endpoint(
      {
        ...TLS13_ONLY,
        tls13ChainOrder: {
          status: 'read',
          count: 3,
          problem: 'certificate 1 is followed by certificate 2, but its issuer is certificate 3',
        },
      },
      TLS13,
    ),
    verdicts: [verdict('tls.certificate-chain-order', 'fail', { problem: /but its issuer is certificate 3 \(TLS 1.3\)/ })],
  },
  {
    name: 'TLS 1.3 only, the Certificate message unreadable: chain order is an error, never a pass',
    facts: endpoint(
      {
        ...TLS13_ONLY,
        tls13ChainOrder: { status: 'error', detail: 'the TLS 1.3 Certificate message could not be read: alert handshake_failure' },
      },
      TLS13,
    ),
    verdicts: [verdict('tls.certificate-chain-order', 'error', { reason: /alert handshake_failure/ })],
  },
  {
    name: 'a missing intermediate',
    facts: endpoint({ leafIssuer: { status: 'missing', issuer: 'CN=Example Issuing CA' } }),
    verdicts: [verdict('tls.certificate-chain-complete', 'fail', { issuer: 'CN=Example Issuing CA' })],
  },
  {
    name: 'the issuer found only in the chain Node built (TLS 1.3 only, not decrypted): Node fills in from the trust store, so not tested',
    facts: endpoint({ ...TLS13_ONLY, chainSource: 'node', tls13ChainOrder: { status: 'error', detail: 'a HelloRetryRequest' } }, TLS13),
    verdicts: [verdict('tls.certificate-chain-complete', 'not_tested', { reason: /Node's chain may hold issuers the server never sent/ })],
  },
  {
    name: 'no chain to look in',
    facts: endpoint({ leafIssuer: { status: 'unknown', detail: 'the server sent no certificate' } }),
    verdicts: [verdict('tls.certificate-chain-complete', 'error', { reason: 'the server sent no certificate' })],
  },
];

judgeTable('TLS single checks', { judge: judgeTls, thresholds: T, now: NOW, valid, invalid });

describe('TLS single checks: what a case cannot say', () => {
  it('every check names the checks evidence file', () => {
    const verdicts = judgeTls(endpoint(), T, NOW).filter((v) => v.id === 'tls.sslv2' || v.id === 'tls.heartbleed');
    for (const v of verdicts) expect(v.evidence.artefacts).toContain('evidence/gateways/gw/tls-443-checks.json');
  });

  it('a fault in the checks facts spoils the single checks only', () => {
    const facts = endpoint();
    (facts.endpoints[0] as { checks: unknown }).checks = { legacy: null };
    const verdicts = judgeTls(facts, T, NOW);
    expect(verdicts.find((v) => v.id === 'tls.heartbleed')?.status).toBe('error');
    expect(verdicts.find((v) => v.id === 'tls.heartbleed')?.params?.reason).toMatch(/^cocoscan could not judge the single checks/);
    expect(verdicts.find((v) => v.id === 'tls.protocols')?.status).toBe('pass');
  });
});
