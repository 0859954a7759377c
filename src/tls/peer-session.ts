import { connect, createSecureContext, type DetailedPeerCertificate, type PeerCertificate, type SecureContext } from 'node:tls';
import { isIP } from 'node:net';
import type { Endpoint } from './hello-exchange.ts';
import { openTlsReadySocket } from './tls-ready-socket.ts';
import { HTTP_HEAD_MAX_BYTES, readHttpHead, type HttpHeadOutcome } from './http-head.ts';

export interface PeerSession {
  protocol: string | null;
  cipher: string;
  /** Chain as Node saw it (leaf first, following issuers); DER. */
  chain: Buffer[];
  /** Whether the chain verifies against the trust store (the name is not part of it). */
  authorized: boolean;
  authorizationError?: string;
  /** The response head to `GET /` when asked for (https flows); a failure here never spoils the handshake facts. */
  http?: HttpHeadOutcome;
}

export interface PeerSessionOptions {
  timeoutMs: number;
  trust: string[];
  /** Ask `GET /` after the handshake, with its own deadline and byte cap. */
  http?: { timeoutMs: number; maxBytes?: number };
  signal?: AbortSignal;
}

/**
 * One full handshake with Node's TLS stack: whether the chain verifies against the trust store, the chain
 * itself (TLS 1.3 encrypts it, so the raw hello cannot see it), and optionally the HTTP response head. The
 * handshake deadline ends at the handshake; the HTTP step has its own, and its failure is recorded in `http`.
 */
const contexts = new Map<string, SecureContext>();

/**
 * One TLS context per trust list, shared by every handshake that uses it: a context made for each handshake parses the
 * whole trust store again (~50 ms) and holds its own copy in native memory (32 lab gateways: 317 MB peak, 248 MB shared).
 */
export function secureContextFor(trust: string[]): SecureContext {
  const key = trust.join('\n');
  let context = contexts.get(key);
  if (!context) {
    if (contexts.size >= 4) contexts.clear();
    contexts.set(key, (context = createSecureContext({ ca: trust, minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' })));
  }
  return context;
}

export async function peerSession(endpoint: Endpoint, options: PeerSessionOptions): Promise<PeerSession> {
  if (options.signal?.aborted) throw new Error('the TLS inspection was stopped before the handshake (time budget or cancellation)');
  // TCP and the protocol's upgrade (STARTTLS) first, each with its own deadline; then the handshake has its own.
  const plain = await openTlsReadySocket(endpoint, { timeoutMs: options.timeoutMs, signal: options.signal });
  return new Promise((resolve, reject) => {
    let settled = false;
    const socket = connect({
      socket: plain,
      // The name the certificate is checked against when no server name is sent (an address).
      host: endpoint.host,
      servername: endpoint.serverName && isIP(endpoint.serverName) === 0 ? endpoint.serverName : undefined,
      secureContext: secureContextFor(options.trust),
      rejectUnauthorized: false,
      // The name is judged on its own (tls.certificate-name): `authorized` says whether the chain verifies, nothing more.
      checkServerIdentity: () => undefined,
    });
    const onAbort = () => fail(new Error('the TLS inspection was stopped during the handshake (time budget or cancellation)'));
    const settle = () => {
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      socket.on('error', () => undefined);
      socket.destroy();
      plain.destroy();
    };
    const fail = (error: Error) => {
      if (settled) return;
      settle();
      reject(error);
    };
    const timer = setTimeout(() => fail(new Error(`no TLS handshake within ${options.timeoutMs} ms`)), options.timeoutMs);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('error', fail);
    socket.on('secureConnect', () => {
      clearTimeout(timer);
      const session: PeerSession = {
        protocol: socket.getProtocol(),
        cipher: socket.getCipher().standardName,
        chain: chainOf(socket.getPeerCertificate(true)),
        authorized: socket.authorized,
        authorizationError: socket.authorizationError ? String(socket.authorizationError) : undefined,
      };
      if (!options.http) {
        settle();
        return resolve(session);
      }
      // From here on the handshake facts are final: the HTTP step can only add to them.
      socket.off('error', fail);
      options.signal?.removeEventListener('abort', onAbort);
      const host = endpoint.serverName ?? endpoint.host;
      void readHttpHead(socket, {
        host: isIP(host) === 6 ? `[${host}]` : host,
        timeoutMs: options.http.timeoutMs,
        maxBytes: options.http.maxBytes ?? HTTP_HEAD_MAX_BYTES,
        signal: options.signal,
      }).then((http) => {
        settle();
        resolve({ ...session, http });
      });
    });
  });
}

function chainOf(leaf: DetailedPeerCertificate | PeerCertificate): Buffer[] {
  const chain: Buffer[] = [];
  let current: DetailedPeerCertificate | undefined = leaf as DetailedPeerCertificate;
  const seen = new Set<string>();
  while (current?.raw && !seen.has(current.fingerprint256)) {
    seen.add(current.fingerprint256);
    chain.push(current.raw);
    current = current.issuerCertificate;
  }
  return chain;
}
