/**
 * Lab teardown on any exit of the bench: a section registers its `stop` while its gateways run; SIGINT or
 * SIGTERM runs every registered stop (namespaces, daemons) before the process exits. Errors are covered by
 * each section's own `finally`.
 */
const stops = new Set<() => Promise<unknown>>();
let installed = false;

/** Registers `stop` to run on SIGINT/SIGTERM; returns the function that unregisters it. */
export function stopOnSignal(stop: () => Promise<unknown>): () => void {
  if (!installed) {
    installed = true;
    for (const [signal, code] of [
      ['SIGINT', 130],
      ['SIGTERM', 143],
    ] as const) {
      process.once(signal, () => {
        process.stderr.write(`bench: ${signal}: stopping ${stops.size} lab(s)\n`);
        void Promise.allSettled([...stops].map((s) => s())).finally(() => process.exit(code));
      });
    }
  }
  stops.add(stop);
  return () => stops.delete(stop);
}
