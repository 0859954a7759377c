import type { Verdict } from '../../src/probe/contract.ts';
import { suiteByCode } from '../../src/tls/cipher-suites.ts';
import type { TlsChecksFacts } from '../../src/tls/checks/gather-checks.ts';
import { versionFromCode, versionRank, type TlsVersion } from '../../src/tls/versions.ts';
import type { InspectedEndpoint } from './facts.ts';
import { TLS_CHECK_FINDINGS } from './findings-checks.ts';
import type { TlsFindingId } from './findings.ts';
import { endpointVerdict, type EndpointSubject } from './verdict.ts';

export const CHECK_IDS = Object.keys(TLS_CHECK_FINDINGS) as (keyof typeof TLS_CHECK_FINDINGS)[];

type V = Verdict<TlsFindingId>;
const versionName = (code: number): string => versionFromCode(code) ?? `version 0x${code.toString(16)}`;

/** Pure: the single checks of one inspected endpoint. */
export function judgeChecks(on: EndpointSubject, e: InspectedEndpoint): V[] {
  const c = e.checks;
  const accepted = e.inspection.scan.versions.filter((v) => v.status === 'accepted');
  const legacyVersions = accepted.filter((v) => versionRank(v.version) < versionRank('TLSv1.3')).map((v) => v.version);
  const subject: EndpointSubject = { ...on, artefacts: [...on.artefacts, ...(e.artefacts.checks ? [e.artefacts.checks] : [])] };
  // Versions below TLS 1.3 the enumeration could not settle: "none accepted" cannot be read from them.
  const unsettled = e.inspection.scan.versions
    .filter((v) => versionRank(v.version) < versionRank('TLSv1.3') && (v.status === 'error' || v.incomplete !== undefined))
    .map((v) => `${v.version} ${v.status === 'error' ? 'could not be tested' : 'has a list that may be incomplete'}`);
  const ctx: Ctx = { on: subject, e, c, legacyVersions, unsettled };
  return [
    sslv2(ctx),
    sslv3(ctx),
    compression(ctx),
    secureRenegotiation(ctx),
    clientRenegotiation(ctx),
    fallback(ctx),
    heartbleed(ctx),
    robot(ctx),
    ocsp(ctx),
    transparency(ctx),
    usage(ctx),
    withoutSni(ctx),
    chainComplete(ctx),
  ];
}

interface Ctx {
  on: EndpointSubject;
  e: InspectedEndpoint;
  c: TlsChecksFacts;
  legacyVersions: TlsVersion[];
  /** Versions below TLS 1.3 whose answer is unknown or partial, said as reasons. */
  unsettled: string[];
}

/** When an answer rests on "no such version accepted" and the enumeration could not settle one: not tested, with why. */
const unsettledVerdict = (x: Ctx, id: TlsFindingId, expected: string, what: string): V | undefined =>
  x.unsettled.length === 0
    ? undefined
    : endpointVerdict(
        x.on,
        id,
        'not_tested',
        { reason: `${x.unsettled.join('; ')}, so ${what} cannot be ruled out` },
        expected,
        x.unsettled.join('; '),
      );

const error = (x: Ctx, id: TlsFindingId, reason: string, expected: string): V =>
  endpointVerdict(x.on, id, 'error', { reason }, expected, reason);

function sslv2(x: Ctx): V {
  const a = x.c.sslv2;
  const expected = 'no answer to an SSLv2 CLIENT-HELLO but a refusal';
  if (a.status === 'accepted') {
    const ciphers = a.ciphers.length > 0 ? a.ciphers.join(', ') : 'a SERVER-HELLO listing no cipher';
    return endpointVerdict(x.on, 'tls.sslv2', 'fail', { ciphers }, expected, `SSLv2 SERVER-HELLO: ${ciphers}`);
  }
  if (a.status === 'rejected') return endpointVerdict(x.on, 'tls.sslv2', 'pass', { detail: a.detail }, expected, a.detail);
  return error(x, 'tls.sslv2', `the SSLv2 CLIENT-HELLO got no clear answer: ${a.detail}`, expected);
}

