/**
 * One TCP conversation for a single check: send bytes, let the check read what came back, and end on its
 * word, on the server's close, on the deadline or at the byte cap. The check decides what each ending means.
 */
import type { Socket } from 'node:net';
import { CocoscanError } from '../../errors.ts';
import type { Endpoint } from '../hello-exchange.ts';
import { openTlsReadySocket, TcpConnectError } from '../tls-ready-socket.ts';
import { TlsUpgradeError } from '../upgrade/errors.ts';

export type ConversationEnd = 'closed' | 'reset' | 'timeout';

export interface Conversation<T> {
  /**
   * Called with every byte received so far; a value ends the conversation. `write` sends more; `shorten` ends
   * the wait sooner (never later than the deadline), for an answer that may never come.
   */
  data(received: Buffer, write: (bytes: Buffer) => void, shorten: (ms: number) => void): T | undefined;
  /** What the end of the connection, or the deadline, means given the bytes received. */
  end(how: ConversationEnd, received: Buffer): T;
}

export interface ConversationOptions {
  timeoutMs: number;
  /** The most bytes read from the server; past it the conversation ends as a failure. */
  maxBytes: number;
  signal?: AbortSignal;
}

export type ConversationResult<T> = { value: T; failure?: undefined } | { value?: undefined; failure: string };

export async function converse<T>(
  endpoint: Endpoint,
  first: Buffer,
  conversation: Conversation<T>,
  options: ConversationOptions,
): Promise<ConversationResult<T>> {
  if (options.signal?.aborted) return { failure: 'the check was stopped before it started (time budget or cancellation)' };
  let socket: Socket;
  try {
    // TCP, then the protocol's upgrade (STARTTLS and kin) when it has one: the socket comes ready for the first record.
    socket = await openTlsReadySocket(endpoint, { timeoutMs: options.timeoutMs, signal: options.signal });
  } catch (error) {
    return { failure: openFailure(error) };
  }
  return talk(socket, first, conversation, options);
}

/** Why no TLS-ready connection could be opened, in words a message can carry. */
export function openFailure(error: unknown): string {
  if (error instanceof TlsUpgradeError) return error.message;
  if (error instanceof TcpConnectError) return `could not connect: ${error.message}`;
  return 'could not connect';
}

function talk<T>(
  socket: Socket,
  first: Buffer,
  conversation: Conversation<T>,
  options: ConversationOptions,
): Promise<ConversationResult<T>> {
  return new Promise((resolve) => {
    let received = Buffer.alloc(0);
    let done = false;
    const finish = (result: ConversationResult<T>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      socket.on('error', () => undefined);
      socket.destroy();
      resolve(result);
    };
    const ended = (how: ConversationEnd) => finish({ value: conversation.end(how, received) });
    const deadline = Date.now() + options.timeoutMs;
    let timer = setTimeout(() => ended('timeout'), options.timeoutMs);
    const shorten = (ms: number) => {
      clearTimeout(timer);
      timer = setTimeout(() => ended('timeout'), Math.max(0, Math.min(ms, deadline - Date.now())));
    };
    const onAbort = () => finish({ failure: 'the check was stopped (time budget or cancellation)' });
    options.signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('data', (chunk: Buffer) => {
      if (done) return;
      received = Buffer.concat([received, chunk]);
      try {
        const value = conversation.data(received, (bytes) => socket.write(bytes), shorten);
        if (value !== undefined) return finish({ value });
      } catch (error) {
        return finish({ failure: error instanceof CocoscanError ? error.message : 'the reply could not be read' });
      }
      if (received.length > options.maxBytes) finish({ failure: `the server sent more than ${options.maxBytes} bytes` });
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') return ended('reset');
      finish({ failure: `the connection failed (${error.code ?? 'error'})` });
    });
    socket.on('close', () => ended('closed'));
    // openTlsReadySocket hands the socket over paused: a 'data' listener alone would not start the flow.
    socket.resume();
    socket.write(first);
  });
}
