/**
 * Named vulnerability verdicts, as testssl.sh's JSON and as cocoscan's TLS probe give them, each reduced to
 * one yes/no so the two can be compared per endpoint. A verdict either side cannot give is `undefined` and is
 * not counted.
 */
import type { Verdict } from '../src/probe/contract.ts';
import { suiteByCode, type CipherSuite } from '../src/tls/cipher-suites.ts';
import type { TlsEndpointFacts } from '../src/tls/inspect-endpoint.ts';

/** One object of testssl.sh's `--jsonfile` output. */
export interface TestsslFinding {
  id: string;
  severity: string;
  finding: string;
}

/** What cocoscan knows of one endpoint: the probe's facts and the TLS judge's verdicts on them. */
export interface CocoscanView {
  facts: TlsEndpointFacts;
  verdicts: Verdict[];
}

interface NamedVerdict {
  /** testssl.sh's finding id. */
  id: string;
  /** What `true` means. */
  meaning: string;
  testssl(finding: TestsslFinding): boolean | undefined;
  cocoscan(view: CocoscanView): boolean | undefined;
}

/** testssl.sh's "offered" / "not offered" findings (protocols and cipher categories). */
function offered(finding: TestsslFinding): boolean | undefined {
  if (/^not offered/i.test(finding.finding)) return false;
  if (/^offered/i.test(finding.finding)) return true;
  return undefined;
}

function versionAccepted(version: string) {
  return (view: CocoscanView) => {
    const result = view.facts.scan.versions.find((v) => v.version === version);
    return result?.status === 'error' || result === undefined ? undefined : result.status === 'accepted';
  };
}

function acceptedSuites(view: CocoscanView): CipherSuite[] {
  return view.facts.scan.versions.filter((v) => v.status === 'accepted').flatMap((v) => v.suites.map(suiteByCode));
}

/** Whether any accepted suite is in a testssl.sh cipher category, by cocoscan's own suite classes. */
function category(inCategory: (suite: CipherSuite) => boolean) {
  return (view: CocoscanView) => acceptedSuites(view).some(inCategory);
}

const has = (suite: CipherSuite, ...classes: string[]) => classes.some((c) => suite.classes.includes(c as CipherSuite['classes'][number]));

function judged(id: string) {
  return (view: CocoscanView): boolean | undefined => {
    const status = view.verdicts.find((v) => v.id === id)?.status;
    return status === 'pass' ? true : status === 'fail' ? false : undefined;
  };
}

/** All of the findings together: false when one fails; undefined when one is neither pass nor fail. */
function judgedTogether(...ids: string[]) {
  return (view: CocoscanView): boolean | undefined => {
    const answers = ids.map((id) => judged(id)(view));
    return answers.includes(undefined) ? undefined : answers.every(Boolean);
  };
}

