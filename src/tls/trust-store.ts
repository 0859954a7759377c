import { readSafeTextSync } from '../input/safe-read.ts';
import { rootCertificates } from 'node:tls';

const SYSTEM_BUNDLES = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt', '/etc/ssl/cert.pem'];

let systemRoots: string[] | undefined;

/** The system's CA bundle (Debian, RHEL or BSD layout) plus Node's bundled roots. */
export function systemTrustStore(): string[] {
  if (!systemRoots) {
    const fromSystem = SYSTEM_BUNDLES.flatMap((path) => {
      try {
        return splitPem(readSafeTextSync(path, { kind: 'trust-file' }));
      } catch {
        return [];
      }
    });
    systemRoots = [...new Set([...fromSystem, ...rootCertificates])];
  }
  return systemRoots;
}

export function splitPem(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

export function derToPem(der: Buffer): string {
  const base64 = der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trimEnd();
  return `-----BEGIN CERTIFICATE-----\n${base64}\n-----END CERTIFICATE-----\n`;
}
