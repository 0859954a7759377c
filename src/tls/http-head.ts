import type { Duplex } from 'node:stream';
import { bracketHost } from '../host-port.ts';

/** What one GET / answered, up to the end of its headers. */
export type HttpHeadOutcome =
  { ok: true; statusLine: string; headers: [name: string, value: string][]; bytes: number } | { ok: false; reason: string; bytes: number };

export interface HttpHeadOptions {
  host: string;
  timeoutMs: number;
  /** Bytes of response head read at most before giving up. */
  maxBytes: number;
  signal?: AbortSignal;
}

/** Default cap on the bytes of one HTTP response head (status line and headers). */
export const HTTP_HEAD_MAX_BYTES = 32 * 1024;

/**
 * Sends `GET /` on an open connection and reads the response head, with its own deadline and byte cap.
 * Resolves, never rejects, and never waits for the body; the caller owns (and destroys) the socket.
 */
export function readHttpHead(socket: Duplex, options: HttpHeadOptions): Promise<HttpHeadOutcome> {
  return new Promise((resolve) => {
    // latin1 maps each byte to one character, so the head is kept as text and searched only where new bytes
    // could complete the blank line: a server sending its headers a byte at a time costs no repeated copies.
    let head = '';
    let bytes = 0;
    let done = false;
    const finish = (outcome: HttpHeadOutcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.off('error', onError);
      resolve(outcome);
    };
    const timer = setTimeout(
      () =>
        finish({
          ok: false,
          reason:
            bytes === 0
              ? `no HTTP answer to GET / within ${options.timeoutMs} ms`
              : `the HTTP headers did not end within ${options.timeoutMs} ms (${bytes} bytes received)`,
          bytes,
        }),
      options.timeoutMs,
    );
    const onAbort = () => finish({ ok: false, reason: 'the HTTP request was stopped (time budget or cancellation)', bytes });
    const onData = (chunk: Buffer) => {
      const room = options.maxBytes - bytes;
      const from = Math.max(0, head.length - 3);
      head += (chunk.length > room ? chunk.subarray(0, room) : chunk).toString('latin1');
      bytes += Math.min(chunk.length, room);
      const end = head.indexOf('\r\n\r\n', from);
      if (end >= 0) return finish(parseHead(head.slice(0, end), bytes));
      if (bytes >= options.maxBytes)
        finish({ ok: false, reason: `the HTTP headers passed ${options.maxBytes} bytes without ending`, bytes });
    };
    const onEnd = () =>
      finish({
        ok: false,
        reason:
          bytes === 0
            ? 'the server closed the connection without answering GET /'
            : 'the server closed the connection before the HTTP headers ended',
        bytes,
      });
    const onError = (error: NodeJS.ErrnoException) =>
      finish({ ok: false, reason: `the connection failed during the HTTP request (${error.code ?? 'error'})`, bytes });
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('close', onEnd);
    socket.on('error', onError);
    socket.write(
      `GET / HTTP/1.1\r\nHost: ${bracketHost(options.host)}\r\nUser-Agent: cocoscan\r\nAccept: */*\r\nConnection: close\r\n\r\n`,
    );
  });
}

function parseHead(head: string, bytes: number): HttpHeadOutcome {
  const lines = head.split('\r\n');
  const statusLine = lines[0] ?? '';
  if (!/^HTTP\/\d(\.\d)? \d{3}/.test(statusLine)) return { ok: false, reason: 'the server did not answer GET / with HTTP', bytes };
  const headers: [string, string][] = [];
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.push([line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()]);
  }
  return { ok: true, statusLine, headers, bytes };
}

/** Every value of one header, in the order sent (names from the server are compared, never used as keys). */
export function headerValues(headers: readonly [string, string][], name: string): string[] {
  const wanted = name.toLowerCase();
  return headers.filter(([n]) => n === wanted).map(([, v]) => v);
}
