import { unzipSync, strFromU8 } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { connectionFileSchema } from '../../src/connection/schema.ts';
import { formatError } from '../../src/cli/main.ts';
import { Progress } from '../../src/cli/progress.ts';
import { InputFileError } from '../../src/errors.ts';
import { loadProfile } from '../../src/profile/load.ts';
import type { RunReport } from '../../src/report/schema.ts';
import { runCheck } from '../../src/run-check.ts';
import { renderCsv } from '../../reports/csv.ts';
import { renderDocx } from '../../reports/docx.ts';
import { renderHtml } from '../../reports/html.ts';
import { renderJson } from '../../reports/json.ts';
import { renderMarkdown } from '../../reports/markdown.ts';
import { renderTextSummary } from '../../reports/text.ts';
import { fakeNmap } from '../helpers/fake-nmap.ts';

/** Every attack a gateway (or a careless file) might put into text that reaches a reader. */
const ATTACKS = [
  '[x](http://evil)',
  '![i](http://evil/p.png)',
  '<script>alert(1)</script>',
  '| a | b |',
  '\u001b]8;;http://evil\u0007click\u001b]8;;\u0007',
  '\u001b[2J',
  '\u009b31m',
  'abc\u202edcba',
  '=HYPERLINK("http://evil")',
  '+cmd',
  '-1+1',
  '@SUM(1)',
  '<http://evil>',
  'www.evil.example',
  '**bold** _em_ ~~s~~ `code`',
  '# heading',
];
const HOSTILE = ATTACKS.join(' ');
/** A control (C0 but LF, DEL, C1), a bidirectional or other format character, a line separator. */
const HIDDEN = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u00ad\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u2028\u2029]/;

let hostile: RunReport;
beforeAll(async () => {
  const connection = connectionFileSchema.parse({
    connection: { name: 'cms-acme', mojSystem: 'Case Management System', thirdPartySystem: 'Acme Case Portal', organisation: 'Acme Ltd' },
    gateways: [{ name: 'acme-gw-1', host: '127.0.0.1' }],
    flows: [{ name: 'case-sync', protocol: 'https', port: 443 }],
    onwardConnections: [{ name: 'backup', description: HOSTILE }],
    scan: { tcpPorts: '1-1024,8080', probeTimeoutSeconds: 2 },
    snmp: { timeoutSeconds: 0.5 },
  });
  const clock = [new Date('2026-11-22T10:00:00Z'), new Date('2026-11-22T10:00:05Z')];
  let tick = 0;
  const { report } = await runCheck({
    connection,
    profile: await loadProfile(),
    exec: fakeNmap('open-gateway.xml'),
    now: () => clock[Math.min(tick++, 1)]!,
    privileged: true,
  });
  // Hostile text in every place a renderer shows: finding message, evidence, raw excerpt, row comments,
  // answers, waivers, change descriptions. Cells that start with a formula go first.
  hostile = {
    ...report,
    findings: report.findings.map((f, i) => ({
      ...f,
      message: `${ATTACKS[i % ATTACKS.length]} ${HOSTILE}`,
      evidence: { ...f.evidence, actual: HOSTILE, raw: `SSH-2.0-x ${HOSTILE}\r\nline two\u0000\u001b[31m` },
    })),
    rows: report.rows.map((r, i) => ({
      ...r,
      comment: `${ATTACKS[i % ATTACKS.length]} ${HOSTILE}`,
      ...(r.method === 'manual'
        ? {
            answer: {
              compliance: 'No' as const,
              owner: '=HYPERLINK("http://evil")',
              references: ['@SUM(1)'],
              comment: HOSTILE,
              remediation: { plan: '+cmd', date: '-1+1' },
            },
          }
        : {}),
      ...(r.method === 'automated'
        ? {
            waiver: {
              status: 'active' as const,
              expires: '2027-01-01',
              approvedBy: HOSTILE,
              justification: HOSTILE,
              plan: HOSTILE,
              scope: 'row' as const,
            },
          }
        : {}),
    })),
    summary: { ...report.summary, waivers: { active: 1, expired: 0, unmatched: [HOSTILE] } },
    // A history whose earlier run names are hostile (a stored report is a file anyone could have edited).
    history: {
      id: HOSTILE,
      earlierRuns: [
        {
          id: HOSTILE,
          startedAt: HOSTILE,
          rows: report.rows.flatMap((r) => (r.method === 'automated' ? [{ ref: r.ref, compliance: 'No' as const }] : [])),
        },
      ],
    },
  };
});

