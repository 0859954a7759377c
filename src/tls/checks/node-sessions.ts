/**
 * The checks that need a completed handshake, made with Node's TLS stack: the certificate served to a client
 * that sends no SNI, the OCSP response stapled when one is asked for (any version, TLS 1.3 included), and
 * whether the server lets the client renegotiate (TLS 1.2 and older). Each handshake has its own deadline.
 */
import { visible } from '../../../reports/escape.ts';
import { constants, createHash } from 'node:crypto';
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { isIP, type Socket } from 'node:net';
import type { Endpoint } from '../hello-exchange.ts';
import { openTlsReadySocket } from '../tls-ready-socket.ts';
import { openFailure } from './raw-conversation.ts';

/** SNI for Node: the endpoint's server name unless it is an IP address (RFC 6066 3; Node warns otherwise). */
const sniOf = (endpoint: Endpoint): string => (endpoint.serverName && isIP(endpoint.serverName) === 0 ? endpoint.serverName : '');

export interface SessionOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

export type Settled<T> = { value: T; failure?: undefined } | { value?: undefined; failure: string };

/** A handshake, a step once it completes, and always the socket closed; `step` sees only this session. */
async function session<T>(
  endpoint: Endpoint,
  extra: ConnectionOptions,
  options: SessionOptions,
  step: (socket: TLSSocket, settle: (result: Settled<T>) => void) => void,
  onSocket?: (socket: TLSSocket) => void,
): Promise<Settled<T>> {
  if (options.signal?.aborted) return { failure: 'the check was stopped before it started (time budget or cancellation)' };
  let plain: Socket;
  try {
    // TCP, then the protocol's upgrade (STARTTLS and kin) when it has one; Node's handshake runs on that connection.
    plain = await openTlsReadySocket(endpoint, { timeoutMs: options.timeoutMs, signal: options.signal });
  } catch (error) {
    return { failure: openFailure(error) };
  }
  return handshake({ socket: plain, ...extra }, options, step, onSocket);
}

function handshake<T>(
  where: ConnectionOptions,
  options: SessionOptions,
  step: (socket: TLSSocket, settle: (result: Settled<T>) => void) => void,
  onSocket?: (socket: TLSSocket) => void,
): Promise<Settled<T>> {
  return new Promise((resolve) => {
    let settled = false;
    const socket = connect({
      rejectUnauthorized: false,
      minVersion: 'TLSv1',
      ciphers: 'DEFAULT:@SECLEVEL=0',
      // A server without RFC 5746 is still a server to check (tls.secure-renegotiation reports the flaw).
      secureOptions: constants.SSL_OP_LEGACY_SERVER_CONNECT | constants.SSL_OP_ALLOW_UNSAFE_LEGACY_RENEGOTIATION,
      ...where,
    });
    const settle = (result: Settled<T>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      socket.on('error', () => undefined);
      socket.destroy();
      resolve(result);
    };
    onSocket?.(socket);
    const timer = setTimeout(() => settle({ failure: `no answer within ${options.timeoutMs} ms` }), options.timeoutMs);
    const onAbort = () => settle({ failure: 'the check was stopped (time budget or cancellation)' });
    options.signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('error', (error: NodeJS.ErrnoException) => settle({ failure: `the handshake failed (${error.code ?? 'error'})` }));
    socket.on('secureConnect', () => step(socket, settle));
  });
}

/** A certificate's subject is the server's text: control characters made visible, the length bounded. */
export function visibleSubject(text: string): string {
  const characters = [...text];
  return characters.length > 512 ? `${visible(characters.slice(0, 512).join(''))}…` : visible(text);
}

export interface ServedLeaf {
  sha256: string;
  subject: string;
  protocol: string;
}

/** The leaf served without SNI (an empty servername makes Node send none). */
export function leafWithoutSni(endpoint: Endpoint, options: SessionOptions): Promise<Settled<ServedLeaf>> {
  return session<ServedLeaf>(endpoint, { servername: '' }, options, (socket, settle) => {
    const leaf = socket.getPeerCertificate();
    if (!leaf.raw) return settle({ failure: 'the server sent no certificate' });
    const subject = leaf.subject
      ? visibleSubject(
          Object.entries(leaf.subject)
            .map(([k, v]) => `${k}=${String(v)}`)
            .join(', '),
        )
      : '';
    settle({
      value: { sha256: createHash('sha256').update(leaf.raw).digest('hex'), subject, protocol: socket.getProtocol() ?? 'unknown' },
    });
  });
}

