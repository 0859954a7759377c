import { readSafeText } from '../src/input/safe-read.ts';
import { isIP } from 'node:net';
import type { LimitFunction } from 'p-limit';
import { z } from 'zod';
import { speaksTls } from '../src/connection/flows.ts';
import type { Flow, Gateway } from '../src/connection/schema.ts';
import type { Finding, FindingStatus, FindingTarget } from '../src/findings.ts';
import { defineProbe, type FindingSpec, type ProbeContext } from '../src/probe/contract.ts';
import { chainOrderProblem, hostMatches, type CertificateFacts } from '../src/tls/certificates.ts';
import { suiteByCode, suiteLabel, type SuiteClass } from '../src/tls/cipher-suites.ts';
import { groupName } from '../src/tls/groups.ts';
import { inspectTlsEndpoint, type TlsEndpointFacts } from '../src/tls/inspect-endpoint.ts';
import { derToPem, splitPem, systemTrustStore } from '../src/tls/trust-store.ts';
import { TLS_VERSIONS, versionRank } from '../src/tls/versions.ts';

const SUITE_CLASSES = ['null', 'anon', 'export', 'rc4', 'des', '3des', 'static-rsa', 'static-dh', 'cbc', 'md5', 'weak-bits'] as const;
const DAY_MS = 86_400_000;
// Field sizes of the elliptic-curve groups, and modulus sizes of the finite-field ones, for the thresholds.
const GROUP_BITS: Record<number, number> = { 19: 192, 21: 224, 22: 256, 23: 256, 24: 384, 25: 521, 26: 256, 27: 384, 28: 512, 29: 255, 30: 448, 256: 2048, 257: 3072, 258: 4096, 259: 6144, 260: 8192, 0x11ec: 255, 0x11eb: 256, 0x6399: 255 };

const thresholds = z.strictObject({
  minVersion: z.enum(['TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'], { error: 'expected TLSv1.0, TLSv1.1, TLSv1.2 or TLSv1.3' }).default('TLSv1.2'),
  bannedSuiteClasses: z
    .array(z.enum(SUITE_CLASSES, { error: `expected one of ${SUITE_CLASSES.join(', ')}` }))
    .default(['null', 'anon', 'export', 'rc4', 'des', '3des', 'static-rsa', 'static-dh', 'md5', 'weak-bits']),
  warnSuiteClasses: z.array(z.enum(SUITE_CLASSES, { error: `expected one of ${SUITE_CLASSES.join(', ')}` })).default(['cbc']),
  minRsaBits: z.number().int().min(1024, { error: 'expected at least 1024' }).max(16384).default(2048),
  minEcBits: z.number().int().min(160, { error: 'expected at least 160' }).max(521).default(256),
  minDhBits: z.number().int().min(1024, { error: 'expected at least 1024' }).max(16384).default(2048),
  bannedSignatureHashes: z.array(z.enum(['MD5', 'SHA-1', 'SHA-224'], { error: 'expected MD5, SHA-1 or SHA-224' })).default(['MD5', 'SHA-1']),
  expiryWarningDays: z.number().int().min(0, { error: 'expected 0 to 365 days' }).max(365, { error: 'expected 0 to 365 days' }).default(30),
  requireHsts: z.boolean().default(true),
});
type Thresholds = z.output<typeof thresholds>;

const tlsFindings: Record<string, FindingSpec> = {
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
      pass: '{endpoint} sends Strict-Transport-Security: {value}',
      fail: '{endpoint} sends no Strict-Transport-Security header',
    },
  },
};

