import pLimit, { type LimitFunction } from 'p-limit';
import { CIPHER_SUITES, suiteByCode } from './cipher-suites.ts';
import { ALL_GROUP_CODES, FFDHE_GROUP_CODES, groupName } from './groups.ts';
import { CLOSED_WITHOUT_ALERT, helloExchange, type Endpoint, type HelloOutcome } from './hello-exchange.ts';
import { TLS_VERSIONS, VERSION_CODE, versionFromCode, versionRank, type TlsVersion } from './versions.ts';
import { buildClientHello } from './wire.ts';

export interface VersionResult {
  version: TlsVersion;
  /** accepted: the server negotiated this version; rejected: it refused or chose another; error: no usable answer. */
  status: 'accepted' | 'rejected' | 'error';
  detail: string;
  /** Accepted suites; in the server's order of preference when `serverPreference` is true. */
  suites: number[];
  serverPreference?: boolean;
  /** Key-exchange groups accepted with this version (ECDHE and TLS 1.3). */
  groups: number[];
  /** Smallest finite-field DHE prime, when a DHE suite is accepted. */
  dhBits?: number;
  /**
   * The DHE prime size read per kind of accepted DHE suite (authentication and cipher strength: anonymous DH is
   * often smaller), each under the suite it was read with.
   */
  dhSuites?: { suite: number; bits: number }[];
  /** Set when an enumeration was cut short: the lists above may be incomplete. */
  incomplete?: string;
}

export interface TlsScanResult {
  versions: VersionResult[];
  /** DER certificates exactly as the server sent them (TLS 1.2 and older only; TLS 1.3 encrypts them). */
  sentChain?: Buffer[];
  handshakes: number;
}

export interface TlsScanOptions {
  endpoint: Endpoint;
  timeoutMs: number;
  /** Bound on simultaneous connections to this endpoint. */
  connections?: number;
  limit?: LimitFunction;
  signal?: AbortSignal;
}

// A suite's lowest version, on the same scale as versionRank (TLS 1.0 suites are TLS 1.1 suites too).
const RANK = new Map<string, number>([
  ['SSLv3', 0],
  ['TLSv1', 1],
  ['TLSv1.2', 3],
  ['TLSv1.3', 4],
]);

/** Suites a ClientHello of this version may offer. */
export function candidateSuites(version: TlsVersion): number[] {
  if (version === 'TLSv1.3') return CIPHER_SUITES.filter((s) => s.minVersion === 'TLSv1.3').map((s) => s.code);
  return CIPHER_SUITES.filter((s) => s.minVersion !== 'TLSv1.3' && (RANK.get(s.minVersion) ?? Infinity) <= versionRank(version)).map(
    (s) => s.code,
  );
}

/**
 * Finds the protocol versions, cipher suites and key-exchange groups a server accepts. Each version is
 * enumerated by offering every remaining suite and removing the one the server picks, so a version costs
 * (accepted suites + 1) handshakes, plus one to tell server from client preference. Versions run in
 * parallel, all connections bounded by a per-endpoint limit.
 */
