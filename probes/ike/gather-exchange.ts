/**
 * One UDP conversation with an IKE responder: each request retransmitted a bounded number of times, several waiting at
 * once (each for an answer with its own SPI), every datagram counted against the gateway's budget. Only datagrams from
 * the responder's own address and port, within the byte cap, with our SPI, are read as answers.
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { parseIkeAnswer, type IkeAnswer } from './wire-parse.ts';

/** The gateway's budget, shared by all its ports. */
export class Budget {
  datagrams = 0;
  exhausted = false;
  private readonly deadline: number;

  constructor(
    readonly maxPackets: number,
    readonly maxSeconds: number,
    readonly started = Date.now(),
  ) {
    this.deadline = started + maxSeconds * 1000;
  }

  /** Takes one datagram from the budget; false (and exhausted) when none is left. */
  take(): boolean {
    if (this.datagrams >= this.maxPackets || Date.now() >= this.deadline) {
      this.exhausted = true;
      return false;
    }
    this.datagrams += 1;
    return true;
  }

  msLeft(): number {
    return Math.max(0, this.deadline - Date.now());
  }

  seconds(): number {
    return Math.round((Date.now() - this.started) / 100) / 10;
  }
}

export interface ExchangeOptions {
  replyTimeoutMs: number;
  retransmits: number;
  maxDatagramBytes: number;
  /** Port 4500: prefix the non-ESP marker (four zero bytes) and expect it on answers. */
  natTraversal: boolean;
  signal: AbortSignal;
}

export interface Asked {
  answer?: IkeAnswer;
  datagrams: number;
  /** The budget or the run's signal stopped the request before it had an answer. */
  skipped: boolean;
}

const NON_ESP_MARKER = Buffer.alloc(4);

export class IkeConversation {
  ignored = 0;
  /** The gateway refused the port (ICMP port unreachable): nothing listens there. */
  refused = false;
  private readonly waiters = new Set<(data: Buffer) => boolean>();
  /** Ends every wait at once: on a refusal (ICMP port unreachable) or when the run is stopped. */
  private readonly onEnd = new Set<() => void>();
  /** One listener on the run's signal per conversation, not one per waiting request (32 gateways' waits add up). */
  private readonly endAll = () => {
    for (const end of [...this.onEnd]) end();
  };

  private constructor(
    private readonly socket: Socket,
    readonly address: string,
    readonly port: number,
    private readonly options: ExchangeOptions,
  ) {
    socket.on('message', (data, from) => {
      // connect() makes the kernel filter other senders; checked again here all the same.
      if (from.address !== address || from.port !== port || data.length > options.maxDatagramBytes) {
        this.ignored += 1;
        return;
      }
      const body = options.natTraversal ? (data.subarray(0, 4).equals(NON_ESP_MARKER) ? data.subarray(4) : undefined) : data;
      if (!body || ![...this.waiters].some((waiter) => waiter(body))) this.ignored += 1;
    });
    // On a connected UDP socket an ICMP port unreachable comes back as ECONNREFUSED.
    socket.on('error', (error: NodeJS.ErrnoException) => this.refusedIf(error));
    options.signal.addEventListener('abort', this.endAll, { once: true });
  }

  static async open(address: string, port: number, options: ExchangeOptions): Promise<IkeConversation> {
    const socket = createSocket({ type: isIPv6(address) ? 'udp6' : 'udp4' });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(port, address, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new IkeConversation(socket, address, port, options);
  }

  /** The local address and port the gateway sees (before any NAT): for the NAT detection hashes. */
  local(): { address: string; port: number } {
    const { address, port } = this.socket.address();
    return { address, port };
  }

  /** Sends `request` (its first 8 bytes are our SPI) until an answer for that SPI comes, or the retries run out. */
  async ask(request: Buffer, budget: Budget): Promise<Asked> {
    const spi = request.subarray(0, 8);
    const datagram = this.options.natTraversal ? Buffer.concat([NON_ESP_MARKER, request]) : request;
    let datagrams = 0;
    let waitedFully = false;
    for (let attempt = 0; attempt <= this.options.retransmits && !this.refused; attempt += 1) {
      if (this.options.signal.aborted || !budget.take()) return { datagrams, skipped: true };
      datagrams += 1;
      // The kernel hands a pending ECONNREFUSED to the next send when one follows at once (two offers asked
      // together); without this callback Node drops it and the refusal would read as silence.
      this.socket.send(datagram, (error) => this.refusedIf(error));
      const ms = Math.min(this.options.replyTimeoutMs, budget.msLeft());
      const answer = await this.wait(spi, ms);
      if (answer) return { answer, datagrams, skipped: false };
      waitedFully = ms >= this.options.replyTimeoutMs && !this.options.signal.aborted;
    }
    // A last wait the budget or an abort cut short is no silence: the offer was not tested.
    return { datagrams, skipped: !this.refused && !waitedFully };
  }

  private refusedIf(error: NodeJS.ErrnoException | null): void {
    if (error?.code !== 'ECONNREFUSED') return;
    this.refused = true;
    this.endAll();
  }

  private wait(spi: Buffer, ms: number): Promise<IkeAnswer | undefined> {
    if (this.refused || this.options.signal.aborted) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const done = (answer: IkeAnswer | undefined) => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        this.onEnd.delete(end);
        resolve(answer);
      };
      const end = () => done(undefined);
      const waiter = (data: Buffer) => {
        const answer = parseIkeAnswer(data, spi);
        if (answer.kind === 'foreign') return false;
        done(answer);
        return true;
      };
      const timer = setTimeout(end, ms);
      this.onEnd.add(end);
      this.waiters.add(waiter);
    });
  }

  close(): void {
    this.options.signal.removeEventListener('abort', this.endAll);
    this.socket.close();
  }
}