/** Occurrences of `char` that Markdown would read as markup: not preceded by an odd run of backslashes. */
function unescaped(text: string, char: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i += 1) {
    if (text[i] !== char) continue;
    let slashes = 0;
    for (let j = i - 1; j >= 0 && text[j] === '\\'; j -= 1) slashes += 1;
    if (slashes % 2 === 0) count += 1;
  }
  return count;
}

function splitFences(md: string): { prose: string; fenced: string[] } {
  const fenced: string[] = [];
  const prose = md.replace(/^(`{3,})text\n([\s\S]*?)\n\1$/gm, (_whole, _fence, body: string) => {
    fenced.push(body);
    return '';
  });
  return { prose, fenced };
}

describe('statement.md shows hostile text as text', () => {
  it('has no link, image, HTML, autolink, emphasis, code span or extra table cell outside its own markup', () => {
    const md = renderMarkdown(hostile);
    expect(md).not.toMatch(HIDDEN);
    const { prose: withContents, fenced } = splitFences(md);
    // The table of contents is the renderer's own links, to its own headings; the titles in them are escaped.
    const contents = withContents.match(/^\d+\. \[.*\]\(#[\p{L}\p{N}_-]*\)$/gmu) ?? [];
    expect(contents.length).toBeGreaterThan(5);
    for (const line of contents) expect(unescaped(line.slice(line.indexOf('[') + 1, line.lastIndexOf(']')), '[')).toBe(0);
    const prose = withContents.replace(/^\d+\. \[.*\]\(#[\p{L}\p{N}_-]*\)$/gmu, '');
    expect(unescaped(prose, '[')).toBe(0);
    expect(unescaped(prose, ']')).toBe(0);
    expect(unescaped(prose, '!')).toBe(0);
    expect(unescaped(prose, '~')).toBe(0);
    expect(prose).not.toContain('<');
    expect(prose).not.toMatch(/https?:\/\//);
    expect(prose).not.toMatch(/(?<!\\)www\./i);
    expect(unescaped(prose, '@')).toBe(0);
    // The renderer's own emphasis and code are balanced pairs at known places; data adds none.
    expect(unescaped(prose, '`')).toBe(2);
    for (const line of prose.split('\n').filter((l) => l.startsWith('#'))) expect(line).toMatch(/^#{1,3} [^#]/);
    // Every table row has exactly the header's number of cells.
    const tables = prose.split(/\n\n/).filter((block) => block.startsWith('|'));
    expect(tables.length).toBeGreaterThan(3);
    for (const table of tables) {
      const [header, ...body] = table.split('\n').filter((l) => l.length > 0);
      for (const line of body) expect(unescaped(line, '|'), line.slice(0, 120)).toBe(unescaped(header!, '|'));
    }
    // The raw excerpt keeps its lines; its controls are visible escapes.
    expect(fenced.length).toBeGreaterThan(0);
    expect(fenced[0]).toContain('\\x1b]8;;http://evil\\x07');
    expect(fenced[0]).toContain('\nline two\\x00\\x1b[31m');
    // Readers see the attack spelled out.
    expect(prose).toContain('\\[x\\](http\\:\\/\\/evil)');
    expect(prose).toContain('abc\\\\u202edcba');
  });
});

