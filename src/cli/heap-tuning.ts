import { setFlagsFromString } from 'node:v8';

/**
 * V8 told to favour memory over speed in the CLI process. A check spends its time waiting on the network and
 * allocates in bursts (32 gateways' probe answers, then one report rendered five ways), and with its default growth
 * V8 kept the heap it grew for each burst. Measured on 32 lab gateways (docs/benchmarks.md 7e): peak 214 → 151.8 MB,
 * the check about 5 % longer. Set after start, these act where V8 decides to grow a heap space: its young generation
 * stays at its starting size (1 MB on Node 20, 22 and 24, measured by hand; test/unit/heap-tuning.test.ts checks the
 * Node that runs the tests); the limits fixed at start are not changed. Only the command line calls this: a program
 * using cocoscan as a library keeps its own settings.
 */
export function tuneHeapForCli(): void {
  setFlagsFromString('--optimize-for-size');
  setFlagsFromString('--semi-space-growth-factor=1');
}
