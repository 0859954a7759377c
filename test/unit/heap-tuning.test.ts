import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const TUNING = resolve(import.meta.dirname, '../../src/cli/heap-tuning.ts');

/** The young generation's size (MB) in a fresh Node process before and after a burst of short-lived allocation. */
async function newSpaceAroundBurst(tuned: boolean): Promise<{ before: number; after: number }> {
  const script =
    `import { getHeapSpaceStatistics } from 'node:v8';\n` +
    `const newSpace = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 1048576;\n` +
    (tuned ? `const { tuneHeapForCli } = await import(${JSON.stringify(TUNING)});\ntuneHeapForCli();\n` : '') +
    'const before = newSpace();\n' +
    // About 200 MB of garbage in small objects, as a report rendering makes.
    'let keep = 0;\nfor (let i = 0; i < 2_000_000; i += 1) keep += [i, { i, s: `row ${i}` }].length;\n' +
    'process.stdout.write(JSON.stringify({ before, after: newSpace() }));\n';
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { timeout: 60_000 });
  return JSON.parse(stdout) as { before: number; after: number };
}

describe('the heap setting of the command line', () => {
  it("keeps V8's young generation at its starting size through a burst, where it otherwise grows", async () => {
    const [untuned, tuned] = await Promise.all([newSpaceAroundBurst(false), newSpaceAroundBurst(true)]);
    expect(untuned.after).toBeGreaterThanOrEqual(2 * untuned.before);
    expect(tuned.after).toBeLessThanOrEqual(tuned.before);
  });
});
