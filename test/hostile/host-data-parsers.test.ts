import { describe, expect, it } from 'vitest';
import { parseAvData } from '../../src/av/parse.ts';
import * as patchParsers from '../../src/patch/parse.ts';

/**
 * Output a hostile host can put in an agent report or an SSH command's answer (capped at 4 MB per command
 * over SSH): every parser reads it in time linear in its size. The limit is generous for a loaded 2-core
 * machine; the quadratic dnf reader this guards against took over 90 s for 200 KB of blank lines.
 */
const SIZE = 1024 * 1024;
const LIMIT_MS = 10_000;
const hostile: Record<string, string> = {
  'blank lines': '\n'.repeat(SIZE),
  'spaces and line ends': ' \n'.repeat(SIZE / 2),
  'one long line of spaces': ' '.repeat(SIZE),
  'a rule that never ends': `\n${'='.repeat(SIZE)}`,
  'dashes and digits': '1-'.repeat(SIZE / 2),
  'freshclam headers without dates': 'ClamAV update process started at \n'.repeat(SIZE / 34),
  'clamscan slashes': `ClamAV 1.4.6${'/'.repeat(SIZE)}`,
};
const parsers: [string, (text: string) => unknown][] = [
  ['parseAvData', (text) => parseAvData(text, 0)],
  ...Object.entries(patchParsers as Record<string, unknown>).filter((e): e is [string, (text: string) => unknown] => typeof e[1] === 'function'),
];

describe('host data parsers on hostile output: time bound and verdict', () => {
  for (const [shape, text] of Object.entries(hostile)) {
    it(`${shape} (${Math.round(text.length / 1024)} KB)`, () => {
      for (const [name, parse] of parsers) {
        const started = performance.now();
        const result = parse(text);
        const elapsed = performance.now() - started;
        expect(elapsed, `${name} on ${shape}`).toBeLessThan(LIMIT_MS);
        // Nothing in these shapes is a package, an advisory or an anti-virus product.
        if (Array.isArray(result)) expect(result.filter((r) => typeof r === 'object' && r !== null && 'name' in r), name).toEqual([]);
        if (result instanceof Map) expect(result.size, name).toBe(0);
      }
    });
  }
  it('a freshclam.log of undated headers is read as undated, not as a week without updates', () => {
    const [log] = parseAvData(hostile['freshclam headers without dates']!, 0);
    expect(log?.updateRuns).toEqual([]);
    expect(log?.historyProblem).toMatch(/no dated line/);
  });
});
