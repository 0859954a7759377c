import { execFileSync } from 'node:child_process';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunReport } from '../src/report/schema.ts';
import { ROOT, runCli, tempDir } from './helpers/cli.ts';
import { offlineConnection } from './helpers/offline-connection.ts';

const PROFILE = join(ROOT, 'test/fixtures/profiles/coco10-only.yaml');

describe('verdict timeline from the history', () => {
  it(
    'each run shows the earlier runs of its connection and profile; folders that are not such runs are passed over',
    { timeout: 150_000 },
    async () => {
      const dir = await tempDir();
      const history = join(dir, 'history');
      const file = await offlineConnection(dir);
      const runs = join(history, 'offline');
      const check = async (out: string) => {
        const result = await runCli(['check', file, '--profile', PROFILE, '--history', history, '--out', join(dir, out), '--no-progress']);
        expect(result.code, result.stderr).toBe(4);
        return JSON.parse(await readFile(join(dir, out, 'report.json'), 'utf8')) as RunReport;
      };

      const first = await check('out1');
      expect(first.history?.earlierRuns).toEqual([]);
      // Older than the first run, so never the run a check compares with (latestRun refuses a damaged newest run).
      // A damaged run and a FIFO where a report should be: read with the safe-read caps, passed over, never waited on.
      await mkdir(join(runs, '20200101T000000000Z'));
      await writeFile(join(runs, '20200101T000000000Z', 'report.json'), '{"not":"a report"}');
      await mkdir(join(runs, '20200102T000000000Z'));
      execFileSync('mkfifo', [join(runs, '20200102T000000000Z', 'report.json')]);
      // A run judged against another profile has other rows: it is not a column of this one's timeline.
      const other = { ...first, profile: { ...first.profile, id: 'another-profile' } };
      const otherDir = join(runs, '20200103T000000000Z');
      await cp(join(runs, first.history!.id.split('/')[1]!), otherDir, { recursive: true });
      await writeFile(join(otherDir, 'report.json'), JSON.stringify(other));

      const second = await check('out2');
      const third = await check('out3');
      expect(third.history?.earlierRuns?.map((r) => r.id)).toEqual([first.history!.id, second.history!.id]);
      expect(third.history?.earlierRuns?.[0]?.rows).toEqual([
        { ref: 'CoCo-10', compliance: first.rows.find((r) => r.ref === 'CoCo-10')!.compliance },
      ]);

      const html = await readFile(join(dir, 'out3', 'report.html'), 'utf8');
      const svg = /<svg class="timeline"[\s\S]*?<\/svg>/.exec(html)?.[0] ?? '';
      expect(svg).toContain('role="img"');
      expect(svg.match(/<title>CoCo-10, /g)).toHaveLength(3);
      expect(svg).toMatch(
        /<title id="timeline-title">Verdict timeline of 1 automated row: 3 runs from [^<]* \(this run\), oldest first<\/title>/,
      );
      expect(svg).toMatch(/<desc id="timeline-desc">CoCo-10 [^<]*: Not assessed, Not assessed, Not assessed\.<\/desc>/);
      const md = await readFile(join(dir, 'out3', 'statement.md'), 'utf8');
      expect(md).toContain('## Verdict history');
      expect(md).toMatch(/^\| CoCo-10 \| .* \| \? \? \? \|$/m);
    },
  );
});
