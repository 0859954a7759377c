/**
 * Runs only the sweep of a connection file (discovery, then service detection on the ports found open), through the
 * same function the check uses, so the nmap runs are those the check would make; prints `sweep_seconds=` (used by
 * bench-fleet.ts for check-over-sweep: the check's cost beyond the scanning it contains).
 */
import { loadConnectionFile } from '../src/connection/load.ts';
import { EvidenceStore } from '../src/evidence-store.ts';
import { exec } from '../src/exec.ts';
import { collectSweeps } from '../src/facts/sweep.ts';

const connection = await loadConnectionFile(process.argv[2]!);
const started = performance.now();
const sweeps = await collectSweeps(
  {
    connection,
    exec,
    now: () => new Date(),
    evidence: new EvidenceStore(),
    signal: new AbortController().signal,
    privileged: process.getuid?.() === 0,
    sweepEnabled: true,
  },
  connection.gateways,
  () => undefined,
);
const seconds = (performance.now() - started) / 1000;
const open = [...sweeps.values()].map((s) => s.host?.ports.filter((p) => p.state === 'open').length ?? 0).reduce((a, b) => a + b, 0);
process.stderr.write(`sweep_seconds=${seconds.toFixed(3)} open_ports=${open}\n`);
