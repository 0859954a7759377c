import pLimit, { type LimitFunction } from 'p-limit';
import { CIPHER_SUITES, suiteByCode } from './cipher-suites.ts';
import { ALL_GROUP_CODES, groupName } from './groups.ts';
import { helloExchange, type Endpoint, type HelloOutcome } from './hello-exchange.ts';
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
  /** Finite-field DHE prime size, when a DHE suite is accepted. */
  dhBits?: number;
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
      return outcome;
    });

  const versions = await Promise.all(
    TLS_VERSIONS.map(async (version) => {
      const result = await enumerateSuites(version, exchange);
      if (result.status === 'accepted') await enumerateKeyExchange(result, exchange);
      return result;
    }),
  );
  return { versions, sentChain, handshakes };
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

async function enumerateSuites(version: TlsVersion, exchange: ExchangeFn): Promise<VersionResult> {
  const remaining = candidateSuites(version);
  const accepted: number[] = [];
  const result: VersionResult = { version, status: 'rejected', detail: '', suites: accepted, groups: [] };
  for (let attempt = 0; remaining.length > 0 && attempt <= candidateSuites(version).length; attempt += 1) {
    const outcome = accepted.length === 0 ? await exchange(version, remaining) : await askAgainIfClosed(() => exchange(version, remaining));
    const chosen = negotiated(outcome);
    if (outcome.kind === 'hello' && chosen === version) {
      const suite = outcome.hello.suite;
      const index = remaining.indexOf(suite);
      if (index < 0) {
        result.incomplete = `the server chose suite 0x${suite.toString(16).padStart(4, '0')}, which was not offered (a protocol violation)`;
        break;
      }
      accepted.push(suite);
      remaining.splice(index, 1);
      continue;
    }
    if (accepted.length === 0) {
      result.status = outcome.kind === 'failed' ? 'error' : 'rejected';
      result.detail = refusal(outcome);
      return result;
    }
    const reason = cutShort(outcome);
    if (reason) result.incomplete = `suite enumeration stopped after ${accepted.length} accepted suite(s): ${reason}`;
    break;
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
function takeGroup(result: VersionResult, outcome: HelloOutcome, remaining: number[]): { next: true } | { next: false; cutShort?: string } {
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
  return { next: false, cutShort: result.groups.length === 0 ? refusal(outcome) : cutShort(outcome) };
}

async function enumerateKeyExchange(result: VersionResult, exchange: ExchangeFn): Promise<void> {
  const version = result.version;
  const ecdhe = result.suites.filter(
    (code) => version === 'TLSv1.3' || suiteByCode(code).kx === 'ECDH' || suiteByCode(code).kx === 'ECDHEPSK',
  );
  const dhe = result.suites.filter((code) => version !== 'TLSv1.3' && suiteByCode(code).kx === 'DH');
  if (ecdhe.length > 0) {
    const remaining = [...ALL_GROUP_CODES];
    for (let attempt = 0; remaining.length > 0 && attempt <= ALL_GROUP_CODES.length; attempt += 1) {
      const ask = () => exchange(version, ecdhe, remaining, version !== 'TLSv1.3');
      const outcome = result.groups.length === 0 ? await ask() : await askAgainIfClosed(ask);
      const step = takeGroup(result, outcome, remaining);
      if (step.next) continue;
      if (step.cutShort)
        result.incomplete ??= `group enumeration stopped after ${result.groups.length} accepted group(s): ${step.cutShort}`;
      break;
    }
    if (result.groups.length === 0) result.incomplete ??= 'the server accepted (EC)DHE suites but no key-exchange group could be read';
  }
  if (dhe.length > 0) {
    const outcome = await exchange(
      version,
      dhe,
      ALL_GROUP_CODES.filter((g) => g < 256 || g > 260),
      true,
    );
    if (outcome.kind === 'hello' && outcome.keyExchange?.dhBits) result.dhBits = outcome.keyExchange.dhBits;
    else result.incomplete ??= 'the server accepted DHE suites but its DH parameters could not be read';
  }
}
