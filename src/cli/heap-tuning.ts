import { setFlagsFromString } from 'node:v8';

/**
 * V8 told to favour memory over speed in the CLI process. A check spends its time waiting on the network and
 * allocates in bursts (32 gateways' probe answers, then one report rendered five ways), and V8's default growth
 * kept the heap it grew for each burst. Measured on 32 lab gateways (docs/benchmarks.md 7e): peak 204 → 158-166 MB
 * for a check 22.3 → 23.4 s long; one gateway 150 → 120 MB at the same time. Both flags are read when V8 decides
 * to grow or shrink a heap space, so they act when set after start (the space size limits are fixed at start and
 * are not touched). Only the command line calls this: a program using cocoscan as a library keeps its own settings.
 */
export function tuneHeapForCli(): void {
  setFlagsFromString('--optimize-for-size');
  setFlagsFromString('--semi-space-growth-factor=1');
}
