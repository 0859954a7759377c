/**
 * A probe's wait for the gateway's sweep while its own work on announced ports already runs: when the sweep fails,
 * that work is let settle before the failure goes on, so none of it rejects later with no one listening.
 */
export async function sweepOrSettle<T>(sweeping: Promise<T> | undefined, started: Map<unknown, Promise<unknown>>): Promise<T | undefined> {
  try {
    return await sweeping;
  } catch (error) {
    await Promise.allSettled(started.values());
    throw error;
  }
}

/**
 * Keeps a probe's work on a port under `key`, listened to at once: the probe awaits it only once the sweep is done,
 * and a failure before then must reach that await, not the process as an unhandled rejection.
 */
export function keepStarted<K, T>(started: Map<K, Promise<T>>, key: K, work: Promise<T>): void {
  work.catch(() => undefined);
  started.set(key, work);
}