export interface StapleAnswer {
  /** The stapled OCSP response's size in bytes; undefined when none was stapled. */
  bytes?: number;
  /** OCSPResponseStatus (RFC 6960 4.2.1): successful, tryLater, …; undefined when unreadable or absent. */
  responseStatus?: string;
  protocol: string;
}

const OCSP_RESPONSE_STATUS: ReadonlyMap<number, string> = new Map([
  [0, 'successful'],
  [1, 'malformedRequest'],
  [2, 'internalError'],
  [3, 'tryLater'],
  [5, 'sigRequired'],
  [6, 'unauthorized'],
]);

/** OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED, … }: the status is the first field. */
export function ocspResponseStatus(der: Buffer): string | undefined {
  if (der[0] !== 0x30 || der.length < 5) return undefined;
  const lengthBytes = der[1]! & 0x80 ? der[1]! & 0x7f : 0;
  const at = 2 + lengthBytes;
  if (der[at] !== 0x0a || der[at + 1] !== 1 || at + 2 >= der.length) return undefined;
  return OCSP_RESPONSE_STATUS.get(der[at + 2]!) ?? `status ${der[at + 2]}`;
}

/** Asks for an OCSP staple (status_request) with the gateway's server name. */
export function stapledOcsp(endpoint: Endpoint, options: SessionOptions): Promise<Settled<StapleAnswer>> {
  let response: Buffer | undefined;
  return session<StapleAnswer>(
    endpoint,
    // requestOCSP is a TLSSocket option that tls.connect passes on; its type does not list it.
    { servername: sniOf(endpoint), requestOCSP: true } as ConnectionOptions,
    options,
    (socket, settle) => {
      const protocol = socket.getProtocol() ?? 'unknown';
      settle({ value: response ? { bytes: response.length, responseStatus: ocspResponseStatus(response), protocol } : { protocol } });
    },
    // Node emits OCSPResponse before secureConnect, with the staple or nothing (an empty buffer is none).
    (socket) => socket.on('OCSPResponse', (staple: Buffer | null) => (response = staple && staple.length > 0 ? staple : undefined)),
  );
}

export type RenegotiationAnswer =
  | { status: 'accepted'; protocol: string }
  | { status: 'refused'; protocol: string; detail: string }
  /** No handshake below TLS 1.3 (TLS 1.3 has no renegotiation). */
  | { status: 'no-legacy-handshake'; detail: string }
  /** The server neither completed nor refused the renegotiation in time. */
  | { status: 'unanswered'; protocol: string; detail: string };

/** A TLS 1.2-or-older handshake, then a renegotiation the client starts. */
export async function clientRenegotiation(endpoint: Endpoint, options: SessionOptions): Promise<Settled<RenegotiationAnswer>> {
  let completed = false;
  const begun = Date.now();
  const result = await session<RenegotiationAnswer>(
    endpoint,
    { servername: sniOf(endpoint), maxVersion: 'TLSv1.2' },
    options,
    (socket, settle) => {
      completed = true;
      const protocol = socket.getProtocol() ?? 'unknown';
      // A server that ignores the renegotiation would hold the endpoint for the whole deadline: four handshake
      // times (at least a second) are enough for an answer, the deadline still being the upper bound.
      const waitMs = Math.min(options.timeoutMs, Math.max(1000, 4 * (Date.now() - begun)));
      const unanswered = setTimeout(
        () => settle({ value: { status: 'unanswered', protocol, detail: `no answer to the renegotiation within ${waitMs} ms` } }),
        waitMs,
      );
      socket.once('close', () => clearTimeout(unanswered));
      socket.removeAllListeners('error');
      socket.on('error', (error: NodeJS.ErrnoException) =>
        settle({ value: { status: 'refused', protocol, detail: `the server ended the renegotiation (${error.code ?? 'error'})` } }),
      );
      socket.on('close', () => settle({ value: { status: 'refused', protocol, detail: 'the server closed the connection' } }));
      const started = socket.renegotiate({ rejectUnauthorized: false }, (error) => {
        if (error)
          settle({
            value: {
              status: 'refused',
              protocol,
              detail: `the renegotiation failed (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
            },
          });
        else settle({ value: { status: 'accepted', protocol } });
      });
      if (started === false) settle({ failure: 'Node could not start a renegotiation on this connection' });
    },
  );
  if (result.failure !== undefined && !completed) return { value: { status: 'no-legacy-handshake', detail: result.failure } };
  if (result.failure !== undefined && completed) return { failure: `no answer to the renegotiation: ${result.failure}` };
  return result;
}
