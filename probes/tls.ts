import { readSafeText } from '../src/input/safe-read.ts';
import { isIP } from 'node:net';
import type { LimitFunction } from 'p-limit';
import { z } from 'zod';
import { speaksTls } from '../src/connection/flows.ts';
import type { Flow, Gateway } from '../src/connection/schema.ts';
import type { Finding, FindingStatus, FindingTarget } from '../src/findings.ts';
import { defineFindings, defineProbe, findingIds, type FindingIdOf, type ProbeContext } from '../src/probe/contract.ts';
import { CocoscanError } from '../src/errors.ts';
import { SIGNATURE_HASH_NAMES } from '../src/tls/certificate-algorithms.ts';
import { chainOrderProblem, hostMatches, type CertificateFacts } from '../src/tls/certificates.ts';
import { parseHsts } from '../src/tls/hsts.ts';
import { headerValues, HTTP_HEAD_MAX_BYTES } from '../src/tls/http-head.ts';
import { suiteByCode, suiteLabel, type SuiteClass } from '../src/tls/cipher-suites.ts';
import { groupName } from '../src/tls/groups.ts';
import { inspectTlsEndpoint, type TlsEndpointFacts } from '../src/tls/inspect-endpoint.ts';
import { derToPem, splitPem, systemTrustStore } from '../src/tls/trust-store.ts';
import { TLS_VERSIONS, versionRank } from '../src/tls/versions.ts';

const SUITE_CLASSES = ['null', 'anon', 'export', 'rc4', 'des', '3des', 'static-rsa', 'static-dh', 'cbc', 'md5', 'weak-bits'] as const;
const DAY_MS = 86_400_000;
// Field sizes of the elliptic-curve groups, and modulus sizes of the finite-field ones, for the thresholds.
const GROUP_BITS = new Map<number, number>([
  [19, 192], [21, 224], [22, 256], [23, 256], [24, 384], [25, 521], [26, 256], [27, 384], [28, 512], [29, 255], [30, 448],
  [256, 2048], [257, 3072], [258, 4096], [259, 6144], [260, 8192], [0x11ec, 255], [0x11eb, 256], [0x6399, 255],
]);
const ONE_YEAR_SECONDS = 31_536_000;

const thresholds = z.strictObject({
  minVersion: z.enum(['TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'], { error: 'expected TLSv1.0, TLSv1.1, TLSv1.2 or TLSv1.3' }).default('TLSv1.2'),
  bannedSuiteClasses: z
    .array(z.enum(SUITE_CLASSES, { error: `expected one of ${SUITE_CLASSES.join(', ')}` }))
    .default(['null', 'anon', 'export', 'rc4', 'des', '3des', 'static-rsa', 'static-dh', 'md5', 'weak-bits']),
  warnSuiteClasses: z.array(z.enum(SUITE_CLASSES, { error: `expected one of ${SUITE_CLASSES.join(', ')}` })).default(['cbc']),
  minRsaBits: z.number().int().min(1024, { error: 'expected at least 1024' }).max(16384).default(2048),
  minEcBits: z.number().int().min(160, { error: 'expected at least 160' }).max(521).default(256),
  minDhBits: z.number().int().min(1024, { error: 'expected at least 1024' }).max(16384).default(2048),
  bannedSignatureHashes: z
    .array(z.enum(SIGNATURE_HASH_NAMES, { error: `expected one of ${SIGNATURE_HASH_NAMES.join(', ')}` }))
    .default(['MD2', 'MD4', 'MD5', 'SHA-1', 'SHA-224', 'SHA-512/224', 'SHA3-224']),
  expiryWarningDays: z.number().int().min(0, { error: 'expected 0 to 365 days' }).max(365, { error: 'expected 0 to 365 days' }).default(30),
  requireHsts: z.boolean().default(true),
  /** Shortest HSTS max-age that passes, in seconds (one year by default). */
  // max-age=0 tells a browser to forget the policy (RFC 6797 6.1.1), so it can never be enough.
  minHstsMaxAgeSeconds: z.number().int().min(1, { error: 'expected 1 or more seconds' }).max(2 ** 31, { error: 'expected at most 2^31 seconds' }).default(ONE_YEAR_SECONDS),
});
type Thresholds = z.output<typeof thresholds>;

