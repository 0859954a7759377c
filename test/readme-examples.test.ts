import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from './helpers/cli.ts';

/** The README's YAML blocks that are whole connection files (a top-level `connection:` key), as printed. */
async function connectionExamples(): Promise<string[]> {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  return [...readme.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)].map((m) => m[1]!).filter((yaml) => /^connection:/m.test(yaml));
}

describe("the README's example connection file", () => {
  it('validates as printed, copied into an empty folder', async () => {
    const examples = await connectionExamples();
    expect(examples.length).toBeGreaterThan(0);
    for (const [index, yaml] of examples.entries()) {
      const file = join(await tempDir(), `readme-example-${index}.yaml`);
      await writeFile(file, yaml);
      const result = await runCli(['validate', file]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
    }
  });
});
