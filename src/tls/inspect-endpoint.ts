import type { LimitFunction } from 'p-limit';
import { describeCertificate, type CertificateFacts } from './certificates.ts';
import { scanTls, type TlsScanResult } from './enumerate.ts';
import { chainTrust, type ChainTrust } from './chain-trust.ts';
import type { Endpoint } from './hello-exchange.ts';
import type { HttpHeadOutcome } from './http-head.ts';
import { peerSession, type PeerSession } from './peer-session.ts';
import { checkUpgrade, type UpgradeFacts } from './upgrade/check.ts';

/** Certificates of one chain read at most; real chains hold two to four. */
export const MAX_CHAIN_CERTIFICATES = 16;

export interface TlsEndpointFacts {
  endpoint: Endpoint;
  /** How the protocol's upgrade to TLS went (STARTTLS and kin); absent for implicit TLS. */
  upgrade?: UpgradeFacts;
  /** Why the endpoint could not be judged at all (refused, not TLS, …). */
  failure?: string;
  scan: TlsScanResult;
  session?: PeerSession;
  sessionError?: string;
  /** The chain as sent (TLS 1.2 and older), or as Node saw it (TLS 1.3 only). */
  chain: CertificateFacts[];
  chainSource: 'sent' | 'node' | 'none';
  chainError?: string;
  /** Set to the number sent when the chain held more than MAX_CHAIN_CERTIFICATES. */
  chainTruncated?: number;
  /** The chain checked against the trust store on its own (names and dates aside); absent when no chain was seen. */
  trust?: ChainTrust;
  durationMs: number;
}

export interface InspectOptions {
  timeoutMs: number;
  budgetMs: number;
  trust: string[];
  /** Read the HTTP response head after the handshake (https flows), with this deadline and byte cap. */
  http?: { timeoutMs: number; maxBytes: number };
  limit: LimitFunction;
  signal: AbortSignal;
}

async function httpStep(endpoint: Endpoint, options: InspectOptions): Promise<HttpHeadOutcome> {
  const http = options.http!;
  // The handshake's deadline plus the request's: the step is bounded by its own time, never by the scan's.
  const signal = AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs + http.timeoutMs)]);
  try {
    const session = await options.limit(() => peerSession(endpoint, { timeoutMs: options.timeoutMs, trust: options.trust, http, signal }));
    return session.http ?? { ok: false, reason: 'no HTTP request was made', bytes: 0 };
  } catch (error) {
    return { ok: false, reason: `the TLS handshake for the HTTP request failed: ${(error as Error).message}`, bytes: 0 };
  }
}

/** Everything the TLS probe judges about one endpoint, gathered with bounded connections and time. */
export async function inspectTlsEndpoint(endpoint: Endpoint, options: InspectOptions): Promise<TlsEndpointFacts> {
  const started = Date.now();
  const signal = AbortSignal.any([options.signal, AbortSignal.timeout(options.budgetMs)]);
  let upgrade: UpgradeFacts | undefined;
  if (endpoint.upgrade) {
    // One conversation alone first: a server that will not upgrade is told once, not by every ClientHello.
    const dialect = endpoint.upgrade;
    upgrade = await options.limit(() => checkUpgrade({ ...endpoint, upgrade: dialect }, { timeoutMs: options.timeoutMs, signal }));
    if (!upgrade.upgraded) {
      return {
        endpoint,
        upgrade,
        failure: upgrade.failure,
        scan: { versions: [], handshakes: 0 },
        chain: [],
        chainSource: 'none',
        chainError: 'no TLS: the upgrade did not happen',
        durationMs: Date.now() - started,
      };
    }
  }
  const [scan, sessionResult] = await Promise.all([
    scanTls({ endpoint, timeoutMs: options.timeoutMs, limit: options.limit, signal }),
    options
      .limit(() => peerSession(endpoint, { timeoutMs: options.timeoutMs, trust: options.trust, signal }))
      .then(
        (session) => ({ session }),
        (error: Error) => ({ error: error.message }),
      ),
  ]);
  const facts: TlsEndpointFacts = {
    endpoint,
    ...(upgrade ? { upgrade } : {}),
    scan,
    chain: [],
    chainSource: 'none',
    durationMs: 0,
    ...('session' in sessionResult ? { session: sessionResult.session } : { sessionError: sessionResult.error }),
  };
  if (signal.aborted && !options.signal.aborted) facts.failure = `the TLS inspection passed its time budget of ${options.budgetMs} ms`;
  const accepted = scan.versions.filter((v) => v.status === 'accepted');
  if (accepted.length === 0 && !facts.failure) {
    const reasons = [...new Set(scan.versions.map((v) => v.detail))];
    const errors = scan.versions.filter((v) => v.status === 'error');
    facts.failure =
      errors.length > 0 ? `no usable TLS answer: ${errors[0]!.detail}` : `the server refused every ClientHello (${reasons.join('; ')})`;
  }
  const raw = scan.sentChain ?? facts.session?.chain;
  if (raw && raw.length > 0) {
    // Each certificate is read on its own: an unreadable one is marked so, the others keep their facts.
    facts.chain = raw.slice(0, MAX_CHAIN_CERTIFICATES).map(describeCertificate);
    facts.chainSource = scan.sentChain ? 'sent' : 'node';
    if (raw.length > MAX_CHAIN_CERTIFICATES) facts.chainTruncated = raw.length;
  } else {
    facts.chainError = facts.sessionError ? `no certificate: ${facts.sessionError}` : 'the server sent no certificate';
  }
  facts.trust = facts.chain.length > 0 ? chainTrust(raw!.slice(0, MAX_CHAIN_CERTIFICATES), options.trust) : undefined;
  // The HTTP step comes last, on a connection of its own with its own deadline (not the endpoint's budget): a server
  // that does not answer GET / (openssl s_server) or serves one client at a time spoils tls.hsts only.
  if (options.http && facts.session && !options.signal.aborted) facts.session.http = await httpStep(endpoint, options);
  facts.durationMs = Date.now() - started;
  return facts;
}
