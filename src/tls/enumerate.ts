import pLimit, { type LimitFunction } from 'p-limit';
import { CIPHER_SUITES, suiteByCode } from './cipher-suites.ts';
import { ALL_GROUP_CODES } from './groups.ts';
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
const RANK = new Map<string, number>([['SSLv3', 0], ['TLSv1', 1], ['TLSv1.2', 3], ['TLSv1.3', 4]]);

/** Suites a ClientHello of this version may offer. */
export function candidateSuites(version: TlsVersion): number[] {
  if (version === 'TLSv1.3') return CIPHER_SUITES.filter((s) => s.minVersion === 'TLSv1.3').map((s) => s.code);
  return CIPHER_SUITES.filter((s) => s.minVersion !== 'TLSv1.3' && (RANK.get(s.minVersion) ?? Infinity) <= versionRank(version)).map((s) => s.code);
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

async function enumerateSuites(version: TlsVersion, exchange: ExchangeFn): Promise<VersionResult> {
  const remaining = candidateSuites(version);
  const accepted: number[] = [];
  const result: VersionResult = { version, status: 'rejected', detail: '', suites: accepted, groups: [] };
  for (let attempt = 0; remaining.length > 0 && attempt <= candidateSuites(version).length; attempt += 1) {
    const outcome = await exchange(version, remaining);
    const chosen = negotiated(outcome);
    if (outcome.kind === 'hello' && chosen === version) {
      const suite = outcome.hello.suite;
      const index = remaining.indexOf(suite);
      if (index < 0) {
        result.incomplete = `the server chose suite 0x${suite.toString(16).padStart(4, '0')}, which was not offered`;
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
    if (outcome.kind === 'failed') result.incomplete = `enumeration stopped early: ${outcome.reason}`;
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

async function enumerateKeyExchange(result: VersionResult, exchange: ExchangeFn): Promise<void> {
  const version = result.version;
  const ecdhe = result.suites.filter((code) => version === 'TLSv1.3' || suiteByCode(code).kx === 'ECDH' || suiteByCode(code).kx === 'ECDHEPSK');
  const dhe = result.suites.filter((code) => version !== 'TLSv1.3' && suiteByCode(code).kx === 'DH');
  if (ecdhe.length > 0) {
    const remaining = [...ALL_GROUP_CODES];
    for (let attempt = 0; remaining.length > 0 && attempt <= ALL_GROUP_CODES.length; attempt += 1) {
      const outcome = await exchange(version, ecdhe, remaining, version !== 'TLSv1.3');
      const group = outcome.kind === 'hello' ? (outcome.hello.group ?? outcome.keyExchange?.group) : undefined;
      if (group === undefined || !remaining.includes(group)) {
        if (outcome.kind === 'failed') result.incomplete = `group enumeration stopped early: ${outcome.reason}`;
        break;
      }
      result.groups.push(group);
      remaining.splice(remaining.indexOf(group), 1);
    }
    if (result.groups.length === 0) result.incomplete ??= 'the server accepted (EC)DHE suites but no key-exchange group could be read';
  }
  if (dhe.length > 0) {
    const outcome = await exchange(version, dhe, ALL_GROUP_CODES.filter((g) => g < 256 || g > 260), true);
    if (outcome.kind === 'hello' && outcome.keyExchange?.dhBits) result.dhBits = outcome.keyExchange.dhBits;
    else result.incomplete ??= 'the server accepted DHE suites but its DH parameters could not be read';
  }
}