const tlsFindings = defineFindings({
  'tls.protocols': {
    severity: 'high',
    title: 'Only current TLS versions are accepted',
    messages: {
      pass: '{endpoint} accepts {accepted}; nothing older than {minVersion}',
      fail: '{endpoint} accepts {legacy}, older than {minVersion}',
    },
  },
  'tls.cipher-suites': {
    severity: 'high',
    title: 'No weak cipher suite is accepted',
    messages: {
      pass: '{endpoint} accepts {count} suites, none of them weak ({order})',
      fail: '{endpoint} accepts {count} weak suite(s), the weakest {weakest}',
    },
  },
  'tls.cbc-suites': {
    severity: 'low',
    title: 'No CBC-mode suite under TLS 1.2',
    messages: {
      pass: '{endpoint} accepts no {classes} suite',
      fail: '{endpoint} accepts {count} {classes} suite(s) under TLS 1.2 or older, e.g. {example}',
    },
  },
  'tls.key-exchange': {
    severity: 'medium',
    title: 'Key exchange is strong enough',
    messages: {
      pass: '{endpoint} key exchange: {groups}',
      fail: '{endpoint} key exchange too weak: {weak}',
    },
  },
  'tls.certificate-trust': {
    severity: 'high',
    title: 'Certificate chain is trusted',
    messages: {
      pass: '{endpoint} certificate chain verifies ({trust})',
      fail: '{endpoint} certificate chain does not verify: {reason}',
    },
  },
  'tls.certificate-name': {
    severity: 'high',
    title: 'Certificate names the gateway',
    messages: {
      pass: '{endpoint} certificate matches {host}',
      fail: '{endpoint} certificate does not match {host} (it names {names})',
    },
  },
  'tls.certificate-validity': {
    severity: 'high',
    title: 'Certificates are within their validity period',
    messages: {
      pass: '{endpoint} certificate valid until {notAfter}',
      fail: '{endpoint} certificate {problem}',
    },
  },
  'tls.certificate-expiring': {
    severity: 'low',
    title: 'Certificate is not about to expire',
    messages: {
      pass: '{endpoint} certificate has {days} days left',
      fail: '{endpoint} certificate expires in {days} days ({notAfter}), within the {warnDays}-day warning window',
    },
  },
  'tls.certificate-key': {
    severity: 'high',
    title: 'Certificate key is strong enough',
    messages: {
      pass: '{endpoint} certificate key: {key}',
      fail: '{endpoint} certificate key too weak: {key}',
    },
  },
  'tls.certificate-signature': {
    severity: 'high',
    title: 'Certificates are signed with a strong hash',
    messages: {
      pass: '{endpoint} certificate signatures: {signatures}',
      fail: '{endpoint} certificate signed with a weak hash: {weak}',
    },
  },
  'tls.certificate-chain-order': {
    severity: 'low',
    title: 'Chain is sent in order',
    messages: {
      pass: '{endpoint} sends its chain in order ({count} certificate(s))',
      fail: '{endpoint} sends its chain out of order: {problem}',
    },
  },
  'tls.hsts': {
    severity: 'low',
    title: 'HTTP Strict-Transport-Security is set',
    messages: {
      pass: '{endpoint} sends Strict-Transport-Security max-age={maxAge} ({days} days){flags}',
      fail: '{endpoint} {problem}',
    },
  },
});
type TlsFindingId = FindingIdOf<typeof tlsFindings>;

export default defineProbe({
  meta: {
    id: 'tls',
    title: 'TLS protocol versions, cipher suites and certificates',
    description:
      'On every declared flow that speaks TLS: which protocol versions, cipher suites and key-exchange groups the server accepts ' +
      '(raw ClientHellos, so legacy suites are testable), and whether its certificate chain is trusted, matches the gateway, is in date and uses strong keys and signatures.',
    reads: [],
    thresholds,
    findings: tlsFindings,
  },

  async run(ctx) {
    const flows = ctx.connection.flows.filter(speaksTls);
    if (flows.length === 0) {
      return ctx.connection.gateways.flatMap((gateway) =>
        findingIds(tlsFindings).map((id) =>
          ctx.finding({
            id,
            target: { gateway: gateway.name, host: gateway.host },
            status: 'not_applicable',
            params: { reason: 'no declared flow speaks TLS' },
            evidence: { source: 'cocoscan TLS probe', expected: 'TLS flows to inspect', actual: 'none declared' },
          }),
        ),
      );
    }
    const trust = [...systemTrustStore(), ...(await readTrustFiles(ctx.connection.tls.trust))];
    const perGateway = await Promise.all(
      ctx.connection.gateways.map(async (gateway) => {
        const limit = ctx.connectionLimit(gateway.name);
        const perFlow = await Promise.all(flows.map((flow) => inspectFlow(ctx, gateway, flow, trust, limit)));
        return perFlow.flat();
      }),
    );
    return perGateway.flat();
  },
});

