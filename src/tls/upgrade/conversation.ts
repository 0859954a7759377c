import type { Socket } from 'node:net';
import { TlsUpgradeError } from './errors.ts';

/** Bytes a server may send during an upgrade conversation: greetings and capability lists are short. */
export const UPGRADE_MAX_BYTES = 64 * 1024;
/** Lines a server may send during an upgrade conversation (a multi-line greeting, a capability list). */
export const UPGRADE_MAX_LINES = 200;
/** How much of a server's line a message quotes. */
const QUOTE_CHARS = 120;

/** A server's line as a message may quote it: printable ASCII only, clipped. It is data, never markup. */
export function quoteServer(line: string): string {
  const printable = line.replace(/[^\x20-\x7e]/g, '?').trim();
  return printable.length > QUOTE_CHARS ? `${printable.slice(0, QUOTE_CHARS)}…` : printable;
}

/**
 * The plaintext part of a connection before TLS: reads with one deadline for the whole conversation, a byte cap
 * and a line budget. `release` hands the socket over for TLS, refusing a server that sent more than it was asked.
 */
export class PlainConversation {
  private buffer = Buffer.alloc(0);
  private received = 0;
  private lines = 0;
  private ended: TlsUpgradeError | undefined;
  private wake: (() => void) | undefined;
  private readonly timer: NodeJS.Timeout;
  private readonly onData = (chunk: Buffer) => {
    this.received += chunk.length;
    if (this.received > UPGRADE_MAX_BYTES)
      this.end(new TlsUpgradeError('broken', `the server sent more than ${UPGRADE_MAX_BYTES} bytes before TLS`));
    else this.buffer = Buffer.concat([this.buffer, chunk]);
    this.notify();
  };
  private readonly onClose = () => this.end(new TlsUpgradeError('broken', 'the server closed the connection before TLS began'));
  private readonly onError = (error: NodeJS.ErrnoException) =>
    this.end(new TlsUpgradeError('broken', `the connection failed before TLS began (${error.code ?? 'error'})`));
  private readonly onAbort = () => this.end(new TlsUpgradeError('broken', 'the TLS inspection was stopped during the upgrade'));

  constructor(
    readonly socket: Socket,
    private readonly what: string,
    timeoutMs: number,
    private readonly signal?: AbortSignal,
  ) {
    this.timer = setTimeout(() => this.end(new TlsUpgradeError('broken', `no complete ${what} answer within ${timeoutMs} ms`)), timeoutMs);
    socket.on('data', this.onData);
    socket.on('close', this.onClose);
    socket.on('error', this.onError);
    signal?.addEventListener('abort', this.onAbort, { once: true });
    if (signal?.aborted) this.onAbort();
  }

  write(data: string | Buffer): void {
    if (!this.ended) this.socket.write(data);
  }

  /** One line, without its line ending (CRLF or LF). */
  async readLine(): Promise<string> {
    for (;;) {
      const end = this.buffer.indexOf(0x0a);
      if (end >= 0) {
        const line = this.buffer.subarray(0, end).toString('latin1').replace(/\r$/, '');
        this.buffer = this.buffer.subarray(end + 1);
        if (++this.lines > UPGRADE_MAX_LINES)
          throw this.end(new TlsUpgradeError('broken', `the server sent more than ${UPGRADE_MAX_LINES} lines before TLS`));
        return line;
      }
      await this.more();
    }
  }

  /** Exactly `count` bytes. */
  async readBytes(count: number): Promise<Buffer> {
    while (this.buffer.length < count) await this.more();
    const bytes = this.buffer.subarray(0, count);
    this.buffer = this.buffer.subarray(count);
    return bytes;
  }

  /** Text up to and including the first match of `pattern` (for XML streams, which have no lines). */
  async readUntil(pattern: RegExp): Promise<string> {
    for (;;) {
      const text = this.buffer.toString('latin1');
      const match = pattern.exec(text);
      if (match) {
        const end = match.index + match[0].length;
        this.buffer = this.buffer.subarray(Buffer.byteLength(text.slice(0, end), 'latin1'));
        return text.slice(0, end);
      }
      await this.more();
    }
  }

  /** The conversation ended well: the socket is TLS's from here. Bytes the server sent ahead are refused. */
  release(): Socket {
    this.detach();
    if (this.ended) throw this.ended;
    if (this.buffer.length > 0)
      throw new TlsUpgradeError('broken', `the server sent ${this.buffer.length} byte(s) after its go-ahead, before any TLS`);
    this.socket.pause();
    return this.socket;
  }

  /** Ends the conversation without TLS (a refusal, a fault): the socket is closed. */
  close(): void {
    this.detach();
    this.socket.destroy();
  }

  private detach(): void {
    clearTimeout(this.timer);
    this.socket.off('data', this.onData);
    this.socket.off('close', this.onClose);
    this.socket.off('error', this.onError);
    this.signal?.removeEventListener('abort', this.onAbort);
  }

  private end(error: TlsUpgradeError): TlsUpgradeError {
    this.ended ??= error;
    this.notify();
    return this.ended;
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private async more(): Promise<void> {
    this.throwIfEnded();
    await new Promise<void>((resolve) => (this.wake = resolve));
    this.throwIfEnded();
  }

  private throwIfEnded(): void {
    if (this.ended) throw this.ended;
  }
}