export async function scanTls(options: TlsScanOptions): Promise<TlsScanResult> {
  const limit = options.limit ?? pLimit(options.connections ?? 6);
  let handshakes = 0;
  let sentChain: Buffer[] | undefined;
  let alertsSeen = 0;
  const exchange = (version: TlsVersion, suites: number[], groups: readonly number[] = ALL_GROUP_CODES, readFlight = false) =>
    limit(async (): Promise<HelloOutcome> => {
      handshakes += 1;
      const hello = buildClientHello({
        version: version === 'TLSv1.3' ? 0x0303 : VERSION_CODE[version],
        suites,
        groups,
        tls13: version === 'TLSv1.3',
        serverName: options.endpoint.serverName,
      });
      const outcome = await helloExchange(options.endpoint, hello, { timeoutMs: options.timeoutMs, readFlight, signal: options.signal });
      if (outcome.kind === 'hello' && outcome.certificates && !sentChain) sentChain = outcome.certificates;
      if (outcome.kind === 'alert') alertsSeen += 1;
      return outcome;
    });

  const versions = await Promise.all(
    TLS_VERSIONS.map(async (version) => {
      const result = await enumerateSuites(version, exchange);
      if (result.status === 'accepted') await enumerateKeyExchange(result, exchange);
      return result;
    }),
  );
  // RFC 7919 groups do not depend on the version: enumerated once, under the newest version with DHE suites
  // (each heavy for the server); older versions name the group their DHE hellos were given.
  const withDhe = versions.filter((v) => v.status === 'accepted' && v.version !== 'TLSv1.3' && v.suites.some((c) => familyOf(c) === 'DHE'));
  const newestDhe = withDhe.at(-1);
  if (newestDhe)
    await enumerateFfdheGroups(
      newestDhe,
      newestDhe.suites.filter((c) => familyOf(c) === 'DHE'),
      exchange,
    );
  // Only hellos that read the whole flight keep the chain: a server with static-RSA suites only needs one of its own.
  const legacy = versions.filter((v) => v.status === 'accepted' && v.version !== 'TLSv1.3').at(-1);
  if (!sentChain && legacy) await exchange(legacy.version, legacy.suites, ALL_GROUP_CODES, true);
  acceptHangUpsAsRefusals(versions, alertsSeen);
  return { versions, sentChain, handshakes };
}

/** A clean hang-up (FIN) without an alert; a reset is not one (firewalls and IPSs reset). */
function hungUp(outcome: HelloOutcome | undefined): boolean {
  return outcome?.kind === 'closed' && outcome.detail === CLOSED_WITHOUT_ALERT;
}

/** Why a list was cut short, and whether only by a hang-up without an alert (some servers refuse that way only). */
type Cut = { reason: string; byClose: boolean };
const CUTS = new WeakMap<VersionResult, Cut[]>();

function noteCut(result: VersionResult, reason: string, byClose: boolean): void {
  const cuts = CUTS.get(result) ?? [];
  cuts.push({ reason, byClose });
  CUTS.set(result, cuts);
  result.incomplete = cuts.map((c) => c.reason).join('; ');
}

/**
 * A server that never sent an alert and refused a whole version by hanging up cleanly (dovecot and slapd do so for
 * every refusal) says "no more" by hanging up: lists it ended that way are complete. Resets never count.
 */
function acceptHangUpsAsRefusals(versions: VersionResult[], alertsSeen: number): void {
  const refusesByClosing = versions.some((v) => v.status === 'rejected' && v.detail.startsWith(CLOSED_WITHOUT_ALERT));
  if (alertsSeen > 0 || !refusesByClosing) return;
  for (const v of versions) {
    const cuts = CUTS.get(v);
    if (!cuts?.some((c) => c.byClose)) continue;
    const rest = cuts.filter((c) => !c.byClose);
    CUTS.set(v, rest);
    if (rest.length > 0) v.incomplete = rest.map((c) => c.reason).join('; ');
    else delete v.incomplete;
    v.detail += '; the server refuses by hanging up, never with an alert, so a hang-up ended the lists';
  }
}

type ExchangeFn = (version: TlsVersion, suites: number[], groups?: readonly number[], readFlight?: boolean) => Promise<HelloOutcome>;

function negotiated(outcome: HelloOutcome): TlsVersion | undefined {
  return outcome.kind === 'hello' ? versionFromCode(outcome.hello.version) : undefined;
}

function refusal(outcome: HelloOutcome): string {
  switch (outcome.kind) {
    case 'alert':
      return `alert ${outcome.name}`;
    case 'closed':
      return outcome.detail;
    case 'failed':
      return outcome.reason;
    case 'hello':
      return `the server chose ${versionFromCode(outcome.hello.version) ?? `version 0x${outcome.hello.version.toString(16)}`}`;
  }
}

/**
 * Alerts that mean "nothing you offered is acceptable": the server's real "no more" once some suites or
 * groups were accepted. Any other alert, or a hang-up without one, says nothing about the rest of the list.
 */