async function readTrustFiles(paths: string[]): Promise<string[]> {
  const contents = await Promise.all(paths.map((path, index) => readSafeText(path, { kind: 'trust-file', key: `tls.trust[${index}]` })));
  return contents.flatMap(splitPem);
}

/** One endpoint: whatever goes wrong here becomes error findings of this endpoint, and touches no other. */
async function inspectFlow(ctx: ProbeContext<Thresholds, TlsFindingId>, gateway: Gateway, flow: Flow, trust: string[], limit: LimitFunction): Promise<Finding[]> {
  const timeoutMs = ctx.connection.scan.probeTimeoutSeconds * 1000;
  try {
    const facts = await inspectTlsEndpoint(
      { host: gateway.host, port: flow.port, serverName: gateway.host },
      {
        timeoutMs,
        budgetMs: timeoutMs * 12,
        trust,
        http: flow.protocol === 'https' ? { timeoutMs, maxBytes: HTTP_HEAD_MAX_BYTES } : undefined,
        limit,
        signal: ctx.signal,
      },
    );
    return judgeEndpoint(ctx, gateway, flow, facts);
  } catch (error) {
    const reason = faultReason(error, 'the TLS answers of this endpoint');
    const target: FindingTarget = { gateway: gateway.name, host: gateway.host, port: flow.port, transport: 'tcp', flow: flow.name };
    const endpoint = `${flow.name} (${gateway.host}:${flow.port})`;
    return findingIds(tlsFindings).map((id) =>
      ctx.finding({ id, target, status: 'error', params: { endpoint, reason }, evidence: { source: 'cocoscan TLS probe', expected: 'a judgeable TLS endpoint', actual: reason } }),
    );
  }
}

/** A reason fit for a finding: cocoscan's own errors speak for themselves; anything else is a fault of cocoscan, not a raw message. */
function faultReason(error: unknown, what: string): string {
  if (error instanceof CocoscanError) return error.message;
  return `cocoscan could not judge ${what} (an internal fault; the other endpoints are unaffected). Please report it with the evidence folder`;
}