export default defineProbe({
  meta: {
    id: 'tls',
    title: 'TLS protocol versions, cipher suites and certificates',
    description:
      'On every declared flow that speaks TLS: which protocol versions, cipher suites and key-exchange groups the server accepts ' +
      '(raw ClientHellos, so legacy suites are testable), and whether its certificate chain is trusted, matches the gateway, is in date and uses strong keys and signatures.',
    requires: [],
    thresholds,
    findings: tlsFindings,
  },

  async run(ctx) {
    const flows = ctx.connection.flows.filter(speaksTls);
    if (flows.length === 0) {
      return ctx.connection.gateways.flatMap((gateway) =>
        Object.keys(tlsFindings).map((id) =>
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

async function inspectFlow(ctx: ProbeContext<Thresholds>, gateway: Gateway, flow: Flow, trust: string[], limit: LimitFunction): Promise<Finding[]> {
  const timeoutMs = ctx.connection.scan.probeTimeoutSeconds * 1000;
  const facts = await inspectTlsEndpoint(
    { host: gateway.host, port: flow.port, serverName: gateway.host },
    { timeoutMs, budgetMs: timeoutMs * 12, trust, http: flow.protocol === 'https', limit, signal: ctx.signal },
  );
  return judgeEndpoint(ctx, gateway, flow, facts);
}

function judgeEndpoint(ctx: ProbeContext<Thresholds>, gateway: Gateway, flow: Flow, facts: TlsEndpointFacts): Finding[] {
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
  const make = (id: string, status: FindingStatus, params: Record<string, string | number>, expected: string, actual: string, raw?: string, data?: Record<string, unknown>) =>
    ctx.finding({ id, target, status, params: { endpoint, ...params }, evidence: evidence(expected, actual, raw), data });

  if (facts.unusable) return Object.keys(tlsFindings).map((id) => make(id, 'error', { reason: facts.unusable! }, 'a TLS server', facts.unusable!));

  const accepted = facts.scan.versions.filter((v) => v.status === 'accepted');
  const findings: Finding[] = [];

  // What the endpoint offers, kept on tls.protocols so a later run can tell what changed.
  const state = {
    accepted: accepted.map((v) => v.version),
    suites: accepted.flatMap((v) => v.suites.map((code) => `${v.version}:${suiteByCode(code).name}`)),
    leaf: facts.chain[0] ? { sha256: facts.chain[0].sha256, subject: facts.chain[0].subject, issuer: facts.chain[0].issuer, notAfter: facts.chain[0].notAfter.toISOString() } : null,
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

  findings.push(...judgeCertificates(make, facts, gateway, t, ctx.now()));

  // HSTS.
  if (flow.protocol !== 'https' || !t.requireHsts) {
    findings.push(make('tls.hsts', 'not_applicable', { reason: flow.protocol !== 'https' ? `${flow.protocol} is not HTTP` : 'the profile does not require HSTS' }, 'HSTS on https flows', 'not checked'));
  } else if (facts.session?.httpHeaders) {
    const hsts = facts.session.httpHeaders['strict-transport-security'];
    findings.push(hsts ? make('tls.hsts', 'pass', { value: hsts }, 'a Strict-Transport-Security header', hsts) : make('tls.hsts', 'fail', {}, 'a Strict-Transport-Security header', 'header absent'));
  } else {
    findings.push(make('tls.hsts', 'error', { reason: facts.session?.httpError ?? facts.sessionError ?? 'no HTTP answer' }, 'a Strict-Transport-Security header', 'no HTTP response'));
  }
  return findings;
}

type Make = (id: string, status: FindingStatus, params: Record<string, string | number>, expected: string, actual: string, raw?: string, data?: Record<string, unknown>) => Finding;

function judgeCertificates(make: Make, facts: TlsEndpointFacts, gateway: Gateway, t: Thresholds, now: Date): Finding[] {
  const certIds = ['tls.certificate-trust', 'tls.certificate-name', 'tls.certificate-validity', 'tls.certificate-expiring', 'tls.certificate-key', 'tls.certificate-signature', 'tls.certificate-chain-order'];
  if (facts.chain.length === 0) {
    const reason = facts.chainError ?? 'no certificate was seen';
    return certIds.map((id) => make(id, 'error', { reason }, 'a certificate chain', reason));
  }
  const leaf = facts.chain[0]!;
  const findings: Finding[] = [];
  const describe = (c: CertificateFacts) => `${c.subject} (issuer ${c.issuer}, ${c.notBefore.toISOString().slice(0, 10)} to ${c.notAfter.toISOString().slice(0, 10)}, ${c.keyType} ${c.keyBits}, ${c.signatureAlgorithm})`;
  const chainText = facts.chain.map((c, i) => `${i + 1}. ${describe(c)}`).join('\n');

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
  findings.push(
    hostMatches(leaf.der, gateway.host, ipHost)
      ? make('tls.certificate-name', 'pass', { host: gateway.host }, `a name matching ${gateway.host}`, names)
      : make('tls.certificate-name', 'fail', { host: gateway.host, names }, `a name matching ${gateway.host}`, names),
  );

  const outOfDate = facts.chain
    .map((c, i) => (now > c.notAfter ? `${i === 0 ? 'leaf' : `chain certificate ${i + 1}`} expired on ${c.notAfter.toISOString().slice(0, 10)} (${Math.floor((now.getTime() - c.notAfter.getTime()) / DAY_MS)} days ago)` : now < c.notBefore ? `${i === 0 ? 'leaf' : `chain certificate ${i + 1}`} is not valid before ${c.notBefore.toISOString().slice(0, 10)}` : undefined))
    .filter((p): p is string => p !== undefined);
  findings.push(
    outOfDate.length > 0
      ? make('tls.certificate-validity', 'fail', { problem: outOfDate.join('; ') }, `valid at ${now.toISOString()}`, outOfDate.join('; '), chainText)
      : make('tls.certificate-validity', 'pass', { notAfter: leaf.notAfter.toISOString().slice(0, 10) }, `valid at ${now.toISOString()}`, `valid ${leaf.notBefore.toISOString()} to ${leaf.notAfter.toISOString()}`),
  );

  const daysLeft = Math.floor((leaf.notAfter.getTime() - now.getTime()) / DAY_MS);
  const expiringParams = { days: daysLeft, notAfter: leaf.notAfter.toISOString().slice(0, 10), warnDays: t.expiryWarningDays };
  if (daysLeft < 0) findings.push(make('tls.certificate-expiring', 'not_applicable', { reason: 'the certificate has already expired (see validity)' }, `more than ${t.expiryWarningDays} days left`, `${daysLeft} days`));
  else findings.push(make('tls.certificate-expiring', daysLeft < t.expiryWarningDays ? 'fail' : 'pass', expiringParams, `more than ${t.expiryWarningDays} days left`, `${daysLeft} days`));

  const key = `${leaf.keyType} ${leaf.keyBits} bits${leaf.curve ? ` (${leaf.curve})` : ''}`;
  const weakKey =
    (leaf.keyType === 'RSA' && leaf.keyBits < t.minRsaBits) || (leaf.keyType === 'EC' && leaf.keyBits < t.minEcBits) || leaf.keyType === 'DSA' || leaf.keyType === 'DH';
  findings.push(make('tls.certificate-key', weakKey ? 'fail' : 'pass', { key }, `RSA ≥ ${t.minRsaBits} bits, EC ≥ ${t.minEcBits} bits, or Ed25519/Ed448`, key));

  // Self-issued roots are trusted by presence, not by their signature, so only the others are judged.
  const signed = facts.chain.filter((c, i) => i === 0 || !c.selfIssued);
  const weakSignatures = signed.filter((c) => c.signatureHash && t.bannedSignatureHashes.includes(c.signatureHash as 'MD5' | 'SHA-1' | 'SHA-224'));
  const signatures = signed.map((c) => `${c.subject}: ${c.signatureAlgorithm}`).join('; ');
  findings.push(
    weakSignatures.length > 0
      ? make('tls.certificate-signature', 'fail', { weak: weakSignatures.map((c) => `${c.subject} (${c.signatureAlgorithm})`).join('; ') }, `no ${t.bannedSignatureHashes.join('/')} signatures`, signatures)
      : make('tls.certificate-signature', 'pass', { signatures }, `no ${t.bannedSignatureHashes.join('/')} signatures`, signatures),
  );

  if (facts.chainSource !== 'sent') {
    findings.push(make('tls.certificate-chain-order', 'not_tested', { reason: 'only TLS 1.3 is accepted, which encrypts the certificate message; the order as sent cannot be read' }, 'each certificate followed by its issuer', 'unknown'));
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

function isWeakGroup(group: number, t: Thresholds): boolean {
  const bits = GROUP_BITS[group];
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
    session: facts.session ? { protocol: facts.session.protocol, cipher: facts.session.cipher, authorized: facts.session.authorized, authorizationError: facts.session.authorizationError, httpHeaders: facts.session.httpHeaders } : undefined,
    sessionError: facts.sessionError,
    chainSource: facts.chainSource,
    chain: facts.chain.map((c) => ({ subject: c.subject, issuer: c.issuer, notBefore: c.notBefore, notAfter: c.notAfter, sha256: c.sha256, key: `${c.keyType} ${c.keyBits}`, signature: c.signatureAlgorithm })),
  };
}
