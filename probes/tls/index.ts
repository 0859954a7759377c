import { defineGatewayProbe } from '../../src/probe/contract.ts';
import { TLS_FINDINGS } from './findings.ts';
import { gatherTls } from './gather.ts';
import { judgeTls, observeTls } from './judge.ts';
import { tlsThresholds } from './thresholds.ts';

export default defineGatewayProbe({
  meta: {
    id: 'tls',
    title: 'TLS protocol versions, cipher suites and certificates',
    description:
      "On every declared flow that speaks TLS, from the first byte or through its protocol's upgrade (STARTTLS for SMTP, IMAP, " +
      "POP3, FTP, LDAP, XMPP, PostgreSQL, MySQL; RDP's negotiation), and on every open port no flow declares whose service " +
      'speaks TLS: whether the upgrade is offered, which protocol versions, cipher suites and key-exchange groups the server accepts ' +
      '(raw ClientHellos, so legacy suites are testable), and whether its certificate chain is trusted, matches the gateway, ' +
      'is in date and uses strong keys and signatures; and the single checks testssl.sh makes (SSLv2 and DROWN, SSLv3, compression, ' +
      'secure and client-initiated renegotiation, TLS_FALLBACK_SCSV, Heartbleed, ROBOT, OCSP stapling, SCTs, key usage, ' +
      'the certificate without SNI, a missing intermediate, chain order under TLS 1.3).',
    reads: [],
    thresholds: tlsThresholds,
    findings: TLS_FINDINGS,
  },

  gather: gatherTls,
  judge: judgeTls,
  observe: observeTls,
});