function judgeEndpoint(ctx: ProbeContext<Thresholds, TlsFindingId>, gateway: Gateway, flow: Flow, facts: TlsEndpointFacts): Finding[] {
  const t = ctx.thresholds;
  const target: FindingTarget = { gateway: gateway.name, host: gateway.host, port: flow.port, transport: 'tcp', flow: flow.name };
  const endpoint = `${flow.name} (${gateway.host}:${flow.port})`;
  const base = gateway.name;
  const summaryPath = ctx.evidence.add([base, `tls-${flow.port}.json`], JSON.stringify(summarise(facts), null, 2));
  const chainPath = facts.chain.length > 0 ? ctx.evidence.add([base, `tls-${flow.port}-chain.pem`], facts.chain.map((c) => derToPem(c.der)).join('')) : undefined;
  const source = `cocoscan TLS probe (${facts.scan.handshakes} ClientHellos, one full handshake)`;
  const evidence = (expected: string, actual: string, raw?: string) => ({
    source,
    expected,
    actual,
    raw,
    artefacts: [summaryPath, ...(chainPath ? [chainPath] : [])],
  });
  const make = (id: TlsFindingId, status: FindingStatus, params: Record<string, string | number>, expected: string, actual: string, raw?: string, data?: Record<string, unknown>) =>
    ctx.finding({ id, target, status, params: { endpoint, ...params }, evidence: evidence(expected, actual, raw), data });

  if (facts.unusable) return findingIds(tlsFindings).map((id) => make(id, 'error', { reason: facts.unusable! }, 'a TLS server', facts.unusable!));

  const accepted = facts.scan.versions.filter((v) => v.status === 'accepted');
  const findings: Finding[] = [];

  // What the endpoint offers, kept on tls.protocols so a later run can tell what changed.
  const state = {
    accepted: accepted.map((v) => v.version),
    suites: accepted.flatMap((v) => v.suites.map((code) => `${v.version}:${suiteByCode(code).name}`)),
    leaf: facts.chain[0]
      ? { sha256: facts.chain[0].sha256, subject: facts.chain[0].subject, issuer: facts.chain[0].issuer, notAfter: facts.chain[0].validity.value?.notAfter.toISOString() ?? 'unreadable' }
      : null,
  };

  // Protocol versions.
  const legacy = accepted.filter((v) => versionRank(v.version) < versionRank(t.minVersion));
  const unknownVersions = facts.scan.versions.filter((v) => v.status === 'error');
  const acceptedText = accepted.map((v) => v.version).join(', ');
  const versionsActual = TLS_VERSIONS.map((v) => {
    const r = facts.scan.versions.find((x) => x.version === v)!;
    return `${v}: ${r.status}${r.status === 'accepted' ? '' : ` (${r.detail})`}`;
  }).join('; ');
  if (legacy.length > 0) {
    findings.push(make('tls.protocols', 'fail', { legacy: legacy.map((v) => v.version).join(', '), minVersion: t.minVersion }, `${t.minVersion} or newer only`, versionsActual, undefined, state));
  } else if (unknownVersions.length > 0 && unknownVersions.some((v) => versionRank(v.version) < versionRank(t.minVersion))) {
    findings.push(make('tls.protocols', 'error', { reason: `no clear answer for ${unknownVersions.map((v) => `${v.version} (${v.detail})`).join(', ')}` }, `${t.minVersion} or newer only`, versionsActual, undefined, state));
  } else {
    findings.push(make('tls.protocols', 'pass', { accepted: acceptedText, minVersion: t.minVersion }, `${t.minVersion} or newer only`, versionsActual, undefined, state));
  }

  // Cipher suites.
  const incomplete = accepted.filter((v) => v.incomplete);
  const allSuites = accepted.flatMap((v) => v.suites.map((code) => ({ version: v.version, code })));
  const banned = allSuites.filter(({ code }) => suiteByCode(code).classes.some((c) => (t.bannedSuiteClasses as readonly SuiteClass[]).includes(c)));
  const suiteList = accepted.map((v) => `${v.version}: ${v.suites.map(suiteLabel).join(', ')}${v.serverPreference === undefined ? '' : v.serverPreference ? ' [server order]' : ' [client order]'}`).join('\n');
  if (banned.length > 0) {
    const weakest = [...banned].sort((a, b) => weakness(b.code, t.bannedSuiteClasses) - weakness(a.code, t.bannedSuiteClasses))[0]!;
    findings.push(
      make(
        'tls.cipher-suites',
        'fail',
        { count: new Set(banned.map((b) => b.code)).size, weakest: `${suiteLabel(weakest.code)} [${classesOf(weakest.code, t.bannedSuiteClasses)}] under ${weakest.version}` },
        `no ${t.bannedSuiteClasses.join('/')} suites`,
        banned.map((b) => `${b.version} ${suiteLabel(b.code)} [${classesOf(b.code, t.bannedSuiteClasses)}]`).join('; '),
        suiteList,
        { banned: banned.map((b) => ({ version: b.version, code: b.code, name: suiteByCode(b.code).name })) },
      ),
    );
  } else if (incomplete.length > 0) {
    findings.push(make('tls.cipher-suites', 'error', { reason: incomplete.map((v) => `${v.version}: ${v.incomplete}`).join('; ') }, 'a complete list of accepted suites', suiteList));
  } else {
    const best = accepted[accepted.length - 1]!;
    const order = best.serverPreference ? `under ${best.version} the server picks ${suiteLabel(best.suites[0]!)} first` : `under ${best.version} the server follows the client's order`;
    findings.push(make('tls.cipher-suites', 'pass', { count: allSuites.length, order }, `no ${t.bannedSuiteClasses.join('/')} suites`, `${allSuites.length} accepted, none weak`, suiteList));
  }

  const warned = allSuites.filter(({ version, code }) => version !== 'TLSv1.3' && suiteByCode(code).classes.some((c) => (t.warnSuiteClasses as readonly SuiteClass[]).includes(c)));
  if (warned.length === 0 && incomplete.length > 0) {
    findings.push(make('tls.cbc-suites', 'error', { reason: incomplete.map((v) => `${v.version}: ${v.incomplete}`).join('; ') }, `no ${t.warnSuiteClasses.join('/')} suites`, suiteList));
  } else {
    findings.push(
      warned.length > 0
        ? make('tls.cbc-suites', 'fail', { count: new Set(warned.map((w) => w.code)).size, classes: t.warnSuiteClasses.join('/'), example: suiteLabel(warned[0]!.code) }, `no ${t.warnSuiteClasses.join('/')} suites`, warned.map((w) => `${w.version} ${suiteLabel(w.code)}`).join('; '))
        : make('tls.cbc-suites', 'pass', { classes: t.warnSuiteClasses.join('/') }, `no ${t.warnSuiteClasses.join('/')} suites`, 'none accepted'),
    );
  }

  // Key exchange.
  const groupsText = accepted.map((v) => `${v.version}: ${v.groups.map(groupName).join(', ') || 'no (EC)DHE groups'}${v.dhBits ? `, DHE ${v.dhBits}-bit` : ''}`).join('; ');
  const weakKx = accepted.flatMap((v) => [
    ...v.groups.filter((g) => isWeakGroup(g, t)).map((g) => `${v.version} ${groupName(g)}`),
    ...(v.dhBits && v.dhBits < t.minDhBits ? [`${v.version} DHE ${v.dhBits}-bit`] : []),
  ]);
  const kxExpected = `EC groups of at least ${t.minEcBits} bits, DH of at least ${t.minDhBits} bits`;
  if (weakKx.length > 0) findings.push(make('tls.key-exchange', 'fail', { weak: weakKx.join(', ') }, kxExpected, groupsText));
  else if (incomplete.length > 0) findings.push(make('tls.key-exchange', 'error', { reason: incomplete.map((v) => `${v.version}: ${v.incomplete}`).join('; ') }, kxExpected, groupsText));
  else findings.push(make('tls.key-exchange', 'pass', { groups: groupsText }, kxExpected, groupsText));

  try {
    findings.push(...judgeCertificates(make, facts, gateway, t, ctx.now()));
  } catch (error) {
    const reason = faultReason(error, 'the certificates of this endpoint');
    findings.push(...CERTIFICATE_IDS.map((id) => make(id, 'error', { reason }, 'a certificate chain', reason)));
  }
  findings.push(judgeHsts(make, facts, flow, t));
  return findings;
}

