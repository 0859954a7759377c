import { describe, expect, it } from 'vitest';
import type { Verdict } from '../../src/probe/contract.ts';
import type { TlsEndpointFacts } from '../../src/tls/inspect-endpoint.ts';
import type { VersionResult } from '../../src/tls/enumerate.ts';
import { compareVerdicts, COMPARED_VERDICTS, PENDING_TLSCHECKS_VERDICTS, type TestsslFinding } from '../../scripts/bench-tls-verdicts.ts';

const version = (v: VersionResult['version'], status: VersionResult['status'], suites: number[] = []): VersionResult => ({
  version: v,
  status,
  detail: '',
  suites,
  groups: [],
});

// A legacy endpoint as the probe saw it: TLS 1.0 to 1.2, ECDHE-RSA-AES128-SHA (CBC), AES128-GCM-SHA256 (AEAD, static RSA).
const facts = {
  scan: {
    handshakes: 1,
    versions: [
      version('SSLv3', 'rejected'),
      version('TLSv1.0', 'accepted', [0xc013]),
      version('TLSv1.1', 'accepted', [0xc013]),
      version('TLSv1.2', 'accepted', [0xc013, 0x009c]),
      version('TLSv1.3', 'error'),
    ],
  },
} as unknown as TlsEndpointFacts;
const verdicts = [
  { id: 'tls.certificate-validity', status: 'fail' },
  { id: 'tls.certificate-trust', status: 'error' },
  { id: 'tls.certificate-name', status: 'pass' },
] as Verdict[];

// Findings as testssl.sh 3.0.8 writes them (taken from the zoo's runs).
const testssl: TestsslFinding[] = [
  { id: 'SSLv3', severity: 'OK', finding: 'not offered' },
  { id: 'TLS1', severity: 'LOW', finding: 'offered (deprecated)' },
  { id: 'TLS1_2', severity: 'OK', finding: 'offered' },
  { id: 'TLS1_3', severity: 'INFO', finding: 'not offered + downgraded to weaker protocol' },
  { id: 'cipherlist_AVERAGE', severity: 'LOW', finding: 'offered' },
  { id: 'cipherlist_3DES_IDEA', severity: 'INFO', finding: 'not offered' },
  { id: 'cipherlist_STRONG', severity: 'OK', finding: 'offered' },
  { id: 'cert_expirationStatus', severity: 'CRITICAL', finding: 'expired' },
  { id: 'cert_chain_of_trust', severity: 'CRITICAL', finding: 'failed (expired).' },
  { id: 'cert_trust', severity: 'OK', finding: 'Ok via SAN' },
  { id: 'secure_client_renego', severity: 'HIGH', finding: 'VULNERABLE, DoS threat' },
  { id: 'fallback_SCSV', severity: 'OK', finding: 'no protocol below TLS 1.2 offered' },
];

describe('named TLS verdicts, testssl.sh beside cocoscan', () => {
  const byId = new Map(compareVerdicts(testssl, { facts, verdicts }, COMPARED_VERDICTS).map((c) => [c.id, c]));

  it('reads versions from the probe and "offered" / "not offered" from testssl.sh', () => {
    expect(byId.get('SSLv3')).toMatchObject({ testssl: false, cocoscan: false });
    expect(byId.get('TLS1')).toMatchObject({ testssl: true, cocoscan: true });
    expect(byId.get('TLS1_2')).toMatchObject({ testssl: true, cocoscan: true });
    // A version the probe could not test, and a finding testssl.sh did not write, are not comparable.
    expect(byId.get('TLS1_3')).toMatchObject({ testssl: false, cocoscan: undefined });
    expect(byId.get('TLS1_1')).toMatchObject({ testssl: undefined, cocoscan: true });
  });

  it("classes accepted suites into testssl.sh's cipher categories", () => {
    expect(byId.get('cipherlist_AVERAGE')).toMatchObject({ testssl: true, cocoscan: true });
    expect(byId.get('cipherlist_3DES_IDEA')).toMatchObject({ testssl: false, cocoscan: false });
    expect(byId.get('cipherlist_STRONG')).toMatchObject({ testssl: true, cocoscan: true });
    expect(byId.get('cipherlist_NULL')?.cocoscan).toBe(false);
  });

  it('takes certificate verdicts from the judge: pass and fail only, an error is not comparable', () => {
    expect(byId.get('cert_expirationStatus')).toMatchObject({ testssl: false, cocoscan: false });
    expect(byId.get('cert_chain_of_trust')).toMatchObject({ testssl: false, cocoscan: undefined });
    expect(byId.get('cert_trust')).toMatchObject({ testssl: true, cocoscan: true });
  });

  it('reads the pending checks from testssl.sh and leaves cocoscan undefined until it has them', () => {
    const pending = new Map(compareVerdicts(testssl, { facts, verdicts }, PENDING_TLSCHECKS_VERDICTS).map((c) => [c.id, c]));
    expect(pending.get('secure_client_renego')).toMatchObject({ testssl: true, cocoscan: undefined });
    // "no protocol below TLS 1.2 offered" is no answer about the SCSV.
    expect(pending.get('fallback_SCSV')).toMatchObject({ testssl: undefined, cocoscan: undefined });
  });
});