function sslv3(x: Ctx): V {
  const v = x.e.inspection.scan.versions.find((r) => r.version === 'SSLv3');
  const expected = 'SSLv3 refused';
  if (!v) return error(x, 'tls.sslv3', 'SSLv3 was not tried', expected);
  if (v.status === 'accepted')
    return endpointVerdict(x.on, 'tls.sslv3', 'fail', { count: v.suites.length }, expected, `SSLv3 accepted, ${v.detail}`);
  if (v.status === 'rejected') return endpointVerdict(x.on, 'tls.sslv3', 'pass', { detail: v.detail }, expected, v.detail);
  return error(x, 'tls.sslv3', `the SSLv3 ClientHello got no usable answer: ${v.detail}`, expected);
}

/**
 * The hello below TLS 1.3 that compression, secure renegotiation and Heartbleed read: its answer, or the verdict
 * that stands for all three when there is none (TLS 1.3 only: does not apply; otherwise could not be checked).
 */
function legacyAnswer(x: Ctx, id: TlsFindingId, expected: string, none: string) {
  const l = x.c.legacy;
  if (l.status === 'answered') return l;
  if (x.legacyVersions.length === 0 && l.status === 'refused')
    return (
      unsettledVerdict(x, id, expected, 'a version below TLS 1.3') ??
      endpointVerdict(x.on, id, 'not_applicable', { reason: `the endpoint accepts only TLS 1.3, which has ${none}` }, expected, l.detail)
    );
  const why =
    l.status === 'refused'
      ? `a ClientHello below TLS 1.3 was refused (${l.detail}) although the enumeration saw ${x.legacyVersions.join(', ')} accepted`
      : `the ClientHello below TLS 1.3 got no usable answer: ${l.detail}`;
  return error(x, id, why, expected);
}

function compression(x: Ctx): V {
  const expected = 'the null compression method chosen when DEFLATE is offered';
  const l = legacyAnswer(x, 'tls.compression', expected, 'no compression');
  if (l.status !== 'answered') return l;
  const version = versionName(l.version);
  if (l.compression !== 0)
    return endpointVerdict(x.on, 'tls.compression', 'fail', { version }, expected, `compression method ${l.compression} chosen`);
  return endpointVerdict(
    x.on,
    'tls.compression',
    'pass',
    { detail: `chose no compression when offered DEFLATE (${version})` },
    expected,
    'method 0 chosen',
  );
}

function secureRenegotiation(x: Ctx): V {
  const expected = 'renegotiation_info in the ServerHello (RFC 5746)';
  const l = legacyAnswer(x, 'tls.secure-renegotiation', expected, 'no renegotiation');
  if (l.status !== 'answered') return l;
  const version = versionName(l.version);
  if (!l.secureRenegotiation)
    return endpointVerdict(x.on, 'tls.secure-renegotiation', 'fail', { version }, expected, 'no renegotiation_info');
  const detail = `answers renegotiation_info in its ${version} ServerHello (RFC 5746)`;
  return endpointVerdict(x.on, 'tls.secure-renegotiation', 'pass', { detail }, expected, 'renegotiation_info present');
}

function heartbleed(x: Ctx): V {
  const expected = 'no heartbeat reply longer than the request';
  const l = legacyAnswer(x, 'tls.heartbleed', expected, 'no heartbeat');
  if (l.status !== 'answered') return l;
  if (l.heartbeat === 'overread')
    return endpointVerdict(x.on, 'tls.heartbleed', 'fail', { detail: l.heartbeatDetail }, expected, l.heartbeatDetail);
  if (l.heartbeat === 'unclear') {
    const detail = `offers heartbeats, but the answer to the heartbeat request proves nothing: ${l.heartbeatDetail}`;
    return endpointVerdict(x.on, 'tls.heartbleed', 'not_tested', { reason: detail }, expected, l.heartbeatDetail);
  }
  const detail =
    l.heartbeat === 'not-supported'
      ? 'does not offer the heartbeat extension, so nothing can leak through it'
      : `offers heartbeats but did not over-read: ${l.heartbeatDetail}`;
  return endpointVerdict(x.on, 'tls.heartbleed', 'pass', { detail }, expected, l.heartbeatDetail);
}