const REFUSAL_ALERTS: ReadonlySet<number> = new Set([
  40 /* handshake_failure */, 70 /* protocol_version */, 71 /* insufficient_security */,
]);

/**
 * Asks once more when the server hangs up without an alert: an IPS or rate limiter resetting one connection
 * must not end an enumeration. Used only after something was accepted, so the cost is one connection per step.
 */
async function askAgainIfClosed(ask: () => Promise<HelloOutcome>): Promise<HelloOutcome> {
  const first = await ask();
  return first.kind === 'closed' ? ask() : first;
}

/**
 * Why an answer that picked nothing new does not end an enumeration honestly (undefined when it does):
 * after an accept, only a refusal alert or a ServerHello of another version is the server's "no more".
 */
function cutShort(outcome: HelloOutcome): string | undefined {
  switch (outcome.kind) {
    case 'hello':
      return undefined;
    case 'alert':
      return REFUSAL_ALERTS.has(outcome.alert.description)
        ? undefined
        : `the server answered with alert ${outcome.name}, which is not a refusal of what was offered`;
    case 'closed':
      return `${outcome.detail}, twice in a row, without a TLS alert (a firewall, IPS or rate limiter may be cutting connections)`;
    case 'failed':
      return outcome.reason;
  }
}

interface ListEnumeration {
  accepted: number[];
  /** The answer that ended the list: the server's last word, unless it picked a suite never offered. */
  end?: HelloOutcome;
  violation?: string;
}

/** Offers the list, removing each suite the server picks, until it picks none of what is left. */
async function enumerateList(version: TlsVersion, candidates: number[], exchange: ExchangeFn, askTwice = false): Promise<ListEnumeration> {
  const remaining = [...candidates];
  const accepted: number[] = [];
  for (let attempt = 0; remaining.length > 0 && attempt <= candidates.length; attempt += 1) {
    const ask = () => exchange(version, remaining);
    const outcome = accepted.length === 0 && !askTwice ? await ask() : await askAgainIfClosed(ask);
    if (outcome.kind !== 'hello' || negotiated(outcome) !== version) return { accepted, end: outcome };
    const index = remaining.indexOf(outcome.hello.suite);
    if (index < 0)
      return {
        accepted,
        violation: `the server chose suite 0x${outcome.hello.suite.toString(16).padStart(4, '0')}, which was not offered (a protocol violation)`,
      };
    accepted.push(outcome.hello.suite);
    remaining.splice(index, 1);
  }
  return { accepted };
}

/** A refusal of the version itself: no other list of suites can change it. */
function refusesVersion(outcome: HelloOutcome): boolean {
  return (outcome.kind === 'alert' && outcome.alert.description === 70) || outcome.kind === 'hello';
}

/** Key-exchange families: a server may abort on one (DHE without parameters) and still speak the version with another. */
function familyOf(code: number): string {
  const kx = suiteByCode(code).kx;
  if (kx === 'ECDH' || kx === 'ECDHEPSK' || kx === 'CECPQ1') return 'ECDHE';
  if (/^DH(\(\d+\))?$/.test(kx)) return 'DHE';
  if (/^RSA(\(\d+\))?$/.test(kx)) return 'RSA';
  return 'other';
}

