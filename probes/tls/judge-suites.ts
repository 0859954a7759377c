import type { Verdict } from '../../src/probe/contract.ts';
import { suiteByCode, suiteLabel, type SuiteClass } from '../../src/tls/cipher-suites.ts';
import { groupName } from '../../src/tls/groups.ts';
import type { TlsEndpointFacts } from '../../src/tls/inspect-endpoint.ts';
import type { TlsFindingId } from './findings.ts';
import type { TlsThresholds } from './thresholds.ts';
import { endpointVerdict, type EndpointSubject } from './verdict.ts';

// Field sizes of the elliptic-curve groups, and modulus sizes of the finite-field ones, for the thresholds.
// prettier-ignore
const GROUP_BITS = new Map<number, number>([
  [19, 192], [21, 224], [22, 256], [23, 256], [24, 384], [25, 521], [26, 256], [27, 384], [28, 512], [29, 255],
  [30, 448], [256, 2048], [257, 3072], [258, 4096], [259, 6144], [260, 8192], [0x11ec, 255], [0x11eb, 256],
  [0x6399, 255],
]);

const WEAKNESS_ORDER: SuiteClass[] = ['null', 'anon', 'export', 'weak-bits', 'des', 'rc4', 'md5', '3des', 'static-dh', 'static-rsa', 'cbc'];

type Accepted = TlsEndpointFacts['scan']['versions'][number];

const acceptedOf = (facts: TlsEndpointFacts): Accepted[] => facts.scan.versions.filter((v) => v.status === 'accepted');
const incompleteText = (incomplete: Accepted[]) => incomplete.map((v) => `${v.version}: ${v.incomplete}`).join('; ');

/** tls.cipher-suites (no banned class) and tls.cbc-suites (no warned class under TLS 1.2 or older). */
export function judgeSuites(on: EndpointSubject, facts: TlsEndpointFacts, t: TlsThresholds): Verdict<TlsFindingId>[] {
  const accepted = acceptedOf(facts);
  const incomplete = accepted.filter((v) => v.incomplete);
  const allSuites = accepted.flatMap((v) => v.suites.map((code) => ({ version: v.version, code })));
  const order = (v: Accepted) => (v.serverPreference === undefined ? '' : v.serverPreference ? ' [server order]' : ' [client order]');
  const suiteList = accepted.map((v) => `${v.version}: ${v.suites.map(suiteLabel).join(', ')}${order(v)}`).join('\n');
  return [judgeBanned(on, t, accepted, incomplete, allSuites, suiteList), judgeWarned(on, t, incomplete, allSuites, suiteList)];
}

type Offered = { version: Accepted['version']; code: number };

function judgeBanned(
  on: EndpointSubject,
  t: TlsThresholds,
  accepted: Accepted[],
  incomplete: Accepted[],
  allSuites: Offered[],
  suiteList: string,
) {
  const expected = `no ${t.bannedSuiteClasses.join('/')} suites`;
  const banned = allSuites.filter(({ code }) =>
    suiteByCode(code).classes.some((c) => (t.bannedSuiteClasses as readonly SuiteClass[]).includes(c)),
  );
  if (banned.length > 0) {
    const weakest = [...banned].sort((a, b) => weakness(b.code, t.bannedSuiteClasses) - weakness(a.code, t.bannedSuiteClasses))[0]!;
    return endpointVerdict(
      on,
      'tls.cipher-suites',
      'fail',
      {
        count: new Set(banned.map((b) => b.code)).size,
        weakest: `${suiteLabel(weakest.code)} [${classesOf(weakest.code, t.bannedSuiteClasses)}] under ${weakest.version}`,
      },
      expected,
      banned.map((b) => `${b.version} ${suiteLabel(b.code)} [${classesOf(b.code, t.bannedSuiteClasses)}]`).join('; '),
      suiteList,
      { banned: banned.map((b) => ({ version: b.version, code: b.code, name: suiteByCode(b.code).name })) },
    );
  }
  if (incomplete.length > 0)
    return endpointVerdict(
      on,
      'tls.cipher-suites',
      'error',
      { reason: incompleteText(incomplete) },
      'a complete list of accepted suites',
      suiteList,
    );
  const best = accepted[accepted.length - 1]!;
  const order = best.serverPreference
    ? `under ${best.version} the server picks ${suiteLabel(best.suites[0]!)} first`
    : `under ${best.version} the server follows the client's order`;
  return endpointVerdict(
    on,
    'tls.cipher-suites',
    'pass',
    { count: allSuites.length, order },
    expected,
    `${allSuites.length} accepted, none weak`,
    suiteList,
  );
}

