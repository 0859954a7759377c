/**
 * Whose turn it is on one gateway's ports: a probe of a declared port waits until nmap's discovery has reported the
 * port (found it open, or ended without it), so its connections never use up a rate limit before nmap's SYN gets
 * there; nmap's service detection waits until those probes are done, so it never holds the only connection slot of
 * a single-threaded server while a probe needs it.
 */
export class PortTurns {
  #ended = false;
  readonly #found = new Set<number>();
  readonly #waiting: { port: number; resolve: () => void }[] = [];
  #held = 0;
  #idle: (() => void)[] = [];

  /** Resolves once discovery has reported the port or ended. */
  swept(port: number): Promise<void> {
    if (this.#ended || this.#found.has(port)) return Promise.resolve();
    return new Promise((resolve) => this.#waiting.push({ port, resolve }));
  }

  portFound(port: number): void {
    this.#found.add(port);
    for (const waiter of this.#waiting.filter((w) => w.port === port)) waiter.resolve();
    this.#waiting.splice(0, this.#waiting.length, ...this.#waiting.filter((w) => w.port !== port));
  }

  discoveryEnded(): void {
    this.#ended = true;
    for (const waiter of this.#waiting.splice(0)) waiter.resolve();
  }

  /** A probe takes a turn on a port; the returned function ends it (once, however often it is called). */
  hold(): () => void {
    this.#held += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#held -= 1;
      if (this.#held === 0) for (const resolve of this.#idle.splice(0)) resolve();
    };
  }

  /** Resolves when no probe holds a turn. */
  idle(): Promise<void> {
    if (this.#held === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }
}
