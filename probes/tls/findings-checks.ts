import { defineFindings } from '../../src/probe/contract.ts';

/** The single checks a tester expects from testssl.sh; judged in judge-checks.ts. */
export const TLS_CHECK_FINDINGS = defineFindings({
  'tls.sslv2': {
    severity: 'critical',
    title: 'SSLv2 is refused',
    messages: {
      pass: '{endpoint} refuses SSLv2 ({detail})',
      fail: '{endpoint} accepts SSLv2 ({ciphers}): its RSA key is exposed to DROWN, on every service that shares it',
    },
  },
  'tls.sslv3': {
    severity: 'high',
    title: 'SSLv3 is refused',
    messages: {
      pass: '{endpoint} refuses SSLv3 ({detail})',
      fail: '{endpoint} accepts SSLv3 ({count} suite(s)): POODLE, and no modern client needs it',
    },
  },
  'tls.compression': {
    severity: 'high',
    title: 'TLS compression is refused',
    messages: {
      pass: '{endpoint} {detail}',
      fail: '{endpoint} chose DEFLATE compression when offered it ({version}): secrets in the traffic are exposed to CRIME',
    },
  },
  'tls.secure-renegotiation': {
    severity: 'medium',
    title: 'Secure renegotiation (RFC 5746) is supported',
    messages: {
      pass: '{endpoint} {detail}',
      fail: '{endpoint} sends no renegotiation_info in its {version} ServerHello: renegotiation is open to prefix injection (CVE-2009-3555)',
    },
  },
  'tls.client-renegotiation': {
    severity: 'low',
    title: 'Client-initiated renegotiation is refused',
    messages: {
      pass: '{endpoint} {detail}',
      fail: '{endpoint} lets the client renegotiate ({protocol}): each renegotiation costs the server a full handshake (denial of service)',
    },
  },
  'tls.fallback-scsv': {
    severity: 'low',
    title: 'TLS_FALLBACK_SCSV downgrade protection',
    messages: {
      pass: '{endpoint} {detail}',
      fail: '{endpoint} {detail}',
    },
  },
  'tls.heartbleed': {
    severity: 'critical',
    title: 'Not vulnerable to Heartbleed',
    messages: {
      pass: '{endpoint} {detail}',
      fail: '{endpoint} answered a heartbeat request with more bytes than it held ({detail}): its memory leaks (Heartbleed, CVE-2014-0160)',
    },
  },
  'tls.robot': {
    severity: 'high',
    title: 'Not vulnerable to ROBOT',
    messages: {
      pass: '{endpoint} {detail}',
      fail: '{endpoint} {detail}',
    },
  },
  'tls.ocsp-stapling': {
    severity: 'info',
    title: 'OCSP response is stapled',
    messages: {
      pass: '{endpoint} staples an OCSP response ({detail})',
      fail: '{endpoint} staples no OCSP response ({detail})',
    },
  },
  'tls.certificate-transparency': {
    severity: 'info',
    title: 'Certificate Transparency SCTs are provided',
    messages: {
      pass: '{endpoint} provides SCTs: {detail}',
      fail: '{endpoint} provides no SCT ({detail})',
    },
  },
  'tls.certificate-usage': {
    severity: 'high',
    title: 'Certificate usage allows TLS server authentication',
    messages: {
      pass: '{endpoint} leaf certificate usage allows server authentication ({detail})',
      fail: '{endpoint} leaf certificate does not allow this use: {problem}',
    },
  },
  'tls.certificate-without-sni': {
    severity: 'info',
    title: 'Certificate served without SNI',
    messages: {
      pass: '{endpoint} serves the same certificate with and without SNI ({detail})',
      fail: '{endpoint} serves another certificate without SNI: {detail}',
    },
  },
  'tls.certificate-chain-complete': {
    severity: 'high',
    title: "Chain includes the leaf's issuer",
    messages: {
      pass: "{endpoint} leaf's issuer ({issuer}) {detail}",
      fail: "{endpoint} chain lacks the leaf's issuer ({issuer}): it is neither sent nor a trust anchor (a missing intermediate)",
    },
  },
});