async function enumerateSuites(version: TlsVersion, exchange: ExchangeFn): Promise<VersionResult> {
  const accepted: number[] = [];
  const result: VersionResult = { version, status: 'rejected', detail: '', suites: accepted, groups: [] };
  const first = await enumerateList(version, candidateSuites(version), exchange);
  accepted.push(...first.accepted);
  const firstEnd = first.end;
  const honestEnd = firstEnd === undefined ? first.violation === undefined : accepted.length > 0 && cutShort(firstEnd) === undefined;
  // Under TLS 1.3 suites and key exchange are apart: there are no families to try.
  if (firstEnd && accepted.length === 0 && (firstEnd.kind === 'failed' || refusesVersion(firstEnd) || version === 'TLSv1.3')) {
    result.status = firstEnd.kind === 'failed' ? 'error' : 'rejected';
    result.detail = refusal(firstEnd);
    return result;
  }
  const stopped = () => `suite enumeration stopped after ${accepted.length} accepted suite(s)`;
  if (first.violation) noteCut(result, `${stopped()}: ${first.violation}`, false);
  else if (!honestEnd && version === 'TLSv1.3') noteCut(result, `${stopped()}: ${cutShort(firstEnd!)}`, hungUp(firstEnd));
  else if (!honestEnd) {
    // One answer does not decide: a version is rejected only when no family of suites gets a hello.
    const cuts: Cut[] = [];
    for (const family of ['ECDHE', 'DHE', 'RSA', 'other']) {
      const suites = candidateSuites(version).filter((code) => familyOf(code) === family && !accepted.includes(code));
      if (suites.length === 0) continue;
      // Asked twice on a hang-up. Once the version is known to be spoken, a reset (a firewall's) leaves the family
      // untested; a clean hang-up (dovecot's abort on DHE without parameters) or an alert is the server's refusal.
      const spoken = accepted.length > 0;
      const part = await enumerateList(version, suites, exchange, true);
      accepted.push(...part.accepted);
      const end = part.end;
      const reset = end?.kind === 'closed' && !hungUp(end);
      const untested = end && (part.accepted.length > 0 || end.kind === 'failed' || (reset && spoken));
      const reason = part.violation ?? (untested ? cutShort(end) : undefined);
      if (reason) cuts.push({ reason: `${family} suites: ${reason}`, byClose: hungUp(end) });
    }
    if (accepted.length === 0) {
      result.detail = `${refusal(firstEnd!)} (and to each key-exchange family alone)`;
      if (cuts.length > 0) {
        result.status = 'error';
        result.detail = cuts.map((c) => c.reason).join('; ');
      }
      return result;
    }
    for (const cut of cuts) noteCut(result, `${stopped()}: ${cut.reason}`, cut.byClose);
  }
  result.status = 'accepted';
  result.detail = `${accepted.length} suite(s)`;
  if (accepted.length >= 2) {
    const reversed = [...accepted].reverse();
    const outcome = await exchange(version, reversed);
    if (outcome.kind === 'hello' && negotiated(outcome) === version) result.serverPreference = outcome.hello.suite === accepted[0];
  }
  return result;
}

/** The group a ServerHello (TLS 1.3) or ServerKeyExchange (TLS 1.2 and older) names, if any. */
function chosenGroup(outcome: HelloOutcome): number | undefined {
  return outcome.kind === 'hello' ? (outcome.hello.group ?? outcome.keyExchange?.group) : undefined;
}

/**
 * Takes one answer of the group enumeration: records a newly chosen group (next), or ends the enumeration,
 * with the reason when the end is not the server's honest "no more".
 */
function takeGroup(
  result: VersionResult,
  outcome: HelloOutcome,
  remaining: number[],
): { next: true } | { next: false; cutShort?: string; byClose?: boolean } {
  if (outcome.kind === 'hello' && negotiated(outcome) === result.version) {
    const group = chosenGroup(outcome);
    if (group === undefined) return { next: false, cutShort: 'the server chose a suite but named no key-exchange group' };
    const index = remaining.indexOf(group);
    if (index < 0)
      return { next: false, cutShort: `the server chose group ${groupName(group)}, which was not offered (a protocol violation)` };
    result.groups.push(group);
    remaining.splice(index, 1);
    return { next: true };
  }
  // The suites were just accepted with every group offered, so no group at all is never an honest end.
  return {
    next: false,
    cutShort: result.groups.length === 0 ? refusal(outcome) : cutShort(outcome),
    byClose: result.groups.length > 0 && hungUp(outcome),
  };
}

