import { defineFindings, type FindingIdOf } from '../../src/probe/contract.ts';
import { TLS_CHECK_FINDINGS } from './findings-checks.ts';

export const TLS_FINDINGS = defineFindings({
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
  'tls.starttls': {
    severity: 'high',
    title: "TLS is offered through the protocol's upgrade (STARTTLS)",
    messages: {
      pass: '{endpoint} goes on to TLS after {step}',
      fail: '{endpoint} {problem}',
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
  ...TLS_CHECK_FINDINGS,
});
export type TlsFindingId = FindingIdOf<typeof TLS_FINDINGS>;

/** The findings judged from the certificate chain: a fault judging it spoils these only. */
export const CERTIFICATE_IDS: readonly TlsFindingId[] = [
  'tls.certificate-trust',
  'tls.certificate-name',
  'tls.certificate-validity',
  'tls.certificate-expiring',
  'tls.certificate-key',
  'tls.certificate-signature',
  'tls.certificate-chain-order',
];
