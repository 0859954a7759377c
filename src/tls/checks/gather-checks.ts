/**
 * The single checks of one endpoint (testssl.sh's list), after its enumeration: every connection goes through
 * the endpoint's connection limit and has its own deadline.
 */
import { isIP } from 'node:net';
import type { LimitFunction } from 'p-limit';
import type { Endpoint } from '../hello-exchange.ts';
import type { TlsEndpointFacts } from '../inspect-endpoint.ts';
import { leafIssuerPresence, readLeafUsage, type IssuerPresence, type LeafUsageReadout } from './certificate-checks.ts';
import { probeFallback, type FallbackAnswer } from './fallback.ts';
import { probeLegacyFeatures, type LegacyFeatures } from './legacy-features.ts';
import {
  clientRenegotiation,
  leafWithoutSni,
  stapledOcsp,
  type RenegotiationAnswer,
  type ServedLeaf,
  type StapleAnswer,
} from './node-sessions.ts';
import { probeSslv2, type Sslv2Answer } from './sslv2.ts';
import { readTls13Chain, type Tls13Chain } from './tls13-chain.ts';
import { probeRobot, type RobotAnswer } from './robot.ts';
import { suiteByCode } from '../cipher-suites.ts';
import { versionRank } from '../versions.ts';
import { chainOrderProblem } from '../certificates.ts';

type OrError<T> = T | { status: 'error'; detail: string };

export interface TlsChecksFacts {
  sslv2: Sslv2Answer;
  /** One hello below TLS 1.3 offering DEFLATE, renegotiation_info, SCT and heartbeat. */
  legacy: LegacyFeatures;
  fallback: FallbackAnswer;
  /** ROBOT, asked only when an RSA key-exchange suite is accepted below TLS 1.3. */
  robot: RobotAnswer | { status: 'no-rsa' };
  clientRenegotiation: OrError<RenegotiationAnswer>;
  ocsp: OrError<{ status: 'answered' } & StapleAnswer>;
  /** The leaf served to a client that sends no SNI; not-applicable when the gateway is an IP address (no SNI is sent anyway). */
  withoutSni: OrError<({ status: 'served' } & ServedLeaf) | { status: 'not-applicable' }>;
  leafUsage: OrError<LeafUsageReadout>;
  leafIssuer: IssuerPresence;
  /** Where the chain behind `leafIssuer` came from: as sent below TLS 1.3, as sent under TLS 1.3 (decrypted), or as Node built it. */
  chainSource: TlsEndpointFacts['chainSource'] | 'sent-tls13';
  /**
   * The order of the chain as sent under TLS 1.3, read when the enumeration saw no chain in clear (TLS 1.3 only);
   * undefined otherwise. `problem` is the first break, as for older versions.
   */
  tls13ChainOrder?: { status: 'read'; count: number; problem?: string } | { status: 'error'; detail: string };
  /** Wall time of the single checks, which follow the enumeration, in ms. */
  addedMs: number;
}

export interface ChecksOptions {
  timeoutMs: number;
  limit: LimitFunction;
  signal: AbortSignal;
}

const error = (detail: string) => ({ status: 'error', detail }) as const;

/**
 * The single checks of one endpoint, after the enumeration (so that they never race its connections, and ask
 * only what its answers leave open), all at once through the endpoint's connection limit.
 */
