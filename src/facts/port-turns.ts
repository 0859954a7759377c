/**
 * Whose turn it is on one gateway's ports. A probe of a declared port waits until nmap's discovery (the port scan,
 * without -sV) has ended: nmap times its scan on the ports that answered it, and when a rate limit drops its SYNs
 * there because a probe used the limit up, it slows to a crawl (165 s instead of 4.6 s for 1024 ports in the lab)
 * and may see the port filtered. Service detection (-sV) starts then too, beside the probes.
 */
export class PortTurns {
  #ended = false;
  #waiting: (() => void)[] = [];

  /** Resolves once discovery has ended (or failed). */
  discovered(): Promise<void> {
    if (this.#ended) return Promise.resolve();
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  discoveryEnded(): void {
    this.#ended = true;
    for (const resolve of this.#waiting.splice(0)) resolve();
  }
}
