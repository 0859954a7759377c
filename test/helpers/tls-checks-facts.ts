import type { TlsChecksFacts } from '../../src/tls/checks/gather-checks.ts';

/** Single-check facts of a well-configured endpoint: every check passes; `leafSha256` is the SNI leaf's. */
export function goodChecks(leafSha256 = 'a1'.repeat(32), over: Partial<TlsChecksFacts> = {}): TlsChecksFacts {
  return {
    sslv2: { status: 'rejected', detail: 'alert protocol_version' },
    legacy: {
      status: 'answered',
      version: 0x0303,
      suite: 0xc02f,
      compression: 0,
      secureRenegotiation: true,
      heartbeat: 'not-supported',
      heartbeatDetail: 'the server does not offer heartbeats',
    },
    fallback: { status: 'refused', highest: 'TLSv1.3', offered: 'TLSv1.2' },
    robot: { status: 'no-rsa' },
    clientRenegotiation: {
      status: 'refused',
      protocol: 'TLSv1.2',
      detail: 'the server ended the renegotiation (ERR_SSL_NO_RENEGOTIATION)',
    },
    ocsp: { status: 'answered', bytes: 1500, responseStatus: 'successful', protocol: 'TLSv1.3' },
    withoutSni: { status: 'served', sha256: leafSha256, subject: 'CN=gw.example.net', protocol: 'TLSv1.3' },
    leafUsage: {
      status: 'read',
      usage: { keyUsage: ['digitalSignature', 'keyEncipherment'], extendedKeyUsage: ['serverAuth', 'clientAuth'], embeddedScts: 2 },
    },
    leafIssuer: { status: 'found', issuer: 'CN=Example Issuing CA', foundIn: 'sent-chain' },
    chainSource: 'sent',
    addedMs: 5,
    ...over,
  };
}
