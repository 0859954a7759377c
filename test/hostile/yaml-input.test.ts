import { describe, expect, it } from 'vitest';
import { holdsRawJavaScriptMessage, InputFileError } from '../../src/errors.ts';
import { parseYaml } from '../../src/input/yaml-input.ts';

function problemsOf(text: string): string[] {
  try {
    parseYaml(text, 'hostile.yaml', 'connection file');
  } catch (error) {
    expect(error).toBeInstanceOf(InputFileError);
    return (error as InputFileError).problems.map((p) => p.message);
  }
  throw new Error('expected the YAML to be refused');
}

describe('hostile YAML in a file cocoscan reads', () => {
  it('a map of many distinct keys is read in linear time (the duplicate check must not compare every pair)', () => {
    // 60,000 keys is 0.6 MB, far under the 5 MiB cap; comparing every pair of keys took about 27 s.
    const text = Array.from({ length: 60_000 }, (_, i) => `k${i}: 1`).join('\n');
    const started = Date.now();
    const { data } = parseYaml(text, 'hostile.yaml', 'connection file');
    expect(Date.now() - started).toBeLessThan(8000);
    expect(Object.keys(data as object)).toHaveLength(60_000);
  });

  it('a flow list of 300,000 items is read without overflowing the stack', () => {
    const { data } = parseYaml(`a: [${'1,'.repeat(300_000)}1]`, 'hostile.yaml', 'connection file');
    expect((data as { a: number[] }).a).toHaveLength(300_001);
  });

  it('duplicate keys are still refused, at every depth and in flow maps, with their line', () => {
    expect(problemsOf('a: 1\nb: 2\na: 3\n')).toEqual([expect.stringMatching(/unique/i)]);
    expect(problemsOf('x:\n  y: {a: 1, a: 2}\n')).toEqual([expect.stringMatching(/unique/i)]);
    expect(problemsOf('x:\n  - a: 1\n    a: 2\n')).toEqual([expect.stringMatching(/unique/i)]);
    // The same key in JavaScript: a number and a string key would overwrite each other in silence.
    expect(problemsOf('1: a\n"1": b\n')).toEqual([expect.stringMatching(/unique/i)]);
    try {
      parseYaml('a: 1\nb: 2\na: 3\n', 'hostile.yaml', 'connection file');
    } catch (error) {
      expect((error as InputFileError).problems[0]?.line).toBe(3);
    }
    expect(parseYaml('a: {k: 1}\nb: {k: 2}\n', 'f', 'connection file').data).toEqual({ a: { k: 1 }, b: { k: 2 } });
  });

  it.each([
    ['flow sequences', `a: ${'['.repeat(20_000)}${']'.repeat(20_000)}`],
    ['flow maps', `a: ${'{a: '.repeat(20_000)}1${'}'.repeat(20_000)}`],
    ['block maps', Array.from({ length: 3000 }, (_, i) => `${' '.repeat(i)}a:`).join('\n')],
  ])('nesting too deep for the parser (%s) is a plain problem, never the engine message', (_, text) => {
    const problems = problemsOf(text);
    expect(problems.some((p) => holdsRawJavaScriptMessage(p))).toBe(false);
    expect(problems.join('\n')).toMatch(/nest/);
  });
});
