import { connect, type Socket } from 'node:net';
import { CocoscanError } from '../errors.ts';
import { MAX_TPKT_BYTES, tpktLength } from './wire.ts';

/** Why one RDP exchange could not be completed: the message says what happened, for a finding's reason. */
export class RdpExchangeError extends CocoscanError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'check that the port speaks RDP and that the scanner may reach it; the evidence file has every answer', options);
  }
}

/** Bytes one connection may receive in all: a few TPKT packets before log-on. */
const MAX_CONNECTION_BYTES = 4 * MAX_TPKT_BYTES;

/**
 * One TCP connection to an RDP server, read as whole TPKT packets: one deadline for the whole connection (connect
 * included), a byte cap, and every length checked before it is trusted.
 */
export class RdpConnection {
  private buffer = Buffer.alloc(0);
  private received = 0;
  private ended: RdpExchangeError | undefined;
  private wake: (() => void) | undefined;
  private readonly timer: NodeJS.Timeout;
  private readonly onAbort = () => this.end(new RdpExchangeError('the RDP check was stopped'));

  private constructor(
    private readonly socket: Socket,
    timeoutMs: number,
    private readonly signal?: AbortSignal,
  ) {
    this.timer = setTimeout(() => this.end(new RdpExchangeError(`no complete RDP answer within ${timeoutMs} ms`)), timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      this.received += chunk.length;
      if (this.received > MAX_CONNECTION_BYTES) this.end(new RdpExchangeError(`the server sent more than ${MAX_CONNECTION_BYTES} bytes`));
      else this.buffer = Buffer.concat([this.buffer, chunk]);
      this.notify();
    });
    socket.on('close', () => this.end(new RdpExchangeError('the server closed the connection')));
    socket.on('error', (error: NodeJS.ErrnoException) =>
      this.end(new RdpExchangeError(`the connection failed (${error.code ?? 'error'})`, { cause: error })),
    );
    signal?.addEventListener('abort', this.onAbort, { once: true });
    if (signal?.aborted) this.onAbort();
  }

  /** Connects; the deadline of `timeoutMs` starts now and covers every later read on the connection. */
  static async open(host: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<RdpConnection> {
    const socket = connect({ host, port });
    const connection = new RdpConnection(socket, timeoutMs, signal);
    await connection.connected();
    return connection;
  }

  private connected(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.ended) return reject(this.ended);
      const onConnect = () => {
        this.wake = undefined;
        resolve();
      };
      this.socket.once('connect', onConnect);
      this.wake = () => {
        this.socket.off('connect', onConnect);
        if (this.ended) reject(this.refusedOr(this.ended));
      };
    });
  }

  /** A refused TCP connection said plainly; anything else as it came. */
  private refusedOr(error: RdpExchangeError): RdpExchangeError {
    const code = (error.cause as NodeJS.ErrnoException | undefined)?.code;
    return code === 'ECONNREFUSED' ? new RdpExchangeError('the port refused the TCP connection', { cause: error.cause }) : error;
  }

  send(data: Buffer): void {
    if (!this.ended) this.socket.write(data);
  }

  /** The next whole TPKT packet, header included. */
  async readPacket(): Promise<Buffer> {
    while (this.buffer.length < 4) await this.more();
    const length = tpktLength(this.buffer.subarray(0, 4));
    while (this.buffer.length < length) await this.more();
    const packet = this.buffer.subarray(0, length);
    this.buffer = this.buffer.subarray(length);
    return packet;
  }

  close(): void {
    this.end(new RdpExchangeError('the connection was closed'));
  }

  private more(): Promise<void> {
    if (this.ended) return Promise.reject(this.ended);
    return new Promise((resolve, reject) => {
      this.wake = () => {
        this.wake = undefined;
        if (this.ended) reject(this.ended);
        else resolve();
      };
    });
  }

  private notify(): void {
    this.wake?.();
  }

  private end(error: RdpExchangeError): void {
    if (this.ended) return;
    this.ended = error;
    clearTimeout(this.timer);
    this.signal?.removeEventListener('abort', this.onAbort);
    this.socket.destroy();
    this.notify();
  }
}
