import { shippedThresholds } from '../helpers/test-profile.ts';
import { describe, expect, it } from 'vitest';
import type { FailedEndpoint, InspectedEndpoint, TlsEndpoint, TlsFacts, TlsFlow } from '../../probes/tls/facts.ts';
import { CERTIFICATE_IDS, TLS_FINDINGS, type TlsFindingId } from '../../probes/tls/findings.ts';
import { judgeTls, observeTls } from '../../probes/tls/judge.ts';
import { tlsThresholds, type TlsThresholds } from '../../probes/tls/thresholds.ts';
import { findingIds } from '../../src/probe/contract.ts';
import { CIPHER_SUITES } from '../../src/tls/cipher-suites.ts';
import type { CertificateFacts } from '../../src/tls/certificates.ts';
import type { VersionResult } from '../../src/tls/enumerate.ts';
import type { TlsEndpointFacts } from '../../src/tls/inspect-endpoint.ts';
import type { PeerSession } from '../../src/tls/peer-session.ts';
import type { TlsVersion } from '../../src/tls/versions.ts';
import { judgeTable, type InvalidCase, type ValidCase } from '../helpers/judge-table.ts';
import { goodChecks } from '../helpers/tls-checks-facts.ts';

const NOW = new Date('2026-11-30T10:00:00Z');
const DAY = 86_400_000;
const daysFromNow = (days: number) => new Date(NOW.getTime() + days * DAY);
const T: TlsThresholds = shippedThresholds(tlsThresholds, 'tls');
const with_ = (over: Partial<TlsThresholds>): TlsThresholds => ({ ...T, ...over });

// Suites and groups by code (IANA).
const ECDHE_GCM = 0xc02f;
const ECDHE_GCM_256 = 0xc030;
const AES_GCM_13 = 0x1301;
const ECDHE_CBC = 0xc013;
const RC4_SHA = 0x0005;
const NULL_SHA = 0x0002;
const TRIPLE_DES = 0x000a;
const EXPORT_RC4 = 0x0003;
const [X25519, SECP256R1, SECP192R1, SECT163K1, FFDHE2048, X25519MLKEM768] = [29, 23, 19, 1, 256, 0x11ec];

type VersionSpec = Partial<Omit<VersionResult, 'version'>>;
const accepted = (suites: number[], groups: number[] = [X25519, SECP256R1], extra: VersionSpec = {}): VersionSpec => ({
  status: 'accepted',
  detail: 'accepted',
  suites,
  groups,
  serverPreference: true,
  ...extra,
});