describe('report.html', () => {
  it('carries no injected tag, link or control character', () => {
    const html = renderHtml(hostile);
    expect(html).not.toMatch(HIDDEN);
    const tags = new Set([...html.matchAll(/<\/?([a-zA-Z][a-zA-Z0-9]*)/g)].map((m) => m[1]!.toLowerCase()));
    const own = [
      'html',
      'head',
      'meta',
      'title',
      'style',
      'body',
      'header',
      'h1',
      'h2',
      'h3',
      'p',
      'strong',
      'section',
      'ul',
      'li',
      'span',
      'table',
      'thead',
      'tbody',
      'tr',
      'th',
      'td',
      'br',
      'small',
      'a',
      'article',
      'dl',
      'dt',
      'dd',
      'pre',
      'code',
      'nav',
      'ol',
      'div',
      'figure',
      'figcaption',
      'svg',
      'rect',
      'text',
      'g',
      'desc',
      'tspan',
    ];
    expect([...tags].filter((t) => !own.includes(t))).toEqual([]);
    expect([...html.matchAll(/href="([^"]*)"/g)].every((m) => m[1]!.startsWith('#'))).toBe(true);
    expect(html).toContain('\\x1b]8;;http://evil\\x07');
    expect(html).toContain('abc\\u202edcba');
  });
});

/** RFC 4180 reader, enough for the test. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i += 1;
    } else cell += c;
  }
  return rows;
}

describe('statement.csv', () => {
  it('starts no cell with a formula character and carries no control character', () => {
    const csv = renderCsv(hostile);
    expect(csv.replace(/\r\n/g, '')).not.toMatch(HIDDEN);
    const rows = parseCsv(csv);
    expect(rows.length).toBe(hostile.rows.length + 1);
    const cells = rows.flat();
    expect(cells.filter((c) => /^\s*[=+\-@\t\r]/.test(c))).toEqual([]);
    for (const start of ['=HYPERLINK("http://evil")', '+cmd', '-1+1', '@SUM(1)'])
      expect(cells.some((c) => c.startsWith(`'${start}`))).toBe(true);
    expect(rows.every((r) => r.length === rows[0]!.length)).toBe(true);
  });
});

describe('statement.docx', () => {
  it('is well-formed text: controls and bidirectional overrides are visible escapes', async () => {
    const zip = unzipSync(new Uint8Array(await renderDocx(hostile)));
    const xml = strFromU8(zip['word/document.xml']!);
    expect(xml).not.toMatch(HIDDEN);
    expect(xml).toContain('\\x1b]8;;http://evil\\x07');
    expect(xml).toContain('abc\\u202edcba');
    expect(xml).not.toContain('<script>');
  });
});

describe('the terminal', () => {
  const TERMINAL_HIDDEN = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

  it('summary lets no escape sequence, C1 control or bidirectional override through', () => {
    const text = renderTextSummary(hostile, '/tmp/out\u001b[2J');
    expect(text).not.toMatch(TERMINAL_HIDDEN);
    expect(text).toContain('\\x1b[2J');
    expect(text).toContain('\\x9b31m');
  });

  it('report.json printed with --format json holds the same data and nothing a terminal acts on', () => {
    const json = renderJson(hostile);
    expect(json).not.toMatch(TERMINAL_HIDDEN);
    expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify(hostile)));
  });

  it('progress lines draw only their own carriage return, cursor-up and erase-below', () => {
    let written = '';
    const stream = { columns: 400, write: (chunk: string) => ((written += chunk), true) } as unknown as NodeJS.WriteStream;
    const progress = new Progress(stream);
    progress.update({ gateway: 'gw\u009b2J', activity: `banner ${HOSTILE}` });
    progress.start();
    progress.update({ gateway: 'gw2\u001b[1A', activity: HOSTILE });
    progress.update({ gateway: 'gw2\u001b[1A', activity: HOSTILE, openPort: '\u001b[2J/tcp' });
    progress.stop();
    expect(written).toContain('\u001b[1A\r\u001b[J');
    expect(written.replaceAll('\r\u001b[J', '').replaceAll('\u001b[1A', '')).not.toMatch(TERMINAL_HIDDEN);
    expect(written).toContain('gw\\x9b2J');
  });

  it('error messages that quote a file or a server are shown escaped', () => {
    const error = new InputFileError('conn\u001b]0;x\u0007.yaml', [{ path: 'a\u202e', message: HOSTILE }], 'fix \u009b');
    expect(formatError(error)).not.toMatch(TERMINAL_HIDDEN);
  });
});