function judgeHsts(make: Make, facts: TlsEndpointFacts, flow: Flow, t: Thresholds): Finding {
  const expected = `Strict-Transport-Security with max-age of at least ${t.minHstsMaxAgeSeconds} s (${Math.floor(t.minHstsMaxAgeSeconds / 86_400)} days)`;
  if (flow.protocol !== 'https' || !t.requireHsts) {
    return make('tls.hsts', 'not_applicable', { reason: flow.protocol !== 'https' ? `${flow.protocol} is not HTTP` : 'the profile does not require HSTS' }, 'HSTS on https flows', 'not checked');
  }
  const http = facts.session?.http;
  if (!http) return make('tls.hsts', 'error', { reason: `no HTTP request was possible: ${facts.sessionError ?? 'no TLS session'}` }, expected, 'no HTTP response');
  if (!http.ok) return make('tls.hsts', 'error', { reason: http.reason }, expected, `no usable HTTP response (${http.bytes} bytes read)`);
  const values = headerValues(http.headers, 'strict-transport-security');
  const raw = [http.statusLine, ...values.map((v) => `Strict-Transport-Security: ${v}`)].join('\n');
  if (values.length === 0) return make('tls.hsts', 'fail', { problem: 'sends no Strict-Transport-Security header' }, expected, 'header absent', http.statusLine);
  // RFC 6797 8.1: a browser acts on the first header only.
  const reading = parseHsts(values[0]!);
  const more = values.length > 1 ? `; ${values.length} Strict-Transport-Security headers were sent, browsers use the first` : '';
  if (!reading.valid) {
    return make('tls.hsts', 'fail', { problem: `sends a Strict-Transport-Security header browsers ignore: ${reading.problem}${more}` }, expected, reading.problem, raw);
  }
  const days = Math.floor(reading.maxAge / 86_400);
  const flags = [reading.includeSubDomains ? 'includeSubDomains' : 'no includeSubDomains', reading.preload ? 'preload' : 'no preload'].join(', ');
  const data = { maxAge: reading.maxAge, includeSubDomains: reading.includeSubDomains, preload: reading.preload };
  if (reading.maxAge < t.minHstsMaxAgeSeconds) {
    const problem = `sets HSTS max-age=${reading.maxAge} (${days} days), below the required ${t.minHstsMaxAgeSeconds} s; ${flags}${more}`;
    return make('tls.hsts', 'fail', { problem }, expected, `max-age=${reading.maxAge}; ${flags}`, raw, data);
  }
  return make('tls.hsts', 'pass', { maxAge: reading.maxAge, days, flags: `, ${flags}${more}` }, expected, `max-age=${reading.maxAge}; ${flags}`, raw, data);
}

type Make = (id: TlsFindingId, status: FindingStatus, params: Record<string, string | number>, expected: string, actual: string, raw?: string, data?: Record<string, unknown>) => Finding;

