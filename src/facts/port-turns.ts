/**
 * Whose turn it is on one gateway's ports. A probe of a declared port waits until nmap's discovery (the port scan,
 * without -sV) has ended: nmap times its scan on the ports that answered it, and when a rate limit drops its SYNs
 * there because a probe used the limit up, it slows to a crawl (165 s instead of 4.6 s for 1024 ports in the lab)
 * and may see the port filtered. nmap's service detection waits until those probes are done, so it never holds the
 * only connection slot of a single-threaded server while a probe needs it.
 */
export class PortTurns {
  #ended = false;
  #waiting: (() => void)[] = [];
  #held = 0;
  #idle: (() => void)[] = [];

  /** Resolves once discovery has ended (or failed). */
  discovered(): Promise<void> {
    if (this.#ended) return Promise.resolve();
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  discoveryEnded(): void {
    this.#ended = true;
    for (const resolve of this.#waiting.splice(0)) resolve();
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