/** The verdicts cocoscan gives today, with testssl.sh's cipher categories (testssl.sh 3.0, run_cipherlists). */
export const COMPARED_VERDICTS: readonly NamedVerdict[] = [
  ...(['SSLv3', 'TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const).map((version) => ({
    id: version === 'SSLv3' ? 'SSLv3' : version.replace('TLSv1.0', 'TLS1').replace('TLSv1.', 'TLS1_'),
    meaning: `${version} offered`,
    testssl: offered,
    cocoscan: versionAccepted(version),
  })),
  { id: 'cipherlist_NULL', meaning: 'NULL suites offered', testssl: offered, cocoscan: category((s) => has(s, 'null')) },
  { id: 'cipherlist_aNULL', meaning: 'anonymous suites offered', testssl: offered, cocoscan: category((s) => has(s, 'anon')) },
  {
    id: 'cipherlist_EXPORT',
    meaning: 'export suites offered',
    testssl: offered,
    cocoscan: category((s) => has(s, 'export') && !has(s, 'anon', 'null')),
  },
  {
    id: 'cipherlist_LOW',
    meaning: '64-bit, DES, RC2 or RC4 suites offered',
    testssl: offered,
    cocoscan: category((s) => has(s, 'rc4', 'des', 'weak-bits') && !has(s, 'export', 'anon', 'null')),
  },
  {
    id: 'cipherlist_3DES_IDEA',
    meaning: '3DES or IDEA suites offered',
    testssl: offered,
    cocoscan: category((s) => (has(s, '3des') || s.enc === 'IDEA') && !has(s, 'anon')),
  },
  {
    id: 'cipherlist_AVERAGE',
    meaning: 'CBC suites (AES, Camellia, ARIA, SEED) offered',
    testssl: offered,
    cocoscan: category((s) => has(s, 'cbc') && !has(s, '3des', 'des', 'anon', 'export') && s.enc !== 'IDEA' && s.enc !== 'RC2'),
  },
  {
    id: 'cipherlist_STRONG',
    meaning: 'AEAD suites offered',
    testssl: offered,
    cocoscan: category((s) => has(s, 'aead') && !has(s, 'anon')),
  },
  {
    id: 'cert_expirationStatus',
    meaning: 'certificate in date',
    testssl: (f) => (/expired/i.test(f.finding) ? false : f.severity === 'OK' || f.severity === 'INFO' ? true : undefined),
    cocoscan: judged('tls.certificate-validity'),
  },
  {
    id: 'cert_chain_of_trust',
    // OpenSSL's verification, which testssl.sh reports, also fails on dates; cocoscan judges dates apart.
    meaning: 'chain verifies to a trusted root, every certificate in date',
    testssl: (f) => (/^passed/i.test(f.finding) ? true : /^failed/i.test(f.finding) ? false : undefined),
    cocoscan: judgedTogether('tls.certificate-trust', 'tls.certificate-validity'),
  },
  {
    id: 'cert_trust',
    meaning: 'certificate names the host',
    testssl: (f) => (/^ok via/i.test(f.finding) ? true : /does not match|mismatch/i.test(f.finding) ? false : undefined),
    cocoscan: judged('tls.certificate-name'),
  },
];

/**
 * HOOK for the checks the tlschecks helper is adding (issue 17): each reads testssl.sh's finding already; its
 * `cocoscan` reader returns undefined until the probe gathers the fact, so it is reported as pending, not
 * counted. Fill in the reader (from TlsEndpointFacts or the verdict's id) and move the entry to COMPARED_VERDICTS.
 */
export const PENDING_TLSCHECKS_VERDICTS: readonly NamedVerdict[] = [
  { id: 'SSLv2', meaning: 'SSLv2 offered', testssl: offered, cocoscan: () => undefined },
  {
    id: 'heartbleed',
    meaning: 'vulnerable to Heartbleed',
    testssl: (f) => (/^not vulnerable/i.test(f.finding) ? false : /vulnerable/i.test(f.finding) ? true : undefined),
    cocoscan: () => undefined,
  },
  {
    id: 'secure_renego',
    meaning: 'secure renegotiation (RFC 5746) supported',
    testssl: (f) => (/^supported/i.test(f.finding) ? true : /not supported/i.test(f.finding) ? false : undefined),
    cocoscan: () => undefined,
  },
  {
    id: 'secure_client_renego',
    meaning: 'client-initiated renegotiation allowed',
    testssl: (f) => (/^not vulnerable/i.test(f.finding) ? false : /vulnerable/i.test(f.finding) ? true : undefined),
    cocoscan: () => undefined,
  },
  {
    id: 'fallback_SCSV',
    meaning: 'TLS_FALLBACK_SCSV honoured',
    testssl: (f) => (/^supported/i.test(f.finding) ? true : /not supported|downgrade/i.test(f.finding) ? false : undefined),
    cocoscan: () => undefined,
  },
  {
    id: 'CRIME_TLS',
    meaning: 'TLS compression offered',
    testssl: (f) => (/^not vulnerable/i.test(f.finding) ? false : /vulnerable/i.test(f.finding) ? true : undefined),
    cocoscan: () => undefined,
  },
];

export interface VerdictComparison {
  id: string;
  meaning: string;
  testssl: boolean | undefined;
  cocoscan: boolean | undefined;
}

/** Every named verdict for one endpoint, both sides. */
export function compareVerdicts(testssl: TestsslFinding[], view: CocoscanView, verdicts: readonly NamedVerdict[]): VerdictComparison[] {
  return verdicts.map((named) => {
    const finding = testssl.find((f) => f.id === named.id);
    return {
      id: named.id,
      meaning: named.meaning,
      testssl: finding ? named.testssl(finding) : undefined,
      cocoscan: named.cocoscan(view),
    };
  });
}