function clientRenegotiation(x: Ctx): V {
  const r = x.c.clientRenegotiation;
  const expected = 'client-initiated renegotiation refused';
  if (r.status === 'accepted')
    return endpointVerdict(x.on, 'tls.client-renegotiation', 'fail', { protocol: r.protocol }, expected, 'renegotiation completed');
  if (r.status === 'refused') {
    const detail = `refuses client-initiated renegotiation (${r.detail})`;
    return endpointVerdict(x.on, 'tls.client-renegotiation', 'pass', { detail }, expected, r.detail);
  }
  if (r.status === 'unanswered') {
    const reason = `the server neither completed nor refused a client-initiated renegotiation (${r.detail})`;
    return endpointVerdict(x.on, 'tls.client-renegotiation', 'not_tested', { reason }, expected, r.detail);
  }
  if (r.status === 'no-legacy-handshake' && x.legacyVersions.length === 0) {
    const unsettled = unsettledVerdict(x, 'tls.client-renegotiation', expected, 'renegotiation below TLS 1.3');
    if (unsettled) return unsettled;
    const reason = 'the endpoint accepts only TLS 1.3, which has no renegotiation';
    return endpointVerdict(x.on, 'tls.client-renegotiation', 'not_applicable', { reason }, expected, r.detail);
  }
  return error(x, 'tls.client-renegotiation', `no handshake to renegotiate: ${r.detail}`, expected);
}

function fallback(x: Ctx): V {
  const f = x.c.fallback;
  const expected = 'inappropriate_fallback to a lower-version hello carrying TLS_FALLBACK_SCSV (RFC 7507)';
  const id = 'tls.fallback-scsv';
  switch (f.status) {
    case 'no-lower-version':
      return (
        unsettledVerdict(x, id, expected, 'a version to fall back to') ??
        endpointVerdict(
          x.on,
          id,
          'pass',
          { detail: `accepts no version below ${f.highest}: there is nothing to fall back to` },
          expected,
          f.highest,
        )
      );
    case 'refused':
      return endpointVerdict(
        x.on,
        id,
        'pass',
        { detail: `refuses a ${f.offered} hello carrying TLS_FALLBACK_SCSV with inappropriate_fallback (it supports ${f.highest})` },
        expected,
        'inappropriate_fallback',
      );
    case 'unclear': {
      const reason = `the ${f.offered} hello carrying TLS_FALLBACK_SCSV met ${f.detail}, which says nothing of the SCSV`;
      return endpointVerdict(x.on, id, 'not_tested', { reason }, expected, f.detail);
    }
    case 'other':
      return endpointVerdict(
        x.on,
        id,
        'pass',
        {
          detail: `refuses a ${f.offered} hello carrying TLS_FALLBACK_SCSV (${f.detail}, not inappropriate_fallback; it supports ${f.highest})`,
        },
        expected,
        f.detail,
      );
    case 'accepted':
      return endpointVerdict(
        x.on,
        id,
        'fail',
        {
          detail: `completes a ${f.offered} hello carrying TLS_FALLBACK_SCSV although it supports ${f.highest}: a forced downgrade goes unnoticed`,
        },
        expected,
        `${f.offered} ServerHello`,
      );
    case 'error':
      return error(x, id, `the fallback hello got no usable answer: ${f.detail}`, expected);
  }
}