function judgeWarned(on: EndpointSubject, t: TlsThresholds, incomplete: Accepted[], allSuites: Offered[], suiteList: string) {
  const classes = t.warnSuiteClasses.join('/');
  const expected = `no ${classes} suites`;
  const warned = allSuites.filter(
    ({ version, code }) =>
      version !== 'TLSv1.3' && suiteByCode(code).classes.some((c) => (t.warnSuiteClasses as readonly SuiteClass[]).includes(c)),
  );
  if (warned.length === 0 && incomplete.length > 0)
    return endpointVerdict(on, 'tls.cbc-suites', 'error', { reason: incompleteText(incomplete) }, expected, suiteList);
  if (warned.length > 0) {
    const params = { count: new Set(warned.map((w) => w.code)).size, classes, example: suiteLabel(warned[0]!.code) };
    return endpointVerdict(
      on,
      'tls.cbc-suites',
      'fail',
      params,
      expected,
      warned.map((w) => `${w.version} ${suiteLabel(w.code)}`).join('; '),
    );
  }
  return endpointVerdict(on, 'tls.cbc-suites', 'pass', { classes }, expected, 'none accepted');
}

/** tls.key-exchange: every accepted (EC)DHE group and DHE prime is strong enough. */
export function judgeKeyExchange(on: EndpointSubject, facts: TlsEndpointFacts, t: TlsThresholds): Verdict<TlsFindingId> {
  const accepted = acceptedOf(facts);
  const incomplete = accepted.filter((v) => v.incomplete);
  const groupsText = accepted
    .map((v) => `${v.version}: ${v.groups.map(groupName).join(', ') || 'no (EC)DHE groups'}${dhText(v)}`)
    .join('; ');
  const weak = accepted.flatMap((v) => [
    ...v.groups.filter((g) => isWeakGroup(g, t)).map((g) => `${v.version} ${groupName(g)}`),
    ...weakDh(v, t.minDhBits),
  ]);
  const expected = `EC groups of at least ${t.minEcBits} bits, DH of at least ${t.minDhBits} bits`;
  if (weak.length > 0) return endpointVerdict(on, 'tls.key-exchange', 'fail', { weak: weak.join(', ') }, expected, groupsText);
  if (incomplete.length > 0)
    return endpointVerdict(on, 'tls.key-exchange', 'error', { reason: incompleteText(incomplete) }, expected, groupsText);
  return endpointVerdict(on, 'tls.key-exchange', 'pass', { groups: groupsText }, expected, groupsText);
}

/** The DH primes read, per suite when they differ. */
function dhText(v: Accepted): string {
  const sizes = [...new Set((v.dhSuites ?? []).map((s) => s.bits))];
  if (sizes.length > 1) return `, DHE ${v.dhSuites!.map((s) => `${s.bits}-bit with ${suiteLabel(s.suite)}`).join(', ')}`;
  return v.dhBits ? `, DHE ${v.dhBits}-bit` : '';
}

/** Each DHE suite whose prime is too small (anonymous DH is often smaller than the rest), or the smallest prime. */
function weakDh(v: Accepted, minDhBits: number): string[] {
  if (v.dhSuites && v.dhSuites.length > 0)
    return v.dhSuites.filter((s) => s.bits < minDhBits).map((s) => `${v.version} DHE ${s.bits}-bit with ${suiteLabel(s.suite)}`);
  return v.dhBits && v.dhBits < minDhBits ? [`${v.version} DHE ${v.dhBits}-bit`] : [];
}

function isWeakGroup(group: number, t: TlsThresholds): boolean {
  const bits = GROUP_BITS.get(group);
  if (bits === undefined) return group < 23; // binary and small prime curves
  if (group >= 256 && group <= 260) return bits < t.minDhBits;
  // x25519 is a 255-bit field with ~128-bit strength, accepted wherever 256-bit curves are.
  return bits < t.minEcBits && !(group === 29 || group === 0x11ec || group === 0x6399);
}

/** Higher is weaker: the worst class of the suite counts. */
function weakness(code: number, classes: readonly SuiteClass[]): number {
  const own = suiteByCode(code).classes.filter((c) => classes.includes(c));
  return Math.max(...own.map((c) => WEAKNESS_ORDER.length - WEAKNESS_ORDER.indexOf(c)), 0);
}

function classesOf(code: number, classes: readonly SuiteClass[]): string {
  return suiteByCode(code)
    .classes.filter((c) => classes.includes(c))
    .join(', ');
}