const CERTIFICATE_IDS: readonly TlsFindingId[] = ['tls.certificate-trust', 'tls.certificate-name', 'tls.certificate-validity', 'tls.certificate-expiring', 'tls.certificate-key', 'tls.certificate-signature', 'tls.certificate-chain-order'];

const day = (d: Date) => d.toISOString().slice(0, 10);
const position = (i: number) => (i === 0 ? 'leaf' : `chain certificate ${i + 1}`);

/** Strong key types with no size threshold of their own. */
const STRONG_KEY_TYPES = new Set(['ED25519', 'ED448', 'ML-DSA-44', 'ML-DSA-65', 'ML-DSA-87']);

function judgeCertificates(make: Make, facts: TlsEndpointFacts, gateway: Gateway, t: Thresholds, now: Date): Finding[] {
  if (facts.chain.length === 0) {
    const reason = facts.chainError ?? 'no certificate was seen';
    return CERTIFICATE_IDS.map((id) => make(id, 'error', { reason }, 'a certificate chain', reason));
  }
  const leaf = facts.chain[0]!;
  const findings: Finding[] = [];
  const describe = (c: CertificateFacts) => {
    const validity = c.validity.value ? `${day(c.validity.value.notBefore)} to ${day(c.validity.value.notAfter)}` : `validity unreadable: ${c.validity.error}`;
    const key = c.key.value ? `${c.key.value.type} ${c.key.value.bits}` : `key unreadable: ${c.key.error}`;
    const signature = c.signature.value ? c.signature.value.name : `signature unreadable: ${c.signature.error}`;
    return `${c.subject} (issuer ${c.issuer}, ${validity}, ${key}, ${signature})`;
  };
  const chainText = facts.chain.map((c, i) => `${i + 1}. ${describe(c)}`).join('\n');
  const unreadable = (c: CertificateFacts, i: number) => `${position(i)} cannot be parsed: ${c.validity.error ?? 'unknown fault'}`;

  if (facts.session) {
    findings.push(
      facts.session.authorized
        ? make('tls.certificate-trust', 'pass', { trust: 'system roots plus tls.trust' }, 'a chain to a trusted root', 'verified', chainText)
        : make('tls.certificate-trust', 'fail', { reason: facts.session.authorizationError ?? 'not trusted' }, 'a chain to a trusted root', facts.session.authorizationError ?? 'not trusted', chainText),
    );
  } else {
    findings.push(make('tls.certificate-trust', 'error', { reason: facts.sessionError ?? 'no full handshake' }, 'a chain to a trusted root', 'not verified', chainText));
  }

  const ipHost = isIP(gateway.host) !== 0;
  const names = leaf.subjectAltName ?? leaf.subject;
  const matches = leaf.readable ? hostMatches(leaf.der, gateway.host, ipHost) : undefined;
  if (matches === undefined) {
    const reason = leaf.readable ? 'the leaf certificate cannot be read by the name checker' : unreadable(leaf, 0);
    findings.push(make('tls.certificate-name', 'error', { reason }, `a name matching ${gateway.host}`, reason));
  } else {
    findings.push(
      matches
        ? make('tls.certificate-name', 'pass', { host: gateway.host }, `a name matching ${gateway.host}`, names)
        : make('tls.certificate-name', 'fail', { host: gateway.host, names }, `a name matching ${gateway.host}`, names),
    );
  }

  const validityExpected = `valid at ${now.toISOString()}`;
  const outOfDate: string[] = [];
  const undated: string[] = [];
  facts.chain.forEach((c, i) => {
    const v = c.validity.value;
    if (!v) undated.push(`${position(i)}: ${c.validity.error}`);
    else if (now > v.notAfter) outOfDate.push(`${position(i)} expired on ${day(v.notAfter)} (${Math.floor((now.getTime() - v.notAfter.getTime()) / DAY_MS)} days ago)`);
    else if (now < v.notBefore) outOfDate.push(`${position(i)} is not valid before ${day(v.notBefore)}`);
  });
  if (facts.chainTruncated) undated.push(unreadChainTail(facts));
  if (outOfDate.length > 0) {
    const problem = [...outOfDate, ...undated.map((u) => `dates unreadable for ${u}`)].join('; ');
    findings.push(make('tls.certificate-validity', 'fail', { problem }, validityExpected, problem, chainText));
  } else if (undated.length > 0) {
    const reason = `the validity period cannot be read: ${undated.join('; ')}`;
    findings.push(make('tls.certificate-validity', 'error', { reason }, validityExpected, reason, chainText));
  } else {
    const v = leaf.validity.value!;
    findings.push(make('tls.certificate-validity', 'pass', { notAfter: day(v.notAfter) }, validityExpected, `valid ${v.notBefore.toISOString()} to ${v.notAfter.toISOString()}`));
  }

  const expiringExpected = `more than ${t.expiryWarningDays} days left`;
  const leafValidity = leaf.validity.value;
  if (!leafValidity) {
    const reason = `the leaf's expiry date cannot be read: ${leaf.validity.error}`;
    findings.push(make('tls.certificate-expiring', 'error', { reason }, expiringExpected, reason));
  } else {
    const daysLeft = Math.floor((leafValidity.notAfter.getTime() - now.getTime()) / DAY_MS);
    const expiringParams = { days: daysLeft, notAfter: day(leafValidity.notAfter), warnDays: t.expiryWarningDays };
    if (daysLeft < 0) findings.push(make('tls.certificate-expiring', 'not_applicable', { reason: 'the certificate has already expired (see validity)' }, expiringExpected, `${daysLeft} days`));
    else findings.push(make('tls.certificate-expiring', daysLeft < t.expiryWarningDays ? 'fail' : 'pass', expiringParams, expiringExpected, `${daysLeft} days`));
  }

  findings.push(judgeKey(make, facts, t));
  findings.push(judgeSignatures(make, facts, t));

  if (facts.chainSource !== 'sent') {
    findings.push(make('tls.certificate-chain-order', 'not_tested', { reason: 'only TLS 1.3 is accepted, which encrypts the certificate message; the order as sent cannot be read' }, 'each certificate followed by its issuer', 'unknown'));
  } else if (facts.chain.some((c) => !c.readable) || facts.chainTruncated) {
    const reason = facts.chainTruncated
      ? unreadChainTail(facts)
      : facts.chain.map((c, i) => (c.readable ? undefined : unreadable(c, i))).filter(Boolean).join('; ');
    findings.push(make('tls.certificate-chain-order', 'error', { reason }, 'each certificate followed by its issuer', reason, chainText));
  } else {
    const problem = chainOrderProblem(facts.chain.map((c) => c.der));
    findings.push(
      problem
        ? make('tls.certificate-chain-order', 'fail', { problem }, 'each certificate followed by its issuer', problem, chainText)
        : make('tls.certificate-chain-order', 'pass', { count: facts.chain.length }, 'each certificate followed by its issuer', 'in order'),
    );
  }
  return findings;
}

