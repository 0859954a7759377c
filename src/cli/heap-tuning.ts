import { setFlagsFromString } from 'node:v8';

/**
 * Keeps V8's young generation at its starting size (1 MB a semi-space) for the CLI process. A check allocates in
 * bursts (32 gateways' probe answers, then rendering a report of a few MB five ways) and V8 otherwise grows the
 * young generation to 16 MB a semi-space and keeps it, which with the old space it spills into measured about
 * 30 MB more peak memory for 32 lab gateways; rendering those reports was no slower this way (430 ms against
 * 460 ms; docs/benchmarks.md 7e). This flag is read whenever V8 resizes the young generation, so it takes effect
 * when set after start; the size limits themselves are fixed at start and cannot be changed here.
 * Only the command line calls this: a program using cocoscan as a library keeps its own heap settings.
 */
export function tuneHeapForCli(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}