function robot(x: Ctx): V {
  const r = x.c.robot;
  const expected = 'the same answer to every malformed RSA padding (no Bleichenbacher oracle)';
  switch (r.status) {
    case 'no-rsa':
      return (
        unsettledVerdict(x, 'tls.robot', expected, 'an RSA key-exchange suite') ??
        endpointVerdict(x.on, 'tls.robot', 'pass', { detail: 'accepts no RSA key-exchange suite, so ROBOT cannot apply' }, expected, 'none')
      );
    case 'no-oracle': {
      const detail = `answers five RSA key exchanges, one well padded and four not, alike (${r.answer}, ${r.version}): no padding oracle`;
      return endpointVerdict(x.on, 'tls.robot', 'pass', { detail }, expected, r.answer);
    }
    case 'oracle': {
      const answers = Object.entries(r.answers)
        .map(([variant, answer]) => `${variant}: ${answer}`)
        .join('; ');
      const detail =
        `answers RSA key exchanges differently by their padding (${answers}; ${r.version}): ` +
        "a Bleichenbacher oracle (ROBOT) that lets an attacker decrypt or sign with the server's key";
      return endpointVerdict(x.on, 'tls.robot', 'fail', { detail }, expected, answers);
    }
    case 'inconclusive': {
      const reason = `the ROBOT probe gave no clear answer: ${r.detail}`;
      return endpointVerdict(x.on, 'tls.robot', 'not_tested', { reason }, expected, r.detail);
    }
  }
}

function ocsp(x: Ctx): V {
  const o = x.c.ocsp;
  const expected = 'an OCSP response stapled when asked for (status_request)';
  if (o.status === 'error') return error(x, 'tls.ocsp-stapling', `the handshake asking for a staple failed: ${o.detail}`, expected);
  if (o.bytes === undefined)
    return endpointVerdict(x.on, 'tls.ocsp-stapling', 'fail', { detail: `asked with status_request over ${o.protocol}` }, expected, 'none');
  const detail = `${o.bytes} bytes, status ${o.responseStatus ?? 'unreadable'}, over ${o.protocol}`;
  return endpointVerdict(x.on, 'tls.ocsp-stapling', 'pass', { detail }, expected, detail);
}

function transparency(x: Ctx): V {
  const expected = 'SCTs in the certificate or the signed_certificate_timestamp extension';
  const u = x.c.leafUsage;
  if (u.status !== 'read') return error(x, 'tls.certificate-transparency', u.detail, expected);
  const inCertificate = u.usage.embeddedScts ?? 0;
  const inExtension = x.c.legacy.status === 'answered' ? (x.c.legacy.sctExtensionCount ?? 0) : undefined;
  const detail = `${inCertificate} in the certificate, ${inExtension ?? 'unknown (no hello below TLS 1.3 answered)'} in the TLS extension`;
  if (inCertificate + (inExtension ?? 0) > 0)
    return endpointVerdict(x.on, 'tls.certificate-transparency', 'pass', { detail }, expected, detail);
  return endpointVerdict(x.on, 'tls.certificate-transparency', 'fail', { detail }, expected, detail);
}

function usage(x: Ctx): V {
  const expected = 'extended key usage absent or with serverAuth; key usage allowing the accepted key exchanges';
  const u = x.c.leafUsage;
  if (u.status !== 'read') return error(x, 'tls.certificate-usage', u.detail, expected);
  const { keyUsage, extendedKeyUsage } = u.usage;
  const detail = `key usage ${keyUsage?.join(', ') || 'unrestricted'}; extended key usage ${extendedKeyUsage?.join(', ') || 'unrestricted'}`;
  const problems: string[] = [];
  if (extendedKeyUsage && !extendedKeyUsage.includes('serverAuth') && !extendedKeyUsage.includes('anyExtendedKeyUsage'))
    problems.push(`its extended key usage (${extendedKeyUsage.join(', ') || 'empty'}) lacks serverAuth`);
  if (keyUsage) {
    const suites = x.e.inspection.scan.versions.filter((v) => v.status === 'accepted').flatMap((v) => v.suites.map(suiteByCode));
    if (suites.some((s) => s.classes.includes('static-rsa')) && !keyUsage.includes('keyEncipherment'))
      problems.push(`its key usage (${keyUsage.join(', ')}) lacks keyEncipherment, which the accepted RSA key-exchange suites need`);
    const signing = suites.some((s) => !s.classes.includes('static-rsa') && s.au !== 'None');
    if (signing && !keyUsage.includes('digitalSignature'))
      problems.push(`its key usage (${keyUsage.join(', ')}) lacks digitalSignature, which the accepted (EC)DHE and TLS 1.3 suites need`);
  }
  if (problems.length > 0)
    return endpointVerdict(x.on, 'tls.certificate-usage', 'fail', { problem: problems.join('; ') }, expected, detail);
  return endpointVerdict(x.on, 'tls.certificate-usage', 'pass', { detail }, expected, detail);
}

