import { CocoscanError } from '../errors.ts';

/** A server's TLS bytes that do not follow the protocol (cut short, not TLS, oversized). */
export class TlsProtocolError extends CocoscanError {
  constructor(message: string) {
    super(message, 'check that the port speaks TLS; the evidence file of the endpoint has what was received');
  }
}

/** A certificate, or one field of it, that cannot be read. */
export class CertificateError extends CocoscanError {
  constructor(message: string) {
    super(
      message,
      'the chain file in the evidence folder holds the certificate as received; inspect it with `openssl x509 -inform pem -text`',
    );
  }
}