/** A chain longer than cocoscan reads: the certificates past the cap were never judged. */
function unreadChainTail(facts: TlsEndpointFacts): string {
  return `the server sent ${facts.chainTruncated} certificates, more than the ${facts.chain.length} read`;
}

/** Certificates whose own strength is judged: all but a trust anchor (the last, self-signed, not the leaf). */
function judgedCertificates(facts: TlsEndpointFacts): { c: CertificateFacts; i: number }[] {
  const last = facts.chain.length - 1;
  return facts.chain.map((c, i) => ({ c, i })).filter(({ c, i }) => i === 0 || i !== last || !c.selfSigned);
}

function keyVerdict(c: CertificateFacts, t: Thresholds): { status: 'pass' | 'fail' | 'error'; text: string } {
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
function judgeKey(make: Make, facts: TlsEndpointFacts, t: Thresholds): Finding {
  const expected = `RSA ≥ ${t.minRsaBits} bits, EC ≥ ${t.minEcBits} bits, or Ed25519/Ed448, on every certificate below the root`;
  const verdicts = judgedCertificates(facts).map(({ c, i }) => ({ ...keyVerdict(c, t), label: position(i) }));
  const describe = (list: typeof verdicts) => list.map((v) => (v.label === 'leaf' ? v.text : `${v.label}: ${v.text}`)).join('; ');
  const actual = describe(verdicts);
  const failed = verdicts.filter((v) => v.status === 'fail');
  const unread = verdicts.filter((v) => v.status === 'error');
  if (facts.chainTruncated) unread.push({ status: 'error', text: unreadChainTail(facts), label: 'chain' });
  if (failed.length > 0) return make('tls.certificate-key', 'fail', { key: describe([...failed, ...unread]) }, expected, actual);
  if (unread.length > 0) {
    const reason = describe(unread);
    return make('tls.certificate-key', 'error', { reason }, expected, actual);
  }
  return make('tls.certificate-key', 'pass', { key: actual }, expected, actual);
}

/**
 * Every certificate's signature hash is judged, except a trust anchor's: the last certificate of the chain,
 * not the leaf, whose own key verifies its signature. Roots are trusted by presence, not by their signature.
 */
function judgeSignatures(make: Make, facts: TlsEndpointFacts, t: Thresholds): Finding {
  const expected = `no ${t.bannedSignatureHashes.join('/')} signatures below the root`;
  const last = facts.chain.length - 1;
  const judged = judgedCertificates(facts);
  const banned = new Set<string>(t.bannedSignatureHashes);
  const weak = judged.filter(({ c }) => c.signature.value?.hash !== undefined && banned.has(c.signature.value.hash));
  const unread = judged.filter(({ c }) => !c.signature.value);
  const signatures = facts.chain
    .map((c, i) => `${position(i)} ${c.subject}: ${c.signature.value?.name ?? `unreadable (${c.signature.error})`}${i === last && i > 0 && c.selfSigned ? ' [trust anchor, not judged]' : ''}`)
    .join('; ');
  const unreadText = unread.map(({ c, i }) => `${position(i)}: ${c.signature.error}`);
  if (weak.length > 0) {
    const text = weak.map(({ c, i }) => `${position(i)} ${c.subject} (${c.signature.value!.name})`).join('; ');
    return make('tls.certificate-signature', 'fail', { weak: unreadText.length > 0 ? `${text}; also unreadable: ${unreadText.join('; ')}` : text }, expected, signatures);
  }
  if (unread.length > 0 || facts.chainTruncated) {
    const reason = unread.length > 0 ? `signature algorithm unreadable for ${unreadText.join('; ')}` : `the server sent ${facts.chainTruncated} certificates, more than the ${facts.chain.length} read`;
    return make('tls.certificate-signature', 'error', { reason }, expected, signatures);
  }
  return make('tls.certificate-signature', 'pass', { signatures }, expected, signatures);
}

function isWeakGroup(group: number, t: Thresholds): boolean {
  const bits = GROUP_BITS.get(group);
  if (bits === undefined) return group < 23; // binary and small prime curves
  if (group >= 256 && group <= 260) return bits < t.minDhBits;
  // x25519 is a 255-bit field with ~128-bit strength, accepted wherever 256-bit curves are.
  return bits < t.minEcBits && !(group === 29 || group === 0x11ec || group === 0x6399);
}

const WEAKNESS_ORDER: SuiteClass[] = ['null', 'anon', 'export', 'weak-bits', 'des', 'rc4', 'md5', '3des', 'static-dh', 'static-rsa', 'cbc'];

/** Higher is weaker: the worst class of the suite counts. */
function weakness(code: number, classes: readonly SuiteClass[]): number {
  const own = suiteByCode(code).classes.filter((c) => classes.includes(c));
  return Math.max(...own.map((c) => WEAKNESS_ORDER.length - WEAKNESS_ORDER.indexOf(c)), 0);
}

function classesOf(code: number, classes: readonly SuiteClass[]): string {
  return suiteByCode(code).classes.filter((c) => classes.includes(c)).join(', ');
}

function summarise(facts: TlsEndpointFacts): unknown {
  return {
    endpoint: facts.endpoint,
    durationMs: facts.durationMs,
    handshakes: facts.scan.handshakes,
    unusable: facts.unusable,
    versions: facts.scan.versions.map((v) => ({
      version: v.version,
      status: v.status,
      detail: v.detail,
      serverPreference: v.serverPreference,
      incomplete: v.incomplete,
      suites: v.suites.map((code) => ({ code: `0x${code.toString(16).padStart(4, '0')}`, name: suiteByCode(code).name, openssl: suiteByCode(code).openssl })),
      groups: v.groups.map(groupName),
      dhBits: v.dhBits,
    })),
    session: facts.session
      ? { protocol: facts.session.protocol, cipher: facts.session.cipher, authorized: facts.session.authorized, authorizationError: facts.session.authorizationError, http: facts.session.http }
      : undefined,
    sessionError: facts.sessionError,
    chainSource: facts.chainSource,
    chainTruncated: facts.chainTruncated,
    chain: facts.chain.map((c) => ({
      subject: c.subject,
      issuer: c.issuer,
      readable: c.readable,
      notBefore: c.validity.value?.notBefore,
      notAfter: c.validity.value?.notAfter,
      validityError: c.validity.error,
      sha256: c.sha256,
      key: c.key.value ? `${c.key.value.type} ${c.key.value.bits}${c.key.value.curve ? ` ${c.key.value.curve}` : ''}` : undefined,
      keyError: c.key.error,
      signature: c.signature.value?.name,
      signatureOid: c.signature.value?.oid,
      signatureError: c.signature.error,
      selfSigned: c.selfSigned,
    })),
  };
}
