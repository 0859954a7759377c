import type { LimitFunction } from 'p-limit';
import { describeCertificate, type CertificateFacts } from './certificates.ts';
import { scanTls, type TlsScanResult } from './enumerate.ts';
import type { Endpoint } from './hello-exchange.ts';
import { peerSession, type PeerSession } from './peer-session.ts';

export interface TlsEndpointFacts {
  endpoint: Endpoint;
  /** Why the endpoint could not be judged at all (refused, not TLS, …). */
  unusable?: string;
  scan: TlsScanResult;
  session?: PeerSession;
  sessionError?: string;
  /** The chain as sent (TLS 1.2 and older), or as Node saw it (TLS 1.3 only). */
  chain: CertificateFacts[];
  chainSource: 'sent' | 'node' | 'none';
  chainError?: string;
  durationMs: number;
}

export interface InspectOptions {
  timeoutMs: number;
  budgetMs: number;
  trust: string[];
  http: boolean;
  limit: LimitFunction;
  signal: AbortSignal;
}

/** Everything the TLS probe judges about one endpoint, gathered with bounded connections and time. */
export async function inspectTlsEndpoint(endpoint: Endpoint, options: InspectOptions): Promise<TlsEndpointFacts> {
  const started = Date.now();
  const signal = AbortSignal.any([options.signal, AbortSignal.timeout(options.budgetMs)]);
  const [scan, sessionResult] = await Promise.all([
    scanTls({ endpoint, timeoutMs: options.timeoutMs, limit: options.limit, signal }),
    options
      .limit(() => peerSession(endpoint, { timeoutMs: options.timeoutMs, trust: options.trust, http: options.http, signal }))
      .then(
        (session) => ({ session }),
        (error: Error) => ({ error: error.message }),
      ),
  ]);
  const facts: TlsEndpointFacts = {
    endpoint,
    scan,
    chain: [],
    chainSource: 'none',
    durationMs: 0,
    ...('session' in sessionResult ? { session: sessionResult.session } : { sessionError: sessionResult.error }),
  };
  if (signal.aborted && !options.signal.aborted) facts.unusable = `the TLS inspection passed its time budget of ${options.budgetMs} ms`;
  const accepted = scan.versions.filter((v) => v.status === 'accepted');
  if (accepted.length === 0 && !facts.unusable) {
    const reasons = [...new Set(scan.versions.map((v) => v.detail))];
    const errors = scan.versions.filter((v) => v.status === 'error');
    facts.unusable = errors.length > 0 ? `no usable TLS answer: ${errors[0]!.detail}` : `the server refused every ClientHello (${reasons.join('; ')})`;
  }
  const raw = scan.sentChain ?? facts.session?.chain;
  if (raw && raw.length > 0) {
    try {
      facts.chain = raw.map(describeCertificate);
      facts.chainSource = scan.sentChain ? 'sent' : 'node';
    } catch (error) {
      facts.chainError = `the certificate cannot be parsed: ${(error as Error).message}`;
    }
  } else {
    facts.chainError = facts.sessionError ? `no certificate: ${facts.sessionError}` : 'the server sent no certificate';
  }
  facts.durationMs = Date.now() - started;
  return facts;
}