export async function gatherTlsChecks(
  endpoint: Endpoint,
  inspection: TlsEndpointFacts,
  trust: readonly string[],
  options: ChecksOptions,
): Promise<TlsChecksFacts> {
  const begun = Date.now();
  const o = { timeoutMs: options.timeoutMs, signal: options.signal };
  const acceptedVersions = inspection.scan.versions.filter((v) => v.status === 'accepted').map((v) => v.version);
  const legacy = acceptedVersions.some((v) => v !== 'TLSv1.3');
  const none = 'the enumeration saw no version below TLS 1.3 accepted';
  const sni = endpoint.serverName && isIP(endpoint.serverName) === 0;
  const started = {
    sslv2: options.limit(() => probeSslv2(endpoint, o)),
    legacy: legacy
      ? options.limit(() => probeLegacyFeatures(endpoint, o))
      : Promise.resolve<LegacyFeatures>({ status: 'refused', detail: none }),
    clientRenegotiation: legacy
      ? options.limit(() => clientRenegotiation(endpoint, o)).then((r) => r.value ?? error(r.failure))
      : Promise.resolve<RenegotiationAnswer>({ status: 'no-legacy-handshake', detail: none }),
    ocsp: options
      .limit(() => stapledOcsp(endpoint, o))
      .then((r): TlsChecksFacts['ocsp'] => (r.value ? { status: 'answered', ...r.value } : error(r.failure))),
    withoutSni: sni
      ? options
          .limit(() => leafWithoutSni(endpoint, o))
          .then((r): TlsChecksFacts['withoutSni'] => (r.value ? { status: 'served', ...r.value } : error(r.failure)))
      : Promise.resolve<TlsChecksFacts['withoutSni']>({ status: 'not-applicable' }),
    // The chain as sent under TLS 1.3 matters only when no older version showed it in clear.
    tls13Chain:
      inspection.chainSource !== 'sent' && acceptedVersions.includes('TLSv1.3')
        ? options.limit(() => readTls13Chain(endpoint, o))
        : Promise.resolve<Tls13Chain>({ status: 'not-tls13', detail: 'not asked: the chain was read in clear' }),
  };
  const fallback =
    acceptedVersions.length > 0
      ? options.limit(() => probeFallback(endpoint, acceptedVersions, o))
      : Promise.resolve<FallbackAnswer>({ status: 'error', detail: 'no version was accepted' });
  const robot = robotTarget(inspection);
  const robotAnswer: Promise<TlsChecksFacts['robot']> = robot
    ? probeRobot(endpoint, robot.version, robot.suites, { timeoutMs: options.timeoutMs, signal: options.signal, limit: options.limit })
    : Promise.resolve({ status: 'no-rsa' });
  // Every check settles before any is read: one that throws must not leave the others' rejections unhandled.
  const thrown = (await Promise.allSettled([...Object.values(started), fallback, robotAnswer])).find((o) => o.status === 'rejected');
  if (thrown) throw thrown.reason;
  const leaf = inspection.chain[0];
  const tls13 = await started.tls13Chain;
  // Under TLS 1.3 only, the chain as sent (decrypted here) replaces the one Node built from the trust store.
  const useTls13 = inspection.chainSource !== 'sent' && tls13.status === 'read' && tls13.chain.length > 0;
  const der = useTls13 ? tls13.chain : inspection.chain.map((c) => c.der);
  const tls13ChainOrder: TlsChecksFacts['tls13ChainOrder'] =
    inspection.chainSource === 'sent'
      ? undefined
      : tls13.status === 'read'
        ? { status: 'read', count: tls13.chain.length, ...optional('problem', chainOrderProblem(tls13.chain)) }
        : { status: 'error', detail: `the TLS 1.3 Certificate message could not be read: ${tls13.detail}` };
  const facts: TlsChecksFacts = {
    sslv2: await started.sslv2,
    legacy: await started.legacy,
    fallback: await fallback,
    robot: await robotAnswer,
    clientRenegotiation: await started.clientRenegotiation,
    ocsp: await started.ocsp,
    withoutSni: await started.withoutSni,
    leafUsage: leaf ? readLeafUsage(leaf.der) : { status: 'error', detail: inspection.chainError ?? 'no certificate was read' },
    leafIssuer: leaf ? leafIssuerPresence(der, trust) : { status: 'unknown', detail: inspection.chainError ?? 'no certificate was read' },
    chainSource: useTls13 ? 'sent-tls13' : inspection.chainSource,
    ...(tls13ChainOrder ? { tls13ChainOrder } : {}),
    addedMs: 0,
  };
  facts.addedMs = Date.now() - begun;
  return facts;
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

/** The highest version below TLS 1.3 with an accepted RSA key-exchange suite, and those suites. */
function robotTarget(inspection: TlsEndpointFacts) {
  const candidates = inspection.scan.versions
    .filter((v) => v.status === 'accepted' && v.version !== 'TLSv1.3')
    .map((v) => ({ version: v.version, suites: v.suites.filter((code) => suiteByCode(code).classes.includes('static-rsa')) }))
    .filter((v) => v.suites.length > 0)
    .sort((a, b) => versionRank(b.version) - versionRank(a.version));
  return candidates[0];
}
