import { connect, type DetailedPeerCertificate, type PeerCertificate } from 'node:tls';
import { isIP } from 'node:net';
import type { Endpoint } from './hello-exchange.ts';

export interface PeerSession {
  protocol: string | null;
  cipher: string;
  /** Chain as Node saw it (leaf first, following issuers); DER. */
  chain: Buffer[];
  authorized: boolean;
  authorizationError?: string;
  /** Response headers to `HEAD /` when asked for (https flows). */
  httpHeaders?: Record<string, string>;
  httpError?: string;
}

export interface PeerSessionOptions {
  timeoutMs: number;
  trust: string[];
  http?: boolean;
  signal?: AbortSignal;
}

/**
 * One full handshake with Node's TLS stack: whether the chain verifies against the trust store, the chain
 * itself (TLS 1.3 encrypts it, so the raw hello cannot see it), and optionally the HTTP response headers.
 */
export function peerSession(endpoint: Endpoint, options: PeerSessionOptions): Promise<PeerSession> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const socket = connect({
      host: endpoint.host,
      port: endpoint.port,
      servername: endpoint.serverName && isIP(endpoint.serverName) === 0 ? endpoint.serverName : undefined,
      ca: options.trust,
      rejectUnauthorized: false,
      minVersion: 'TLSv1',
      ciphers: 'DEFAULT:@SECLEVEL=0',
    });
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    const succeed = (session: PeerSession) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(session);
    };
    const timer = setTimeout(() => fail(new Error(`no TLS handshake within ${options.timeoutMs} ms`)), options.timeoutMs);
    options.signal?.addEventListener('abort', () => fail(new Error('the run was cancelled')), { once: true });
    socket.on('error', fail);
    socket.on('secureConnect', () => {
      const session: PeerSession = {
        protocol: socket.getProtocol(),
        cipher: socket.getCipher().standardName,
        chain: chainOf(socket.getPeerCertificate(true)),
        authorized: socket.authorized,
        authorizationError: socket.authorizationError ? String(socket.authorizationError) : undefined,
      };
      if (!options.http) return succeed(session);
      const host = endpoint.serverName ?? endpoint.host;
      const hostHeader = isIP(host) === 6 ? `[${host}]` : host;
      socket.write(`HEAD / HTTP/1.1\r\nHost: ${hostHeader}\r\nUser-Agent: cocoscan\r\nConnection: close\r\n\r\n`);
      let head = '';
      const finishHttp = () => {
        const end = head.indexOf('\r\n\r\n');
        if (!/^HTTP\/\d/.test(head)) session.httpError = 'the server did not answer HEAD / with HTTP';
        else session.httpHeaders = parseHeaders(end >= 0 ? head.slice(0, end) : head);
        succeed(session);
      };
      socket.on('data', (chunk: Buffer) => {
        head += chunk.toString('latin1');
        if (head.includes('\r\n\r\n') || head.length > 64 * 1024) finishHttp();
      });
      socket.on('end', finishHttp);
      socket.on('close', finishHttp);
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

function parseHeaders(head: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of head.split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}
