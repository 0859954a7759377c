import type { Socket } from 'node:net';
import {
  ALERT_NAMES,
  HANDSHAKE_CERTIFICATE,
  HANDSHAKE_SERVER_HELLO,
  HANDSHAKE_SERVER_HELLO_DONE,
  HANDSHAKE_SERVER_KEY_EXCHANGE,
  parseCertificateList,
  parseServerHello,
  parseServerKeyExchange,
  ServerFlightReader,
  TlsProtocolError,
  type Alert,
  type ServerHello,
  type ServerKeyExchange,
} from './wire.ts';
import { suiteByCode } from './cipher-suites.ts';
import { openTlsReadySocket, type TlsTarget } from './tls-ready-socket.ts';

export const CLOSED_WITHOUT_ALERT = 'the server closed the connection without an alert';

/** An endpoint to speak TLS to; with `upgrade`, each connection first runs the protocol's STARTTLS step. */
export type Endpoint = TlsTarget;

export type HelloOutcome =
  | { kind: 'hello'; hello: ServerHello; keyExchange?: ServerKeyExchange; certificates?: Buffer[] }
  | { kind: 'alert'; alert: Alert; name: string }
  /** The server hung up after the ClientHello without an alert: many servers refuse this way. */
  | { kind: 'closed'; detail: string }
  /** No answer that can be judged: refused, unreachable, timed out, or not TLS. */
  | { kind: 'failed'; reason: string };

export interface ExchangeOptions {
  timeoutMs: number;
  /** Keep reading after ServerHello until ServerHelloDone (TLS 1.2 and older) for the certificate and key exchange. */
  readFlight?: boolean;
  maxBytes?: number;
  signal?: AbortSignal;
}

/** Sends one ClientHello and reads the server's answer up to what was asked for; never completes a handshake. */
export async function helloExchange(endpoint: Endpoint, clientHello: Buffer, options: ExchangeOptions): Promise<HelloOutcome> {
  let socket: Socket;
  try {
    socket = await openTlsReadySocket(endpoint, { timeoutMs: options.timeoutMs, signal: options.signal });
  } catch (error) {
    return { kind: 'failed', reason: error instanceof Error ? error.message : 'the connection could not be opened' };
  }
  return exchangeOn(socket, clientHello, options);
}

function exchangeOn(socket: Socket, clientHello: Buffer, options: ExchangeOptions): Promise<HelloOutcome> {
  return new Promise((resolve) => {
    const reader = new ServerFlightReader(options.maxBytes ?? 512 * 1024);
    let hello: ServerHello | undefined;
    let keyExchange: ServerKeyExchange | undefined;
    let certificates: Buffer[] | undefined;
    let done = false;
    const finish = (outcome: HelloOutcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(
      () =>
        finish(
          hello
            ? { kind: 'hello', hello, keyExchange, certificates }
            : {
                kind: 'failed',
                reason: `no answer within ${options.timeoutMs} ms after the ClientHello`,
              },
        ),
      options.timeoutMs,
    );
    const onAbort = () => finish({ kind: 'failed', reason: 'the run was cancelled' });
    options.signal?.addEventListener('abort', onAbort, { once: true });

    socket.on('data', (chunk: Buffer) => {
      try {
        for (const event of reader.push(chunk)) {
          if (event.kind === 'alert') {
            if (hello) return finish({ kind: 'hello', hello, keyExchange, certificates });
            return finish({
              kind: 'alert',
              alert: event.alert,
              name: ALERT_NAMES.get(event.alert.description) ?? `alert ${event.alert.description}`,
            });
          }
          if (event.type === HANDSHAKE_SERVER_HELLO && !hello) {
            hello = parseServerHello(event.body);
            const legacy = hello.version <= 0x0303 && !hello.helloRetry;
            if (!options.readFlight || !legacy) return finish({ kind: 'hello', hello });
          } else if (event.type === HANDSHAKE_CERTIFICATE && hello) {
            certificates = parseCertificateList(event.body);
          } else if (event.type === HANDSHAKE_SERVER_KEY_EXCHANGE && hello) {
            keyExchange = parseServerKeyExchange(event.body, suiteByCode(hello.suite).kx);
          } else if (event.type === HANDSHAKE_SERVER_HELLO_DONE && hello) {
            return finish({ kind: 'hello', hello, keyExchange, certificates });
          } else if (!hello) {
            throw new TlsProtocolError(`the server sent handshake message ${event.type} before a ServerHello`);
          }
        }
      } catch (error) {
        finish({
          kind: 'failed',
          reason:
            error instanceof TlsProtocolError
              ? error.message
              : 'the reply could not be read (a fault in cocoscan; the port was left untested)',
        });
      }
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (hello) return finish({ kind: 'hello', hello, keyExchange, certificates });
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE')
        return finish({ kind: 'closed', detail: `connection reset (${error.code})` });
      finish({ kind: 'failed', reason: `${error.code ?? 'error'}: ${error.message}` });
    });
    socket.on('close', () => {
      if (hello) return finish({ kind: 'hello', hello, keyExchange, certificates });
      finish({ kind: 'closed', detail: CLOSED_WITHOUT_ALERT });
    });
    socket.resume();
    socket.write(clientHello);
  });
}