function withoutSni(x: Ctx): V {
  const w = x.c.withoutSni;
  const expected = 'the same certificate with and without SNI';
  if (w.status === 'not-applicable') {
    const reason = 'the gateway is addressed by IP, so cocoscan sends no SNI: the certificate judged is the one served without it';
    return endpointVerdict(x.on, 'tls.certificate-without-sni', 'not_applicable', { reason }, expected, 'no SNI sent');
  }
  if (w.status === 'error') return error(x, 'tls.certificate-without-sni', `the handshake without SNI failed: ${w.detail}`, expected);
  const withSni = x.e.inspection.chain[0];
  if (!withSni) return error(x, 'tls.certificate-without-sni', 'no certificate was read with SNI to compare', expected);
  if (withSni.sha256 === w.sha256)
    return endpointVerdict(x.on, 'tls.certificate-without-sni', 'pass', { detail: w.subject || withSni.subject }, expected, w.sha256);
  const detail = `${w.subject || 'a certificate with no subject'} (SHA-256 ${w.sha256.slice(0, 16)}…) instead of ${withSni.subject}`;
  return endpointVerdict(x.on, 'tls.certificate-without-sni', 'fail', { detail }, expected, detail);
}

function chainComplete(x: Ctx): V {
  const p = x.c.leafIssuer;
  const expected = "the leaf's issuer sent in the chain or a trust anchor";
  if (p.status === 'unknown') return error(x, 'tls.certificate-chain-complete', p.detail, expected);
  if (p.status === 'missing')
    return endpointVerdict(x.on, 'tls.certificate-chain-complete', 'fail', { issuer: p.issuer }, expected, 'not found');
  const asSent = x.c.chainSource === 'sent' || x.c.chainSource === 'sent-tls13';
  // Node completes the chain from the trust store (tls.trust included): its chain cannot show what the server left out.
  if (p.foundIn === 'sent-chain' && !asSent) {
    const reason =
      "the chain as sent could not be read (TLS 1.3 only, and its Certificate message not decrypted): Node's chain may hold issuers the server never sent";
    return endpointVerdict(x.on, 'tls.certificate-chain-complete', 'not_tested', { reason }, expected, 'chain built by Node');
  }
  const detail = {
    'sent-chain': 'is sent in the chain',
    'trust-store': 'is a trust anchor',
    'self-signed': 'is the leaf itself (self-signed)',
  }[p.foundIn];
  return endpointVerdict(x.on, 'tls.certificate-chain-complete', 'pass', { issuer: p.issuer, detail }, expected, detail);
}

/**
 * tls.certificate-chain-order under TLS 1.3 only, from the Certificate message decrypted by the single checks;
 * undefined when the enumeration read the chain in clear (judge-certificates.ts judges it then).
 */
export function chainOrderUnderTls13(on: EndpointSubject, e: InspectedEndpoint): V | undefined {
  const order = e.checks.tls13ChainOrder;
  if (!order || e.inspection.chainSource === 'sent') return undefined;
  const expected = 'each certificate followed by its issuer';
  const subject: EndpointSubject = { ...on, artefacts: [...on.artefacts, ...(e.artefacts.checks ? [e.artefacts.checks] : [])] };
  if (order.status === 'error')
    return endpointVerdict(subject, 'tls.certificate-chain-order', 'error', { reason: order.detail }, expected, order.detail);
  return order.problem
    ? endpointVerdict(subject, 'tls.certificate-chain-order', 'fail', { problem: `${order.problem} (TLS 1.3)` }, expected, order.problem)
    : endpointVerdict(subject, 'tls.certificate-chain-order', 'pass', { count: order.count }, expected, 'in order (TLS 1.3)');
}
