import { terminalText } from '../../reports/escape.ts';
import type { ActivityEvent } from '../facts/facts.ts';

/**
 * One status line on stderr, redrawn each second while a terminal is attached. Its only control sequences
 * are its own (carriage return, erase line); names and activities are shown through `terminalText`.
 */
export class Progress {
  readonly #started = Date.now();
  readonly #latest = new Map<string, ActivityEvent>();
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly stream: NodeJS.WriteStream) {}

  start(): void {
    this.#timer = setInterval(() => this.#draw(), 1000);
    this.#timer.unref();
    this.#draw();
  }

  update = (event: ActivityEvent): void => {
    this.#latest.set(event.gateway, event);
  };

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.stream.write('\r\u001b[2K');
  }

  #draw(): void {
    const seconds = Math.round((Date.now() - this.#started) / 1000);
    const parts = [...this.#latest.values()].map(
      (e) => `${terminalText(e.gateway)}: ${terminalText(e.activity)}${e.percent !== undefined ? ` ${e.percent.toFixed(0)}%` : ''}`,
    );
    const line = `[${seconds}s] ${parts.join(' | ') || 'starting'}`;
    const width = this.stream.columns ?? 100;
    this.stream.write(`\r\u001b[2K${line.slice(0, Math.max(20, width - 1))}`);
  }
}
