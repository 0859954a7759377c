import { strFromU8, unzipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { connectionFileSchema } from '../../src/connection/schema.ts';
import { earlierRun } from '../../src/history/timeline.ts';
import { loadProfile } from '../../src/profile/load.ts';
import { MAX_EARLIER_RUNS, type RunReport } from '../../src/report/schema.ts';
import { runCheck } from '../../src/run-check.ts';
import { renderDocx } from '../../reports/docx.ts';
import { renderHtml } from '../../reports/html.ts';
import { renderMarkdown } from '../../reports/markdown.ts';
import { timelineMarkdown, verdictTimeline, type TimelineModel } from '../../reports/timeline.ts';
import { fakeNmap } from '../helpers/fake-nmap.ts';

let report: RunReport;
beforeAll(async () => {
  const connection = connectionFileSchema.parse({
    connection: { name: 'cms-acme', connectedSystem: 'Case Management System', connectingSystem: 'Acme Portal', organisation: 'Acme' },
    gateways: [{ name: 'acme-gw-1', host: '127.0.0.1' }],
    flows: [{ name: 'case-sync', protocol: 'https', port: 443 }],
    scan: { tcpPorts: '1-1024,8080', probeTimeoutSeconds: 2 },
    snmp: { timeoutSeconds: 0.5 },
  });
  const clock = [new Date('2026-11-30T16:38:00Z'), new Date('2026-11-30T16:39:05Z')];
  let tick = 0;
  ({ report } = await runCheck({
    connection,
    profile: await loadProfile(),
    exec: fakeNmap('open-gateway.xml'),
    now: () => clock[Math.min(tick++, 1)]!,
    privileged: true,
  }));
});

/** The timeline's SVG as report.html draws it. */
const svgOf = (r: RunReport) => /<svg class="timeline"[\s\S]*?<\/svg>/.exec(renderHtml(r))![0];

const automated = (r: RunReport) => r.rows.filter((row) => row.method === 'automated' && !row.heading);

/** An earlier run a day apart per index, every automated row of the report given `compliance`. */
function earlier(index: number, compliance: 'Yes' | 'No' | 'Partial' | 'N/A' | 'Not assessed', skip: string[] = []) {
  const day = new Date(Date.UTC(2026, 9, 1 + index, 9, 5)).toISOString();
  return {
    id: `cms-acme/run-${index}`,
    startedAt: day,
    rows: automated(report)
      .filter((r) => !skip.includes(r.ref))
      .map((r) => ({ ref: r.ref, compliance })),
  };
}

function withHistory(earlierRuns: ReturnType<typeof earlier>[] | undefined, base = report): RunReport {
  return earlierRuns === undefined ? { ...base, history: undefined } : { ...base, history: { id: 'cms-acme/now', earlierRuns } };
}

const ELEMENTS = ['svg', 'title', 'desc', 'g', 'rect', 'text', 'tspan'];
const ATTRIBUTES = ['class', 'xmlns', 'width', 'height', 'viewBox', 'role', 'aria-labelledby', 'id', 'x', 'y', 'rx', 'fill', 'stroke'];
const MORE_ATTRIBUTES = ['stroke-dasharray', 'font-size', 'font-weight', 'text-anchor', 'transform'];

/** Only the renderer's own elements and attributes: no script, style, link, image, foreign object or event handler. */
function assertInert(svg: string): void {
  const tags = [...svg.matchAll(/<\/?([a-zA-Z][a-zA-Z0-9]*)([^>]*)>/g)];
  expect(tags.length).toBeGreaterThan(10);
  for (const [, name, attributes] of tags) {
    expect(ELEMENTS).toContain(name);
    for (const [, attribute] of attributes!.matchAll(/\s([^\s=]+)="[^"]*"/g))
      expect([...ATTRIBUTES, ...MORE_ATTRIBUTES]).toContain(attribute);
    // Nothing but attributes in the tag: no stray quote that opened another one.
    expect(
      attributes!
        .replace(/\s[^\s=]+="[^"]*"/g, '')
        .replace(/\/$/, '')
        .trim(),
    ).toBe('');
  }
}

describe('verdict timeline model', () => {
  it('is absent when the run keeps no history: no section in any format', async () => {
    const none = withHistory(undefined);
    expect(verdictTimeline(none)).toBeUndefined();
    expect(renderHtml(none)).not.toContain('id="timeline"');
    expect(renderMarkdown(none)).not.toContain('Verdict history');
    expect(strFromU8(unzipSync(await renderDocx(none))['word/document.xml']!)).not.toContain('Verdict history');
  });

  it('with no earlier run: one column, this run, one row per automated statement row', () => {
    const model = verdictTimeline(withHistory([]))!;
    expect(model.runs).toEqual([{ id: 'cms-acme/now', startedAt: report.startedAt, label: '2026-11-30 16:38' }]);
    expect(model.rows.map((r) => r.ref)).toEqual(automated(report).map((r) => r.ref));
    for (const row of model.rows) expect(row.cells).toEqual([automated(report).find((r) => r.ref === row.ref)!.compliance]);
    const svg = svgOf(withHistory([]));
    expect(svg).toContain('this run only (2026-11-30 16:38)');
    expect(svg).toMatch(/font-weight="700">2026-11-30 16:38<\/text>/);
  });

  it('with one earlier run: two columns, oldest first, each verdict from its own run', () => {
    const model = verdictTimeline(withHistory([earlier(0, 'Partial')]))!;
    expect(model.runs.map((r) => r.label)).toEqual(['2026-10-01 09:05', '2026-11-30 16:38']);
    const coco8 = model.rows.find((r) => r.ref === 'CoCo-8')!;
    expect(coco8.cells).toEqual(['Partial', 'No']);
  });

  it('with many runs: at most 30 columns, the most recent kept; a row an older run lacked is "not in that run"', () => {
    const runs = Array.from({ length: 40 }, (_, i) => earlier(i, i % 2 ? 'Yes' : 'No', i === 39 ? ['CoCo-8'] : []));
    // A row the profile no longer has, and a row named twice in a stored run (the first counts).
    runs[39]!.rows.push({ ref: 'Gone-1', compliance: 'No' }, { ref: 'CoCo-9', compliance: 'N/A' });
    const model = verdictTimeline(withHistory(runs))!;
    expect(model.runs).toHaveLength(MAX_EARLIER_RUNS + 1);
    expect(model.runs[0]!.id).toBe('cms-acme/run-11');
    expect(model.rows.some((r) => r.ref === 'Gone-1')).toBe(false);
    const coco8 = model.rows.find((r) => r.ref === 'CoCo-8')!;
    expect(coco8.cells.at(-2)).toBeNull();
    expect(coco8.cells.at(-3)).toBe('No');
    expect(model.rows.find((r) => r.ref === 'CoCo-9')!.cells.at(-2)).toBe('Yes');
    const svg = svgOf(withHistory(runs));
    assertInert(svg);
    expect(svg).toContain('<title>CoCo-8, 2026-11-09 09:05: not in that run</title>');
    expect(svg.match(/<rect /g)!.length).toBe(model.rows.length * 30 + 6);
    // Read without colour: each cell carries its letter, and the description says every verdict in words.
    expect(svg).toMatch(/<desc id="timeline-desc">[^<]*CoCo-8 [^<]*: Yes, No, Yes, [^<]*No, not in that run, No\./);
    const md = timelineMarkdown(model);
    const line = md.find((l) => l.startsWith('| CoCo-8 '))!;
    expect(line.endsWith(' Y N . N |')).toBe(true);
    expect(line.slice(0, -2).split(' | ')[2]!.split(' ')).toHaveLength(30);
  });

  it('keeps only automated rows with a verdict of a stored run', () => {
    const kept = earlierRun({ id: 'x/1', startedAt: report.startedAt, report });
    expect(kept.rows.map((r) => r.ref)).toEqual(automated(report).map((r) => r.ref));
    expect(report.rows.some((r) => r.method === 'manual')).toBe(true);
  });
});

describe('verdict timeline with hostile text', () => {
  const HOSTILE = '<script>alert(1)</script>" onload="x" \u001b[2J \u202etxet ]]> & | [l](http://evil)';

  function hostileWithHistory(): RunReport {
    const hostileReport: RunReport = {
      ...report,
      rows: report.rows.map((r) => (r.method === 'automated' ? { ...r, title: `${r.title} ${HOSTILE}` } : r)),
    };
    const runs = [{ id: HOSTILE, startedAt: HOSTILE, rows: [{ ref: 'CoCo-8', compliance: 'No' as const }] }];
    return withHistory(runs, hostileReport);
  }
  const hostileModel = (): TimelineModel => verdictTimeline(hostileWithHistory())!;

  it('escapes row titles and run labels in the SVG, which stays inert', () => {
    const svg = svgOf(hostileWithHistory());
    assertInert(svg);
    expect(svg).not.toContain('<script');
    expect(svg).not.toContain('" onload="');
    expect(svg).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
    expect(svg).toContain('&lt;script>alert(1)&lt;/script>&quot; onload=&quot;x&quot;');
    expect(svg).toContain('\\x1b[2J');
    expect(svg).toContain('\\u202etxet');
  });

  it('escapes them in Markdown: one cell each, no link', () => {
    const md = timelineMarkdown(hostileModel());
    for (const line of md.filter((l) => l.startsWith('| CoCo'))) {
      expect(line.split(/(?<!\\)\|/)).toHaveLength(5);
      expect(line).not.toMatch(/(?<!\\)\[l\]/);
      expect(line).not.toContain('<script');
    }
  });

  it('the HTML report keeps its content-security policy and no element of the timeline fetches or runs anything', async () => {
    const model = hostileModel();
    const hostileReport = { ...report, rows: report.rows.map((r) => ({ ...r, title: `${r.title} ${HOSTILE}` })) };
    const html = renderHtml({ ...hostileReport, history: { id: 'cms-acme/now', earlierRuns: [] } });
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'"/>`);
    expect(html).toContain('<li><a href="#timeline">Verdict history</a></li>');
    const svg = /<svg class="timeline"[\s\S]*?<\/svg>/.exec(html)![0];
    assertInert(svg);
    expect(html).not.toContain('<script');
    expect(model.rows.length).toBeGreaterThan(3);
    const docx = strFromU8(unzipSync(await renderDocx(withHistory([earlier(0, 'No')])))['word/document.xml']!);
    expect(docx).toContain('Verdict history');
    expect(docx).toContain('Verdicts, oldest first');
    expect(docx).toMatch(/>CoCo-8<[\s\S]*?>N N</);
  });
});