/** Every version's answer: refused unless given. */
function versions(given: Partial<Record<TlsVersion, VersionSpec>>): VersionResult[] {
  const all: TlsVersion[] = ['SSLv3', 'TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
  return all.map((version) => ({
    version,
    status: 'rejected',
    detail: 'handshake_failure alert',
    suites: [],
    groups: [],
    ...given[version],
  }));
}
const MODERN = { 'TLSv1.2': accepted([ECDHE_GCM_256, ECDHE_GCM]), 'TLSv1.3': accepted([AES_GCM_13], [X25519]) };

function cert(over: Partial<CertificateFacts> = {}): CertificateFacts {
  return {
    readable: true,
    subject: 'CN=gw.example.net',
    issuer: 'CN=Example Issuing CA',
    serialNumber: '01',
    sha256: 'a1'.repeat(32),
    validity: { value: { notBefore: daysFromNow(-30), notAfter: daysFromNow(335) } },
    key: { value: { type: 'RSA', bits: 2048 } },
    signature: { value: { oid: '1.2.840.113549.1.1.11', name: 'RSA with SHA-256', hash: 'SHA-256' } },
    selfSigned: false,
    subjectAltName: 'DNS:gw.example.net',
    // A Uint8Array, as the table's purity check clones facts with structuredClone (which makes a Buffer one).
    der: new Uint8Array([1, 2, 3]) as Buffer,
    ...over,
  };
}
const root = (over: Partial<CertificateFacts> = {}) =>
  cert({
    subject: 'CN=Example Root',
    issuer: 'CN=Example Root',
    selfSigned: true,
    sha256: 'c3'.repeat(32),
    subjectAltName: undefined,
    ...over,
  });
const intermediate = (over: Partial<CertificateFacts> = {}) =>
  cert({ subject: 'CN=Example Issuing CA', issuer: 'CN=Example Root', sha256: 'b2'.repeat(32), subjectAltName: undefined, ...over });
const sha1 = { value: { oid: '1.2.840.113549.1.1.5', name: 'RSA with SHA-1', hash: 'SHA-1' } };
const md5 = { value: { oid: '1.2.840.113549.1.1.4', name: 'RSA with MD5', hash: 'MD5' } };

const hsts = (...values: string[]): PeerSession['http'] => ({
  ok: true,
  statusLine: 'HTTP/1.1 200 OK',
  // The reader lower-cases header names (src/tls/http-head.ts).
  headers: [['content-type', 'text/html'], ...values.map((v): [string, string] => ['strict-transport-security', v])],
  bytes: 120,
});
const session = (over: Partial<PeerSession> = {}): PeerSession => ({
  protocol: 'TLSv1.3',
  cipher: 'TLS_AES_256_GCM_SHA384',
  chain: [],
  authorized: true,
  http: hsts('max-age=31536000; includeSubDomains'),
  ...over,
});

interface EndpointSpec {
  flow?: Partial<TlsFlow>;
  inspection?: Partial<TlsEndpointFacts>;
  leafNamesHost?: boolean | undefined;
  chainOrderProblem?: string;
}
function endpoint(spec: EndpointSpec = {}): InspectedEndpoint {
  const flow = { name: 'web', port: 443, protocol: 'https', http: true, ...spec.flow };
  return {
    flow,
    time: NOW.toISOString(),
    inspection: {
      endpoint: { host: 'gw.example.net', port: flow.port, serverName: 'gw.example.net' },
      scan: { versions: versions(MODERN), handshakes: 9 },
      session: session(),
      chain: [cert(), intermediate(), root()],
      chainSource: 'sent',
      durationMs: 40,
      ...spec.inspection,
    },
    leafNamesHost: 'leafNamesHost' in spec ? spec.leafNamesHost : true,
    chainOrderProblem: spec.chainOrderProblem,
    checks: goodChecks(),
    artefacts: { summary: `evidence/gateways/gw/tls-${flow.port}.json`, chain: `evidence/gateways/gw/tls-${flow.port}-chain.pem` },
  };
}
const failed = (port: number, failure: string): FailedEndpoint => ({
  flow: { name: `flow-${port}`, port, protocol: 'https', http: true },
  failure,
  time: NOW.toISOString(),
});
const facts = (...endpoints: TlsEndpoint[]): TlsFacts => ({ gateway: { name: 'gw', host: 'gw.example.net' }, endpoints });
const one = (spec: EndpointSpec = {}) => facts(endpoint(spec));
const scan = (given: Partial<Record<TlsVersion, VersionSpec>>) => ({ scan: { versions: versions(given), handshakes: 12 } });

const TRUSTED = { trusted: true, anchor: 'CN=Example Root' } as const;
const ADH_AES128 = 0x0034;
const DHE_GCM = 0x009f;
const smtp: Partial<TlsFlow> = { name: 'mail', port: 25, protocol: 'smtp', http: false, upgrade: 'smtp' };
const upgraded = { dialect: 'smtp' as const, step: 'SMTP STARTTLS', upgraded: true as const };
const NO_STARTTLS = 'offers no STARTTLS in its EHLO reply: mail to and from it travels in clear text';
/** The inspection of an endpoint whose upgrade did not happen: nothing of TLS was read. */
const notUpgraded = (
  refusal: 'not-offered' | 'refused' | 'broken',
  failure: string,
  dialect: 'smtp' | 'ftp' = 'smtp',
  step = 'SMTP STARTTLS',
): Partial<TlsEndpointFacts> => ({
  upgrade: { dialect, step, upgraded: false, refusal, failure },
  failure,
  scan: { versions: [], handshakes: 0 },
  session: undefined,
  chain: [],
  chainSource: 'none',
  chainError: 'no TLS: the upgrade did not happen',
});

const valid: ValidCase<TlsFacts>[] = [
  { name: 'TLS 1.2 and 1.3 with ECDHE and AEAD, a trusted chain in order, a year of HSTS', facts: one() },
  {
    name: 'a chain that reaches a trusted root: trust passes although OpenSSL also saw a date or a name it disliked',
    facts: one({ inspection: { trust: TRUSTED, session: session({ authorized: false, authorizationError: 'CERT_HAS_EXPIRED' }) } }),
  },
  {
    name: 'the ERR_TLS_CERT_ALTNAME_INVALID of an older session is the name finding, not trust',
    facts: one({
      inspection: { trust: TRUSTED, session: session({ authorized: false, authorizationError: 'ERR_TLS_CERT_ALTNAME_INVALID' }) },
    }),
  },
  {
    name: 'DHE primes read per suite, all strong, two sizes',
    facts: one({
      inspection: scan({
        'TLSv1.2': accepted([DHE_GCM, 0x009e], [], {
          dhBits: 2048,
          dhSuites: [
            { suite: DHE_GCM, bits: 3072 },
            { suite: 0x009e, bits: 2048 },
          ],
        }),
        'TLSv1.3': MODERN['TLSv1.3'],
      }),
    }),
  },
  { name: 'no declared flow speaks TLS: nothing applies', facts: facts() },
  {
    name: 'a TLS flow that is not HTTP: HSTS does not apply',
    facts: one({ flow: { protocol: 'ldaps', port: 636, http: false }, inspection: { session: session({ http: undefined }) } }),
  },
  {
    name: 'a profile that does not require HSTS, on a server that sends none',
    facts: one({ inspection: { session: session({ http: hsts() }) } }),
    thresholds: with_({ requireHsts: false }),
  },
  {
    name: 'x25519 and the hybrid X25519MLKEM768 pass with 256-bit curves required',
    facts: one({ inspection: scan({ 'TLSv1.3': accepted([AES_GCM_13], [X25519MLKEM768, X25519]) }) }),
  },
  {
    name: 'DHE at exactly the minimum size',
    facts: one({ inspection: scan({ 'TLSv1.2': accepted([0x009f], [FFDHE2048], { dhBits: 2048 }), 'TLSv1.3': MODERN['TLSv1.3'] }) }),
  },
  {
    name: 'an EC P-256 leaf and an Ed25519 intermediate',
    facts: one({
      inspection: {
        chain: [
          cert({ key: { value: { type: 'EC', bits: 256, curve: 'P-256' } } }),
          intermediate({ key: { value: { type: 'ED25519', bits: 256 } } }),
          root(),
        ],
      },
    }),
  },
  {
    name: 'a SHA-1 signed, RSA-1024 self-signed root is a trust anchor: neither its hash nor its key is judged',
    facts: one({ inspection: { chain: [cert(), intermediate(), root({ signature: sha1, key: { value: { type: 'RSA', bits: 1024 } } })] } }),
  },
  {
    name: 'exactly the warning window left',
    facts: one({ inspection: { chain: [cert({ validity: { value: { notBefore: daysFromNow(-1), notAfter: daysFromNow(30) } } })] } }),
  },
  { name: 'HSTS max-age exactly the minimum', facts: one({ inspection: { session: session({ http: hsts('max-age=31536000') }) } }) },
  {
    name: 'HSTS max-age of 2^31 seconds, preload',
    facts: one({ inspection: { session: session({ http: hsts(`max-age=${2 ** 31}; includeSubDomains; preload`) }) } }),
  },
  {
    name: 'a version with no clear answer above the minimum does not matter',
    facts: one({ inspection: scan({ 'TLSv1.2': MODERN['TLSv1.2'], 'TLSv1.3': { status: 'error', detail: 'timed out' } }) }),
  },
  {
    name: 'TLS 1.0 accepted under a profile whose minimum is TLS 1.0, CBC only warned of elsewhere',
    facts: one({ inspection: scan({ 'TLSv1.0': accepted([0xc014]), ...MODERN }) }),
    thresholds: with_({ minVersion: 'TLSv1.0', warnSuiteClasses: [] }),
  },
  {
    name: 'certificate subjects named __proto__ and constructor are only names',
    facts: one({
      inspection: {
        chain: [
          cert({ subject: '__proto__', subjectAltName: 'DNS:constructor' }),
          intermediate({ subject: 'constructor', issuer: '__proto__' }),
          root(),
        ],
      },
    }),
  },
  {
    name: 'an Ed448 leaf signed with Ed448 (no separate hash)',
    facts: one({
      inspection: {
        chain: [cert({ key: { value: { type: 'ED448', bits: 456 } }, signature: { value: { oid: '1.3.101.113', name: 'Ed448' } } })],
      },
    }),
  },
  {
    name: 'HSTS directives in any letter case',
    facts: one({ inspection: { session: session({ http: hsts('MAX-AGE=63072000; INCLUDESUBDOMAINS') }) } }),
  },
  {
    name: 'an smtp flow that goes on to TLS after STARTTLS is judged as any TLS endpoint; HSTS does not apply',
    facts: one({
      flow: { name: 'mail', port: 25, protocol: 'smtp', http: false, upgrade: 'smtp' },
      inspection: { upgrade: { dialect: 'smtp', step: 'SMTP STARTTLS', upgraded: true }, session: session({ http: undefined }) },
    }),
  },
];

const ALL = findingIds(TLS_FINDINGS);
/** The findings about TLS itself: all but the upgrade step's, which does not apply to implicit TLS. */
const ON_TLS = ALL.filter((id) => id !== 'tls.starttls');
// The findings judged from the chain; the single checks on certificates (judge-checks.ts) have their own facts.
const CERTIFICATE: TlsFindingId[] = [...CERTIFICATE_IDS];
const every = (ids: TlsFindingId[], status: 'error' | 'not_applicable', params: Record<string, string | RegExp> = {}, port?: number) =>
  ids.map((id) => ({ id, status, params, ...(port ? { port } : {}) }));

const invalid: InvalidCase<TlsFacts, TlsFindingId>[] = [
  // Versions.
  {
    name: 'TLS 1.0 and 1.1 accepted below the TLS 1.2 minimum',
    facts: one({ inspection: scan({ 'TLSv1.0': accepted([0xc014]), 'TLSv1.1': accepted([0xc014]), ...MODERN }) }),
    verdicts: [
      {
        id: 'tls.protocols',
        status: 'fail',
        params: { legacy: 'TLSv1.0, TLSv1.1', minVersion: 'TLSv1.2', endpoint: 'web (gw.example.net:443)' },
        actual: /TLSv1\.0: accepted; TLSv1\.1: accepted/,
      },
    ],
  },
  {
    name: 'SSLv3 accepted',
    facts: one({ inspection: scan({ SSLv3: accepted([RC4_SHA], []), ...MODERN }) }),
    verdicts: [{ id: 'tls.protocols', status: 'fail', params: { legacy: 'SSLv3' } }],
  },
  {
    name: 'TLS 1.2 accepted where the profile asks for TLS 1.3 only',
    facts: one(),
    thresholds: with_({ minVersion: 'TLSv1.3' }),
    verdicts: [{ id: 'tls.protocols', status: 'fail', params: { legacy: 'TLSv1.2', minVersion: 'TLSv1.3' } }],
  },
  {
    name: 'no clear answer for a version below the minimum is an error, never a pass',
    facts: one({ inspection: scan({ 'TLSv1.1': { status: 'error', detail: 'connection reset' }, ...MODERN }) }),
    verdicts: [{ id: 'tls.protocols', status: 'error', params: { reason: 'no clear answer for TLSv1.1 (connection reset)' } }],
  },
  // Suites.
  {
    name: 'an RC4 suite is banned, and named with its classes',
    facts: one({ inspection: scan({ 'TLSv1.2': accepted([ECDHE_GCM, RC4_SHA]), 'TLSv1.3': MODERN['TLSv1.3'] }) }),
    verdicts: [
      {
        id: 'tls.cipher-suites',
        status: 'fail',
        params: { count: 1, weakest: 'TLS_RSA_WITH_RC4_128_SHA (RC4-SHA) [rc4, static-rsa] under TLSv1.2' },
      },
    ],
  },
  {
    name: 'the weakest of several banned suites is the NULL one',
    facts: one({ inspection: scan({ 'TLSv1.2': accepted([TRIPLE_DES, NULL_SHA, RC4_SHA]) }) }),
    verdicts: [{ id: 'tls.cipher-suites', status: 'fail', params: { count: 3, weakest: /^TLS_RSA_WITH_NULL_SHA .*\[null, static-rsa\]/ } }],
  },
  {
    name: 'an export suite, counted once though accepted under two versions',
    facts: one({ inspection: scan({ 'TLSv1.0': accepted([EXPORT_RC4]), 'TLSv1.1': accepted([EXPORT_RC4]), ...MODERN }) }),
    verdicts: [
      {
        id: 'tls.cipher-suites',
        status: 'fail',
        params: { count: 1, weakest: /export, rc4, static-rsa, md5, weak-bits\] under TLSv1\.0/ },
      },
    ],
  },
  {
    name: 'a static-RSA AEAD suite is banned by default',
    facts: one({ inspection: scan({ 'TLSv1.2': accepted([0x009c]) }) }),
    verdicts: [{ id: 'tls.cipher-suites', status: 'fail', params: { weakest: /static-rsa/ } }],
  },
  {
    name: 'a CBC suite under TLS 1.2 is warned of, not banned',
    facts: one({ inspection: scan({ 'TLSv1.2': accepted([ECDHE_GCM, ECDHE_CBC]), 'TLSv1.3': MODERN['TLSv1.3'] }) }),
    verdicts: [
      {
        id: 'tls.cbc-suites',
        status: 'fail',
        params: { count: 1, classes: 'cbc', example: 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA (ECDHE-RSA-AES128-SHA)' },
      },
      { id: 'tls.cipher-suites', status: 'pass', params: { count: 3 } },
    ],
  },
  {
    name: 'a profile that bans CBC fails it as a weak suite',
    facts: one({ inspection: scan({ 'TLSv1.2': accepted([ECDHE_CBC]) }) }),
    thresholds: with_({ bannedSuiteClasses: ['cbc'] }),
    verdicts: [{ id: 'tls.cipher-suites', status: 'fail', params: { weakest: /\[cbc\] under TLSv1\.2/ } }],
  },
  {
    name: 'every NULL suite cocoscan knows, accepted at once: counted, the list kept whole in the evidence',
    facts: one({ inspection: scan({ 'TLSv1.2': accepted(CIPHER_SUITES.filter((s) => s.classes.includes('null')).map((s) => s.code)) }) }),
    verdicts: [
      { id: 'tls.cipher-suites', status: 'fail', params: { count: CIPHER_SUITES.filter((s) => s.classes.includes('null')).length } },
    ],
  },
  {
    name: 'server order and client order are told apart',
    facts: one({
      inspection: scan({
        'TLSv1.2': accepted([ECDHE_CBC], [X25519], { serverPreference: false }),
        'TLSv1.3': accepted([AES_GCM_13], [X25519]),
      }),
    }),
    verdicts: [
      { id: 'tls.cipher-suites', status: 'pass', params: { order: 'under TLSv1.3 the server picks TLS_AES_128_GCM_SHA256 first' } },
    ],
  },
  // Enumeration cut short.
  {
    name: 'suite and group lists cut short by resets: errors, never a pass',
    facts: one({
      inspection: scan({
        'TLSv1.2': accepted([ECDHE_GCM], [X25519], { incomplete: 'the connection was reset after 2 accepted ClientHellos' }),
        'TLSv1.3': MODERN['TLSv1.3'],
      }),
    }),
    verdicts: [
      {
        id: 'tls.cipher-suites',
        status: 'error',
        params: { reason: 'TLSv1.2: the connection was reset after 2 accepted ClientHellos' },
        actual: /^TLSv1\.2: TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256/,
      },
      { id: 'tls.cbc-suites', status: 'error' },
      { id: 'tls.key-exchange', status: 'error', params: { reason: /reset after 2 accepted/ } },
      { id: 'tls.protocols', status: 'pass' },
    ],
  },
  {
    name: 'an incomplete list that already holds a banned suite and a CBC one still fails',
    facts: one({ inspection: scan({ 'TLSv1.2': accepted([RC4_SHA, ECDHE_CBC], [SECP192R1], { incomplete: 'the server hung up' }) }) }),
    verdicts: [
      { id: 'tls.cipher-suites', status: 'fail' },
      { id: 'tls.cbc-suites', status: 'fail' },
      { id: 'tls.key-exchange', status: 'fail' },
    ],
  },
  // Key exchange.
  {
    name: 'a 1024-bit DHE prime',
    facts: one({ inspection: scan({ 'TLSv1.2': accepted([0x009f], [], { dhBits: 1024 }), 'TLSv1.3': MODERN['TLSv1.3'] }) }),
    verdicts: [{ id: 'tls.key-exchange', status: 'fail', params: { weak: 'TLSv1.2 DHE 1024-bit' } }],
  },
  {
    name: 'DH read per suite: the 1024-bit anonymous prime beside a 2048-bit DHE-RSA one is named with its suite',
    facts: one({
      inspection: scan({
        'TLSv1.2': accepted([DHE_GCM, ADH_AES128], [], {
          dhBits: 1024,
          dhSuites: [
            { suite: DHE_GCM, bits: 2048 },
            { suite: ADH_AES128, bits: 1024 },
          ],
        }),
        'TLSv1.3': MODERN['TLSv1.3'],
      }),
    }),
    verdicts: [
      {
        id: 'tls.key-exchange',
        status: 'fail',
        params: { weak: 'TLSv1.2 DHE 1024-bit with TLS_DH_anon_WITH_AES_128_CBC_SHA (ADH-AES128-SHA)' },
        actual: /2048-bit with TLS_DHE_RSA_WITH_AES_256_GCM_SHA384 .*1024-bit with TLS_DH_anon/,
      },
    ],
  },
  {
    name: 'an empty per-suite list (odd facts) falls back to the smallest prime',
    facts: one({ inspection: scan({ 'TLSv1.2': accepted([DHE_GCM], [], { dhBits: 1024, dhSuites: [] }), 'TLSv1.3': MODERN['TLSv1.3'] }) }),
    verdicts: [{ id: 'tls.key-exchange', status: 'fail', params: { weak: 'TLSv1.2 DHE 1024-bit' } }],
  },
  {
    name: 'secp192r1 and a binary curve',
    facts: one({ inspection: scan({ 'TLSv1.2': accepted([ECDHE_GCM], [SECP192R1, SECT163K1, X25519]) }) }),
    verdicts: [{ id: 'tls.key-exchange', status: 'fail', params: { weak: 'TLSv1.2 secp192r1, TLSv1.2 sect163k1' } }],
  },
  {
    name: 'ffdhe2048 under a profile asking for 3072-bit DH',
    facts: one({ inspection: scan({ 'TLSv1.3': accepted([AES_GCM_13], [FFDHE2048]) }) }),
    thresholds: with_({ minDhBits: 3072 }),
    verdicts: [{ id: 'tls.key-exchange', status: 'fail', params: { weak: 'TLSv1.3 ffdhe2048' } }],
  },
  {
    name: 'secp256r1 under a profile asking for 384-bit curves, x25519 still accepted',
    facts: one(),
    thresholds: with_({ minEcBits: 384 }),
    verdicts: [{ id: 'tls.key-exchange', status: 'fail', params: { weak: 'TLSv1.2 secp256r1' } }],
  },
  {
    name: 'a DHE prime of 2^31 bits is large, not weak; a 2047-bit one is weak',
    facts: one({
      inspection: scan({ 'TLSv1.1': accepted([0x0033], [], { dhBits: 2047 }), 'TLSv1.2': accepted([0x009f], [], { dhBits: 2 ** 31 }) }),
    }),
    thresholds: with_({ minVersion: 'TLSv1.1' }),
    verdicts: [{ id: 'tls.key-exchange', status: 'fail', params: { weak: 'TLSv1.1 DHE 2047-bit' } }],
  },
  // A flow open only to given sources (issue 16 item 12).
  {
    name: 'a restricted flow that gave the scanner outside its sources no answer: not applicable, by design',
    facts: one({
      flow: { port: 8443, sources: ['10.99.0.0/16'], scannerAmongSources: false },
      inspection: { failure: 'no usable TLS answer: no answer within 3000 ms (TCP connect)', session: undefined, chain: [] },
    }),
    verdicts: every(
      ALL,
      'not_applicable',
      {
        reason:
          'restricted to 10.99.0.0/16 by design; the scanner is not among them; its TLS can only be inspected from one of them ' +
          '(no usable TLS answer: no answer within 3000 ms (TCP connect))',
      },
      8443,
    ),
  },
  {
    name: 'a restricted flow whose sources hold the scanner and gave no answer: an error as any other',
    facts: one({
      flow: { port: 8443, sources: ['10.99.0.0/16'], scannerAmongSources: true },
      inspection: { failure: 'no usable TLS answer: no answer within 3000 ms (TCP connect)', session: undefined, chain: [] },
    }),
    verdicts: [
      ...every(ON_TLS, 'error', { reason: 'no usable TLS answer: no answer within 3000 ms (TCP connect)' }, 8443),
      { id: 'tls.starttls', status: 'not_applicable', port: 8443 },
    ],
  },
  {
    name: 'a restricted flow that answers the scanner anyway is judged as any other',
    facts: one({ flow: { sources: ['10.99.0.0/16'], scannerAmongSources: false } }),
    verdicts: [{ id: 'tls.protocols', status: 'pass' }],
  },
  // Whole endpoint.
  {
    name: 'an endpoint whose inspection threw is an error there; the other endpoint keeps its verdicts',
    facts: facts(failed(8443, 'the TLS inspection was stopped'), endpoint()),
    verdicts: [
      ...every(ALL, 'error', { reason: 'the TLS inspection was stopped', endpoint: 'flow-8443 (gw.example.net:8443)' }, 8443),
      { id: 'tls.protocols', status: 'pass', port: 443 },
      { id: 'tls.certificate-trust', status: 'pass', port: 443 },
    ],
  },
  {
    name: 'a server that refused every ClientHello: every finding an error, with the artefacts',
    facts: one({
      inspection: {
        failure: 'the server refused every ClientHello (handshake_failure alert)',
        scan: { versions: versions({}), handshakes: 5 },
        chain: [],
        chainSource: 'none',
      },
    }),
    verdicts: [
      ...every(ON_TLS, 'error', { reason: 'the server refused every ClientHello (handshake_failure alert)' }),
      { id: 'tls.starttls', status: 'not_applicable', params: { reason: 'TLS from the first byte: the protocol has no upgrade step' } },
    ],
  },
  // Certificates: dates.
  {
    name: 'an expired leaf fails validity; expiring then does not apply',
    facts: one({
      inspection: {
        chain: [cert({ validity: { value: { notBefore: daysFromNow(-400), notAfter: daysFromNow(-10) } } }), intermediate(), root()],
      },
    }),
    verdicts: [
      { id: 'tls.certificate-validity', status: 'fail', params: { problem: 'leaf expired on 2026-11-20 (10 days ago)' } },
      {
        id: 'tls.certificate-expiring',
        status: 'not_applicable',
        params: { reason: 'the certificate has already expired (see validity)' },
      },
    ],
  },
  {
    name: 'an expired intermediate',
    facts: one({
      inspection: {
        chain: [cert(), intermediate({ validity: { value: { notBefore: daysFromNow(-4000), notAfter: daysFromNow(-1) } } }), root()],
      },
    }),
    verdicts: [
      { id: 'tls.certificate-validity', status: 'fail', params: { problem: /^chain certificate 2 expired on 2026-11-29/ } },
      { id: 'tls.certificate-expiring', status: 'pass' },
    ],
  },
  {
    name: 'a leaf not valid yet',
    facts: one({ inspection: { chain: [cert({ validity: { value: { notBefore: daysFromNow(5), notAfter: daysFromNow(400) } } })] } }),
    verdicts: [{ id: 'tls.certificate-validity', status: 'fail', params: { problem: 'leaf is not valid before 2026-12-05' } }],
  },
  {
    name: 'ten days left, within the 30-day window',
    facts: one({ inspection: { chain: [cert({ validity: { value: { notBefore: daysFromNow(-80), notAfter: daysFromNow(10) } } })] } }),
    verdicts: [
      { id: 'tls.certificate-expiring', status: 'fail', params: { days: 10, notAfter: '2026-12-10', warnDays: 30 } },
      { id: 'tls.certificate-validity', status: 'pass' },
    ],
  },
  {
    name: 'one day short of the warning window',
    facts: one({ inspection: { chain: [cert({ validity: { value: { notBefore: daysFromNow(-1), notAfter: daysFromNow(29) } } })] } }),
    verdicts: [{ id: 'tls.certificate-expiring', status: 'fail', params: { days: 29 } }],
  },
  {
    name: 'a certificate valid until the year 9999',
    facts: one({
      inspection: { chain: [cert({ validity: { value: { notBefore: daysFromNow(-1), notAfter: new Date('9999-12-31T23:59:59Z') } } })] },
    }),
    verdicts: [
      { id: 'tls.certificate-expiring', status: 'pass', params: { notAfter: '9999-12-31' } },
      { id: 'tls.certificate-validity', status: 'pass' },
    ],
  },
  {
    name: 'an unreadable leaf date is an error for validity and expiry, never a pass',
    facts: one({
      inspection: {
        chain: [cert({ validity: { error: 'the time "991332235959Z" names no real date and time' } }), intermediate(), root()],
      },
    }),
    verdicts: [
      {
        id: 'tls.certificate-validity',
        status: 'error',
        params: { reason: 'the validity period cannot be read: leaf: the time "991332235959Z" names no real date and time' },
      },
      { id: 'tls.certificate-expiring', status: 'error', params: { reason: /^the leaf's expiry date cannot be read/ } },
    ],
  },
  {
    name: 'an expired intermediate next to an unreadable leaf date: fail, naming both',
    facts: one({
      inspection: {
        chain: [
          cert({ validity: { error: 'bad date' } }),
          intermediate({ validity: { value: { notBefore: daysFromNow(-9), notAfter: daysFromNow(-2) } } }),
        ],
      },
    }),
    verdicts: [
      {
        id: 'tls.certificate-validity',
        status: 'fail',
        params: { problem: /^chain certificate 2 expired on .*; dates unreadable for leaf: bad date$/ },
      },
    ],
  },
  // Certificates: trust and name.
  {
    name: 'a chain that ends at a self-signed root outside the trust store',
    facts: one({
      inspection: {
        trust: {
          trusted: false,
          problem: 'untrusted-root',
          reason: 'the chain ends at the self-signed CN=Stranger, which is not in the trust store',
        },
      },
    }),
    verdicts: [{ id: 'tls.certificate-trust', status: 'fail', params: { reason: /self-signed CN=Stranger/ } }],
  },
  {
    name: 'an incomplete chain is named so, and the name and dates keep their own verdicts',
    facts: one({
      inspection: {
        trust: { trusted: false, problem: 'incomplete', reason: 'incomplete chain: CN=gw is issued by CN=Example Issuing CA, which ...' },
        session: session({ authorized: false, authorizationError: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }),
      },
    }),
    verdicts: [
      { id: 'tls.certificate-trust', status: 'fail', params: { reason: /^incomplete chain/ } },
      { id: 'tls.certificate-name', status: 'pass' },
      { id: 'tls.certificate-validity', status: 'pass' },
    ],
  },
  {
    name: 'a chain that reaches a root but that OpenSSL refuses for another reason (a CA flag)',
    facts: one({ inspection: { trust: TRUSTED, session: session({ authorized: false, authorizationError: 'INVALID_CA' }) } }),
    verdicts: [
      { id: 'tls.certificate-trust', status: 'fail', params: { reason: /reaches CN=Example Root, but OpenSSL refuses it: INVALID_CA/ } },
    ],
  },
  {
    name: 'a leaf whose issuer cannot be checked: trust is an error',
    facts: one({ inspection: { trust: { trusted: false, problem: 'unreadable', reason: 'the leaf certificate cannot be read' } } }),
    verdicts: [{ id: 'tls.certificate-trust', status: 'error', params: { reason: 'the leaf certificate cannot be read' } }],
  },
  {
    name: 'a chain that reaches a root without a full handshake: a pass that says OpenSSL did not check it',
    facts: one({ inspection: { trust: TRUSTED, session: undefined, sessionError: 'socket hang up' } }),
    verdicts: [
      { id: 'tls.certificate-trust', status: 'pass', actual: /no full handshake/ },
      { id: 'tls.hsts', status: 'error' },
    ],
  },
  {
    name: 'a name mismatch with a trusted chain fails the name only',
    facts: one({
      leafNamesHost: false,
      inspection: {
        trust: TRUSTED,
        chain: [cert({ subjectAltName: 'DNS:elsewhere.invalid' }), intermediate(), root()],
        session: session({ authorized: true }),
      },
    }),
    verdicts: [
      { id: 'tls.certificate-name', status: 'fail', params: { names: 'DNS:elsewhere.invalid' } },
      { id: 'tls.certificate-trust', status: 'pass' },
    ],
  },
  {
    name: 'an untrusted chain',
    facts: one({ inspection: { session: session({ authorized: false, authorizationError: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' }) } }),
    verdicts: [
      {
        id: 'tls.certificate-trust',
        status: 'fail',
        params: { reason: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' },
        actual: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
      },
    ],
  },
  {
    name: 'no full handshake: trust is an error, and HSTS could not be asked',
    facts: one({ inspection: { session: undefined, sessionError: 'socket hang up' } }),
    verdicts: [
      { id: 'tls.certificate-trust', status: 'error', params: { reason: 'socket hang up' }, actual: 'not verified' },
      { id: 'tls.hsts', status: 'error', params: { reason: 'no HTTP request was possible: socket hang up' } },
    ],
  },
  {
    name: 'a leaf that names another host',
    facts: one({ leafNamesHost: false, inspection: { chain: [cert({ subjectAltName: 'DNS:other.example.net' })] } }),
    verdicts: [{ id: 'tls.certificate-name', status: 'fail', params: { host: 'gw.example.net', names: 'DNS:other.example.net' } }],
  },
  {
    name: 'a leaf without subjectAltName is named by its subject',
    facts: one({ leafNamesHost: false, inspection: { chain: [cert({ subjectAltName: undefined, subject: 'CN=constructor' })] } }),
    verdicts: [{ id: 'tls.certificate-name', status: 'fail', params: { names: 'CN=constructor' } }],
  },
  {
    name: 'a leaf the name checker cannot read',
    facts: one({ leafNamesHost: undefined }),
    verdicts: [
      { id: 'tls.certificate-name', status: 'error', params: { reason: 'the leaf certificate cannot be read by the name checker' } },
    ],
  },
  {
    name: 'a leaf that is no certificate: name, dates, key and signature are errors, never a pass',
    facts: one({
      leafNamesHost: undefined,
      inspection: {
        chain: [
          cert({
            readable: false,
            subject: 'unreadable certificate',
            validity: { error: 'not DER' },
            key: { error: 'not DER' },
            signature: { error: 'not DER' },
          }),
          intermediate(),
          root(),
        ],
      },
    }),
    verdicts: [
      { id: 'tls.certificate-name', status: 'error', params: { reason: 'leaf cannot be parsed: not DER' } },
      { id: 'tls.certificate-validity', status: 'error' },
      { id: 'tls.certificate-key', status: 'error', params: { reason: 'public key unreadable: not DER' } },
      { id: 'tls.certificate-signature', status: 'error', params: { reason: 'signature algorithm unreadable for leaf: not DER' } },
      { id: 'tls.certificate-chain-order', status: 'error', params: { reason: 'leaf cannot be parsed: not DER' } },
    ],
  },
  {
    name: 'no certificate at all: every certificate finding is an error',
    facts: one({ inspection: { chain: [], chainSource: 'none', chainError: 'the server sent no certificate' } }),
    verdicts: [...every(CERTIFICATE, 'error', { reason: 'the server sent no certificate' }), { id: 'tls.protocols', status: 'pass' }],
  },
  // Certificates: keys.
  {
    name: 'an RSA-1024 leaf',
    facts: one({ inspection: { chain: [cert({ key: { value: { type: 'RSA', bits: 1024 } } }), intermediate(), root()] } }),
    verdicts: [{ id: 'tls.certificate-key', status: 'fail', params: { key: 'RSA 1024 bits' } }],
  },
  {
    name: 'an RSA-1024 intermediate below the root',
    facts: one({ inspection: { chain: [cert(), intermediate({ key: { value: { type: 'RSA', bits: 1024 } } }), root()] } }),
    verdicts: [{ id: 'tls.certificate-key', status: 'fail', params: { key: 'chain certificate 2: RSA 1024 bits' } }],
  },
  {
    name: 'an RSA-2048 leaf under a profile asking for 3072 bits',
    facts: one(),
    thresholds: with_({ minRsaBits: 3072 }),
    verdicts: [{ id: 'tls.certificate-key', status: 'fail', params: { key: 'RSA 2048 bits; chain certificate 2: RSA 2048 bits' } }],
  },
  {
    name: 'an EC P-224 leaf',
    facts: one({ inspection: { chain: [cert({ key: { value: { type: 'EC', bits: 224, curve: 'P-224' } } })] } }),
    verdicts: [{ id: 'tls.certificate-key', status: 'fail', params: { key: 'EC 224 bits (P-224)' } }],
  },
  {
    name: 'a DSA intermediate fails whatever its size',
    facts: one({ inspection: { chain: [cert(), intermediate({ key: { value: { type: 'DSA', bits: 3072 } } }), root()] } }),
    verdicts: [{ id: 'tls.certificate-key', status: 'fail', params: { key: 'chain certificate 2: DSA 3072 bits, a DSA key' } }],
  },
  {
    name: 'a key type named __proto__ has no rule: an error, never a pass',
    facts: one({ inspection: { chain: [cert({ key: { value: { type: '__proto__', bits: 4096 } } })] } }),
    verdicts: [
      { id: 'tls.certificate-key', status: 'error', params: { reason: '__proto__ 4096 bits, a key type the profile has no rule for' } },
    ],
  },
  {
    name: 'an RSA key of 2^31 bits passes; an unreadable intermediate key is still an error',
    facts: one({
      inspection: {
        chain: [
          cert({ key: { value: { type: 'RSA', bits: 2 ** 31 } } }),
          intermediate({ key: { error: 'unknown public key algorithm OID 1.2.3' } }),
          root(),
        ],
      },
    }),
    verdicts: [
      {
        id: 'tls.certificate-key',
        status: 'error',
        params: { reason: 'chain certificate 2: public key unreadable: unknown public key algorithm OID 1.2.3' },
      },
    ],
  },
  {
    name: 'a self-signed leaf alone is judged: it is no trust anchor',
    facts: one({ inspection: { chain: [cert({ selfSigned: true, key: { value: { type: 'RSA', bits: 1024 } }, signature: sha1 })] } }),
    verdicts: [
      { id: 'tls.certificate-key', status: 'fail', params: { key: 'RSA 1024 bits' } },
      { id: 'tls.certificate-signature', status: 'fail' },
    ],
  },
  // Certificates: signatures.
  {
    name: 'an MD5-signed leaf',
    facts: one({ inspection: { chain: [cert({ signature: md5 }), intermediate(), root()] } }),
    verdicts: [{ id: 'tls.certificate-signature', status: 'fail', params: { weak: 'leaf CN=gw.example.net (RSA with MD5)' } }],
  },
  {
    name: 'a SHA-1 intermediate below the root',
    facts: one({ inspection: { chain: [cert(), intermediate({ signature: sha1 }), root()] } }),
    verdicts: [
      { id: 'tls.certificate-signature', status: 'fail', params: { weak: 'chain certificate 2 CN=Example Issuing CA (RSA with SHA-1)' } },
    ],
  },
  {
    name: 'a SHA-1 last certificate that is not self-signed is no trust anchor: judged',
    facts: one({ inspection: { chain: [cert(), intermediate({ signature: sha1 })] } }),
    verdicts: [{ id: 'tls.certificate-signature', status: 'fail' }],
  },
  {
    name: 'a weak hash next to an unreadable one: fail, naming both',
    facts: one({
      inspection: {
        chain: [
          cert({ signature: md5 }),
          intermediate({ signature: { error: 'unknown signature algorithm OID 1.2.840.113549.1.1.99' } }),
          root(),
        ],
      },
    }),
    verdicts: [
      {
        id: 'tls.certificate-signature',
        status: 'fail',
        params: { weak: /RSA with MD5\); also unreadable: chain certificate 2: unknown signature algorithm OID/ },
      },
    ],
  },
  {
    name: 'an unknown signature algorithm is an error naming it, never a pass',
    facts: one({ inspection: { chain: [cert({ signature: { error: 'unknown signature algorithm OID 1.2.840.113549.1.1.99' } })] } }),
    verdicts: [
      {
        id: 'tls.certificate-signature',
        status: 'error',
        params: { reason: 'signature algorithm unreadable for leaf: unknown signature algorithm OID 1.2.840.113549.1.1.99' },
      },
    ],
  },
  {
    name: 'SHA-256 banned by a stricter profile',
    facts: one(),
    thresholds: with_({ bannedSignatureHashes: ['SHA-1', 'SHA-256'] }),
    verdicts: [{ id: 'tls.certificate-signature', status: 'fail' }],
  },
  // Chain length and order.
  {
    name: 'a chain longer than cocoscan reads: the tail was never judged',
    facts: one({ inspection: { chain: Array.from({ length: 16 }, (_, i) => (i === 0 ? cert() : intermediate())), chainTruncated: 5000 } }),
    verdicts: [
      {
        id: 'tls.certificate-validity',
        status: 'error',
        params: { reason: 'the validity period cannot be read: the server sent 5000 certificates, more than the 16 read' },
      },
      { id: 'tls.certificate-key', status: 'error', params: { reason: 'chain: the server sent 5000 certificates, more than the 16 read' } },
      { id: 'tls.certificate-signature', status: 'error', params: { reason: 'the server sent 5000 certificates, more than the 16 read' } },
      { id: 'tls.certificate-chain-order', status: 'error' },
    ],
  },
  {
    name: 'a chain sent out of order',
    facts: one({ chainOrderProblem: 'certificate 1 is followed by certificate 2, but its issuer is certificate 3' }),
    verdicts: [
      {
        id: 'tls.certificate-chain-order',
        status: 'fail',
        params: { problem: 'certificate 1 is followed by certificate 2, but its issuer is certificate 3' },
      },
    ],
  },
  {
    name: 'TLS 1.3 only: the order as sent cannot be read',
    facts: one({ inspection: { ...scan({ 'TLSv1.3': MODERN['TLSv1.3'] }), chainSource: 'node' } }),
    verdicts: [{ id: 'tls.certificate-chain-order', status: 'not_tested', params: { reason: /only TLS 1\.3 is accepted/ } }],
  },
  {
    // Fixed (issue 17): a static-RSA-only server was "only TLS 1.3 accepted"; its chain is now read, and when it is not, said so.
    name: 'TLS 1.2 accepted but no certificate message read: an error, never "only TLS 1.3"',
    facts: one({ inspection: { ...scan({ 'TLSv1.2': accepted([0x009c], []) }), chainSource: 'node' } }),
    verdicts: [
      {
        id: 'tls.certificate-chain-order',
        status: 'error',
        params: { reason: 'TLSv1.2 is accepted, but no certificate message could be read from its handshakes' },
      },
    ],
  },
  // HSTS.
  {
    // Fixed: HTTP declared over TLS (`protocol: http, tls: true`) was "http is not HTTP" and never asked for HSTS.
    name: 'HTTP declared with tls: true is HTTP over TLS: HSTS is judged there too',
    facts: one({ flow: { protocol: 'http', port: 8443, http: true }, inspection: { session: session({ http: hsts() }) } }),
    verdicts: [{ id: 'tls.hsts', status: 'fail', params: { problem: 'sends no Strict-Transport-Security header' } }],
  },
  {
    name: 'a TLS flow that is not HTTP says so',
    facts: one({ flow: { protocol: 'smtps', port: 465, http: false } }),
    verdicts: [{ id: 'tls.hsts', status: 'not_applicable', params: { reason: 'smtps is not HTTP' } }],
  },
  {
    name: 'no Strict-Transport-Security header',
    facts: one({ inspection: { session: session({ http: hsts() }) } }),
    verdicts: [
      { id: 'tls.hsts', status: 'fail', params: { problem: 'sends no Strict-Transport-Security header' }, actual: 'header absent' },
    ],
  },
  {
    name: 'a header named __proto__ or constructor is no HSTS header',
    facts: one({
      inspection: {
        session: session({
          http: {
            ok: true,
            statusLine: 'HTTP/1.1 200 OK',
            headers: [
              ['__proto__', 'max-age=31536000'],
              ['constructor', 'x'],
            ],
            bytes: 70,
          },
        }),
      },
    }),
    verdicts: [{ id: 'tls.hsts', status: 'fail', params: { problem: 'sends no Strict-Transport-Security header' } }],
  },
  {
    name: 'a max-age shorter than a year',
    facts: one({ inspection: { session: session({ http: hsts('max-age=86400') }) } }),
    verdicts: [
      {
        id: 'tls.hsts',
        status: 'fail',
        params: { problem: 'sets HSTS max-age=86400 (1 days), below the required 31536000 s; no includeSubDomains, no preload' },
      },
    ],
  },
  {
    name: 'max-age=0 tells browsers to forget the policy',
    facts: one({ inspection: { session: session({ http: hsts('max-age=0') }) } }),
    verdicts: [{ id: 'tls.hsts', status: 'fail', params: { problem: /^sets HSTS max-age=0 \(0 days\)/ } }],
  },
  {
    name: 'a header browsers ignore, from the first of two',
    facts: one({ inspection: { session: session({ http: hsts('max-age=1; max-age=31536000', 'max-age=31536000') }) } }),
    verdicts: [
      {
        id: 'tls.hsts',
        status: 'fail',
        params: {
          problem:
            'sends a Strict-Transport-Security header browsers ignore: the directive "max-age" appears more than once; ' +
            '2 Strict-Transport-Security headers were sent, browsers use the first',
        },
      },
    ],
  },
  {
    name: 'a long enough max-age passes from the first of two headers',
    facts: one({ inspection: { session: session({ http: hsts('max-age=63072000; includeSubDomains; preload', 'max-age=0') }) } }),
    verdicts: [
      {
        id: 'tls.hsts',
        status: 'pass',
        params: {
          maxAge: 63072000,
          days: 730,
          flags: ', includeSubDomains, preload; 2 Strict-Transport-Security headers were sent, browsers use the first',
        },
      },
    ],
  },
  {
    name: 'an HTTP head that could not be read (stalled, or past the byte cap)',
    facts: one({ inspection: { session: session({ http: { ok: false, reason: 'the response head passed 32768 bytes', bytes: 32768 } }) } }),
    verdicts: [
      {
        id: 'tls.hsts',
        status: 'error',
        params: { reason: 'the response head passed 32768 bytes' },
        actual: 'no usable HTTP response (32768 bytes read)',
      },
    ],
  },
  {
    name: 'a huge max-age value is read by the parser, not trusted',
    facts: one({ inspection: { session: session({ http: hsts(`max-age=${'9'.repeat(400)}`) }) } }),
    verdicts: [{ id: 'tls.hsts', status: 'fail' }],
  },
  // The upgrade step (STARTTLS and kin).
  {
    name: 'an upgrade that happened passes tls.starttls, naming the step',
    facts: one({ flow: smtp, inspection: { upgrade: upgraded, session: session({ http: undefined }) } }),
    verdicts: [{ id: 'tls.starttls', status: 'pass', port: 25, params: { step: 'SMTP STARTTLS', endpoint: 'mail (gw.example.net:25)' } }],
  },
  {
    name: 'a mail server that offers no STARTTLS fails tls.starttls; its TLS findings are not tested, with the reason',
    facts: one({ flow: smtp, inspection: notUpgraded('not-offered', NO_STARTTLS) }),
    verdicts: [
      { id: 'tls.starttls', status: 'fail', port: 25, params: { problem: NO_STARTTLS }, actual: NO_STARTTLS },
      ...ON_TLS.map((id) => ({
        id,
        status: 'not_tested' as const,
        port: 25,
        params: { reason: `no TLS to test: the upgrade did not happen (${NO_STARTTLS})` },
      })),
    ],
  },
  {
    name: 'an FTP server that refuses AUTH TLS fails tls.starttls',
    facts: one({
      flow: { name: 'ftp', port: 21, protocol: 'ftp', http: false, upgrade: 'ftp' },
      inspection: notUpgraded('refused', 'refuses AUTH TLS: 534 "Policy denied"', 'ftp', 'FTP AUTH TLS'),
    }),
    verdicts: [
      { id: 'tls.starttls', status: 'fail', params: { problem: 'refuses AUTH TLS: 534 "Policy denied"', step: 'FTP AUTH TLS' } },
      { id: 'tls.protocols', status: 'not_tested', params: { reason: /refuses AUTH TLS/ } },
    ],
  },
  {
    name: 'an upgrade conversation that broke is an error of tls.starttls, never a pass; the rest not tested',
    facts: one({ flow: smtp, inspection: notUpgraded('broken', 'no complete SMTP STARTTLS answer within 3000 ms') }),
    verdicts: [
      { id: 'tls.starttls', status: 'error', params: { reason: 'no complete SMTP STARTTLS answer within 3000 ms' } },
      { id: 'tls.certificate-trust', status: 'not_tested', params: { reason: /within 3000 ms/ } },
    ],
  },
  {
    name: 'a server that said no to the upgrade has answered: judged even on a flow restricted to other sources',
    facts: one({
      flow: { ...smtp, sources: ['10.99.0.0/16'], scannerAmongSources: false },
      inspection: notUpgraded('not-offered', NO_STARTTLS),
    }),
    verdicts: [{ id: 'tls.starttls', status: 'fail', params: { problem: NO_STARTTLS } }],
  },
  {
    name: 'a restricted flow that gave the scanner outside its sources no upgrade conversation: nothing applies',
    facts: one({
      flow: { ...smtp, sources: ['10.99.0.0/16'], scannerAmongSources: false },
      inspection: notUpgraded('broken', 'no SMTP STARTTLS conversation: no answer within 3000 ms (TCP connect)'),
    }),
    verdicts: every(ALL, 'not_applicable', { reason: /restricted to 10\.99\.0\.0\/16 by design/ }, 25),
  },
  {
    name: 'an upgrade that happened, then no usable TLS: tls.starttls passes, the TLS findings are errors',
    facts: one({
      flow: smtp,
      inspection: {
        upgrade: upgraded,
        failure: 'the server refused every ClientHello (handshake_failure alert)',
        session: undefined,
        chain: [],
      },
    }),
    verdicts: [
      { id: 'tls.starttls', status: 'pass' },
      ...every(ON_TLS, 'error', { reason: 'the server refused every ClientHello (handshake_failure alert)' }, 25),
    ],
  },
  {
    name: "a server's hostile words in its refusal are only data in the message parameters",
    facts: one({ flow: smtp, inspection: notUpgraded('refused', 'refuses STARTTLS: 454 "<script>alert(1)</script> __proto__"') }),
    verdicts: [{ id: 'tls.starttls', status: 'fail', params: { problem: 'refuses STARTTLS: 454 "<script>alert(1)</script> __proto__"' } }],
  },
  {
    name: 'an undeclared open port that offers no STARTTLS: a finding on the port, with no flow named',
    facts: one({ flow: { ...smtp, name: 'undeclared smtp', undeclared: true }, inspection: notUpgraded('not-offered', NO_STARTTLS) }),
    verdicts: [{ id: 'tls.starttls', status: 'fail', port: 25, params: { endpoint: 'undeclared smtp (gw.example.net:25)' } }],
  },
];

judgeTable('TLS judge', { judge: judgeTls, thresholds: T, now: NOW, valid, invalid });

describe('TLS judge: what a case cannot say', () => {
  it('without a declared TLS flow, every id is not_applicable for the gateway', () => {
    const verdicts = judgeTls(facts(), T, NOW);
    expect(verdicts.map((v) => v.id).sort()).toEqual([...ALL].sort());
    expect(
      verdicts.every(
        (v) => v.status === 'not_applicable' && v.params?.reason === 'no flow and no open port speaks TLS (implicit or through STARTTLS)',
      ),
    ).toBe(true);
    expect(verdicts[0]!.target).toEqual({ gateway: 'gw', host: 'gw.example.net' });
  });

  it('gives every id once per endpoint, on the endpoint, with its artefacts and inspection time', () => {
    const verdicts = judgeTls(facts(endpoint(), endpoint({ flow: { name: 'api', port: 8443 } })), T, NOW);
    for (const port of [443, 8443])
      expect(
        verdicts
          .filter((v) => v.target.port === port)
          .map((v) => v.id)
          .sort(),
      ).toEqual([...ALL].sort());
    const protocols = verdicts.find((v) => v.id === 'tls.protocols' && v.target.port === 8443)!;
    expect(protocols.target).toEqual({ gateway: 'gw', host: 'gw.example.net', port: 8443, transport: 'tcp', flow: 'api' });
    expect(protocols.evidence).toMatchObject({
      source: 'cocoscan TLS probe (9 ClientHellos, one full handshake)',
      time: NOW.toISOString(),
      artefacts: ['evidence/gateways/gw/tls-8443.json', 'evidence/gateways/gw/tls-8443-chain.pem'],
    });
  });

  it('an endpoint that could not be inspected names no artefact; one with no chain names only its summary', () => {
    const [thrown] = judgeTls(facts(failed(443, 'refused')), T, NOW);
    expect(thrown!.evidence).toEqual({
      source: 'cocoscan TLS probe',
      time: NOW.toISOString(),
      expected: 'a judgeable TLS endpoint',
      actual: 'refused',
    });
    const noChain = endpoint({ inspection: { chain: [], chainSource: 'none', chainError: 'none sent' } });
    noChain.artefacts = { summary: 'evidence/gateways/gw/tls-443.json' };
    expect(judgeTls(facts(noChain), T, NOW)[0]!.evidence.artefacts).toEqual(['evidence/gateways/gw/tls-443.json']);
  });

  it('keeps the offer on tls.protocols, the banned suites on tls.cipher-suites and the HSTS reading on tls.hsts', () => {
    const verdicts = judgeTls(one({ inspection: scan({ 'TLSv1.2': accepted([RC4_SHA]), 'TLSv1.3': MODERN['TLSv1.3'] }) }), T, NOW);
    const of = (id: TlsFindingId) => verdicts.find((v) => v.id === id)!.data;
    expect(of('tls.protocols')).toEqual({
      accepted: ['TLSv1.2', 'TLSv1.3'],
      suites: ['TLSv1.2:TLS_RSA_WITH_RC4_128_SHA', 'TLSv1.3:TLS_AES_128_GCM_SHA256'],
      leaf: {
        sha256: 'a1'.repeat(32),
        subject: 'CN=gw.example.net',
        issuer: 'CN=Example Issuing CA',
        notAfter: daysFromNow(335).toISOString(),
      },
    });
    expect(of('tls.cipher-suites')).toEqual({ banned: [{ version: 'TLSv1.2', code: RC4_SHA, name: 'TLS_RSA_WITH_RC4_128_SHA' }] });
    expect(of('tls.hsts')).toEqual({ maxAge: 31536000, includeSubDomains: true, preload: false });
  });

  it('a fault while judging certificates spoils the certificate findings of that endpoint only', () => {
    const broken = intermediate({ validity: { value: { notBefore: new Date(Number.NaN), notAfter: new Date(Number.NaN) } } });
    const verdicts = judgeTls(one({ inspection: { chain: [cert(), broken, root()] } }), T, NOW);
    for (const id of CERTIFICATE)
      expect(verdicts.find((v) => v.id === id)!.params?.reason).toMatch(/^cocoscan could not judge the certificates of this endpoint/);
    expect(verdicts.find((v) => v.id === 'tls.protocols')!.status).toBe('pass');
    expect(verdicts.find((v) => v.id === 'tls.hsts')!.status).toBe('pass');
  });
});

describe('a fault judging one endpoint', () => {
  it('is an error of that endpoint only, in words a user can act on; the other endpoint keeps its verdicts', () => {
    // A scan that lost a version's answer: the versions judge cannot read it.
    const scanLost = { scan: { versions: versions(MODERN).slice(1), handshakes: 4 } };
    const lost = endpoint({ flow: { name: 'odd', port: 8443 }, inspection: scanLost });
    const verdicts = judgeTls(facts(lost, endpoint()), T, NOW);
    const ofOdd = verdicts.filter((v) => v.target.port === 8443);
    expect(ofOdd.map((v) => v.id).sort()).toEqual([...ALL].sort());
    for (const v of ofOdd) {
      expect(v.status).toBe('error');
      expect(v.params?.reason).toMatch(/^cocoscan could not judge the TLS answers of this endpoint \(an internal fault/);
    }
    expect(verdicts.filter((v) => v.target.port === 443 && v.id !== 'tls.starttls').every((v) => v.status === 'pass')).toBe(true);
  });

  it('an impossible leaf date spoils the certificate findings only, and the observation says unreadable instead of throwing', () => {
    const nan = new Date(Number.NaN);
    const odd = one({ inspection: { chain: [cert({ validity: { value: { notBefore: nan, notAfter: nan } } })] } });
    const verdicts = judgeTls(odd, T, NOW);
    expect(verdicts.find((v) => v.id === 'tls.protocols')!.status).toBe('pass');
    expect(verdicts.find((v) => v.id === 'tls.certificate-validity')!.params?.reason).toMatch(/^cocoscan could not judge the certificates/);
    expect(observeTls(odd)).toEqual([expect.objectContaining({ leaf: expect.objectContaining({ notAfter: 'unreadable' }) })]);
  });
});

describe('TLS observations for history', () => {
  it('one tls-offer per judged endpoint, with the flow port; none for an endpoint that could not be judged', () => {
    const unreadableLeaf = endpoint({ flow: { port: 8443 }, inspection: { chain: [cert({ validity: { error: 'bad' } })] } });
    const noChain = endpoint({ flow: { port: 9443 }, inspection: { chain: [], chainSource: 'none' } });
    const refused = endpoint({ flow: { port: 636 }, inspection: { failure: 'refused', chain: [] } });
    expect(observeTls(facts(endpoint(), unreadableLeaf, noChain, refused, failed(993, 'fault')))).toEqual([
      {
        kind: 'tls-offer',
        gateway: 'gw',
        port: 443,
        accepted: ['TLSv1.2', 'TLSv1.3'],
        suites: [
          'TLSv1.2:TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
          'TLSv1.2:TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
          'TLSv1.3:TLS_AES_128_GCM_SHA256',
        ],
        leaf: {
          sha256: 'a1'.repeat(32),
          subject: 'CN=gw.example.net',
          issuer: 'CN=Example Issuing CA',
          notAfter: daysFromNow(335).toISOString(),
        },
      },
      expect.objectContaining({ port: 8443, leaf: expect.objectContaining({ notAfter: 'unreadable' }) }),
      expect.objectContaining({ port: 9443, leaf: null }),
    ]);
    expect(observeTls(facts())).toEqual([]);
  });
});
