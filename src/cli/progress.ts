import type { ActivityEvent } from '../facts/facts.ts';
import { applyEvent, cutToWidth, progressLine, type GatewayProgress } from './progress-line.ts';

/** Redraws at most this many times a second however fast events come (a gateway with thousands of open ports). */
const DRAWS_PER_SECOND = 20;
/** Without a known width, at most this many lines are appended a second. */
const PLAIN_LINES_PER_SECOND = 4;
/** Gateways shown at most when the terminal's height is unknown. */
const DEFAULT_ROWS = 20;

/**
 * The progress of a check on stderr, one line per gateway (see progressLine). On a terminal of known width the
 * lines are redrawn in place (cursor up, erase below: its only control sequences), as events come and each second;
 * with a width of 0 or none, a gateway's line is appended when its activities, nmap's percentage (by tenths) or its
 * open ports change, a few lines a second at most. The CLI shows it only when stderr is a terminal.
 */
export class Progress {
  readonly #started: number;
  readonly #gateways = new Map<string, GatewayProgress>();
  /** Plain mode: what each gateway's last appended line said, by the parts that decide a new one. */
  readonly #printed = new Map<string, string>();
  #timer: NodeJS.Timeout | undefined;
  #drawn = 0;
  #dirty = false;
  /** Some event has come: with no gateway left to show, the display is empty rather than "starting". */
  #updated = false;
  #budget = { second: -1, used: 0 };

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly now: () => number = Date.now,
  ) {
    this.#started = now();
  }

  start(): void {
    this.#timer = setInterval(() => this.#tick(), 1000);
    this.#timer.unref();
    this.#tick();
  }

  update = (event: ActivityEvent): void => {
    this.#updated = true;
    this.#gateways.set(event.gateway, applyEvent(this.#gateways.get(event.gateway), event));
    this.#dirty = true;
    if (this.#withinBudget()) this.#draw();
  };

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#flush([...this.#gateways.keys()]);
    this.#erase();
  }

  /** Other output for the terminal (a connection's summary): the lines are erased first and drawn again after it. */
  interrupt(write: () => void): void {
    this.#erase();
    write();
    if (this.#timer && this.#gateways.size > 0) this.#draw();
  }

  /** Drops the lines of gateways whose names start with `prefix` (a connection whose check has ended). */
  forget(prefix: string): void {
    const ended = [...this.#gateways.keys()].filter((gateway) => gateway.startsWith(prefix));
    this.#flush(ended);
    for (const gateway of ended) this.#gateways.delete(gateway);
  }

  #erase(): void {
    if (this.#drawn > 0) this.stream.write(`${this.#up()}\r\u001b[J`);
    this.#drawn = 0;
  }

  #width(): number {
    const columns = this.stream.columns;
    return typeof columns === 'number' && Number.isFinite(columns) && columns > 0 ? columns : 0;
  }

  #withinBudget(): boolean {
    const second = Math.floor(this.now() / 1000);
    if (second !== this.#budget.second) this.#budget = { second, used: 0 };
    const limit = this.#width() > 0 ? DRAWS_PER_SECOND : PLAIN_LINES_PER_SECOND;
    return this.#budget.used < limit;
  }

  #tick(): void {
    // Each second the elapsed time changes: a redraw in place; plain lines only when something changed.
    if (this.#width() > 0) this.#dirty = true;
    if (this.#dirty && this.#withinBudget()) this.#draw();
  }

  #elapsed(): number {
    return (this.now() - this.#started) / 1000;
  }

  #draw(): void {
    const width = this.#width();
    if (width > 0) this.#redraw(width);
    else this.#append();
  }

  #up(): string {
    return this.#drawn > 1 ? `\u001b[${this.#drawn - 1}A` : '';
  }

  #redraw(width: number): void {
    this.#budget.used += 1;
    this.#dirty = false;
    const rows = typeof this.stream.rows === 'number' && this.stream.rows > 1 ? this.stream.rows - 1 : DEFAULT_ROWS;
    const entries = [...this.#gateways.entries()];
    const shown = entries.length > rows ? entries.slice(0, rows - 1) : entries;
    const lines = shown.map(([gateway, state]) => progressLine(gateway, state, this.#elapsed(), width));
    if (shown.length < entries.length) lines.push(cutToWidth(`… and ${entries.length - shown.length} more gateways`, width - 1));
    if (lines.length === 0 && this.#updated) {
      // Every gateway's check has ended (forget): nothing left to show.
      this.#erase();
      return;
    }
    if (lines.length === 0) lines.push(progressLine('cocoscan', idle(), this.#elapsed(), width));
    this.stream.write(`${this.#up()}\r\u001b[J${lines.join('\n')}`);
    this.#drawn = lines.length;
  }

  /** Plain mode: appends the line of each gateway whose activities, percentage or ports changed, a few a second at most. */
  #append(): void {
    this.#dirty = false;
    for (const gateway of this.#gateways.keys()) {
      if (!this.#changed(gateway)) continue;
      if (!this.#withinBudget()) {
        this.#dirty = true;
        return;
      }
      this.#budget.used += 1;
      this.#print(gateway);
    }
  }

  /** Plain mode, at the end of a gateway's check: where it got to, when its last line does not say so yet. */
  #flush(gateways: string[]): void {
    if (this.#width() > 0) return;
    for (const gateway of gateways) if (this.#changed(gateway)) this.#print(gateway);
  }

  #keyOf(state: GatewayProgress): string {
    return JSON.stringify([state.activity, state.sweep?.activity, Math.floor((state.sweep?.percent ?? -10) / 10), state.portsFound]);
  }

  #changed(gateway: string): boolean {
    return this.#printed.get(gateway) !== this.#keyOf(this.#gateways.get(gateway)!);
  }

  #print(gateway: string): void {
    const state = this.#gateways.get(gateway)!;
    this.#printed.set(gateway, this.#keyOf(state));
    this.stream.write(`${progressLine(gateway, state, this.#elapsed())}\n`);
  }
}

function idle(): GatewayProgress {
  return { activity: 'starting', openPorts: [], portsFound: 0, probes: [] };
}