async function enumerateKeyExchange(result: VersionResult, exchange: ExchangeFn): Promise<void> {
  const version = result.version;
  const ecdhe = result.suites.filter(
    (code) => version === 'TLSv1.3' || suiteByCode(code).kx === 'ECDH' || suiteByCode(code).kx === 'ECDHEPSK',
  );
  const dhe = result.suites.filter((code) => version !== 'TLSv1.3' && familyOf(code) === 'DHE');
  if (ecdhe.length > 0) {
    const remaining = [...ALL_GROUP_CODES];
    for (let attempt = 0; remaining.length > 0 && attempt <= ALL_GROUP_CODES.length; attempt += 1) {
      const ask = () => exchange(version, ecdhe, remaining, version !== 'TLSv1.3');
      const outcome = result.groups.length === 0 ? await ask() : await askAgainIfClosed(ask);
      const step = takeGroup(result, outcome, remaining);
      if (step.next) continue;
      if (step.cutShort)
        noteCut(
          result,
          `group enumeration stopped after ${result.groups.length} accepted group(s): ${step.cutShort}`,
          step.byClose === true,
        );
      break;
    }
    if (result.groups.length === 0) noteCut(result, 'the server accepted (EC)DHE suites but no key-exchange group could be read', false);
  }
  if (dhe.length > 0) await measureDhe(result, dhe, exchange);
}

/**
 * The DH prime under each kind of accepted DHE suite: one hello each, offering every group, RFC 7919 ones included (GnuTLS
 * servers without DH parameters of their own answer DHE only then).
 */
async function measureDhe(result: VersionResult, dhe: number[], exchange: ExchangeFn): Promise<void> {
  const version = result.version;
  // Servers size DH by authentication and cipher strength (OpenSSL's automatic DH: anonymous 128-bit suites get
  // 1024 bits; a fixed callback by export), never by the rest of the suite: one suite of each kind is asked.
  const kinds = new Map<string, number>();
  for (const code of dhe) {
    const suite = suiteByCode(code);
    const kind = `${suite.kx}/${suite.au}/${suite.bits}`;
    if (!kinds.has(kind)) kinds.set(kind, code);
  }
  const measure = async (suite: number) => {
    const outcome = await exchange(version, [suite], ALL_GROUP_CODES, true);
    const ffdhe = outcome.kind === 'hello' ? outcome.keyExchange?.group : undefined;
    if (ffdhe !== undefined && !result.groups.includes(ffdhe)) result.groups.push(ffdhe);
    return { suite, bits: outcome.kind === 'hello' ? outcome.keyExchange?.dhBits : undefined };
  };
  // The first kind alone: a server whose flight cannot be read once (too large, no key exchange) is not asked again.
  const [first, ...others] = [...kinds.values()];
  const firstSize = await measure(first!);
  const sizes = [firstSize, ...(firstSize.bits ? await Promise.all(others.map(measure)) : [])];
  const read = sizes.filter((s): s is { suite: number; bits: number } => s.bits !== undefined && s.bits > 0);
  if (read.length > 0) {
    result.dhSuites = read;
    result.dhBits = Math.min(...read.map((s) => s.bits));
  }
  if (read.length < kinds.size) {
    const unread = sizes.filter((s) => !read.includes(s as { suite: number; bits: number })).map((s) => suiteByCode(s.suite).name);
    noteCut(result, `the DH parameters of ${unread.join(', ')} could not be read`, false);
  }
}

/** The RFC 7919 groups the server accepts, offered alone one fewer at a time. */
async function enumerateFfdheGroups(result: VersionResult, dhe: number[], exchange: ExchangeFn): Promise<void> {
  const version = result.version;
  const remaining = FFDHE_GROUP_CODES.filter((g) => !result.groups.includes(g));
  for (let attempt = 0; remaining.length > 0 && attempt < FFDHE_GROUP_CODES.length; attempt += 1) {
    // Offered alone, so a server that follows RFC 7919 must pick one of them or none.
    const outcome = await exchange(version, dhe, remaining, true);
    const group = outcome.kind === 'hello' ? outcome.keyExchange?.group : undefined;
    // A prime of its own, or a group not offered: the server does not follow RFC 7919, and the sizes above say it all.
    if (group === undefined || !remaining.includes(group)) break;
    if (!result.groups.includes(group)) result.groups.push(group);
    remaining.splice(remaining.indexOf(group), 1);
  }
}
