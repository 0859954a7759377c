import { strFromU8, unzipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { connectionFileSchema } from '../../src/connection/schema.ts';
import type { Exec } from '../../src/exec.ts';
import type { Finding, FindingStatus } from '../../src/findings.ts';
import { evaluateRow } from '../../src/profile/evaluate.ts';
import type { ProfileRow } from '../../src/profile/load.ts';
import { loadProfile } from '../../src/profile/load.ts';
import type { FindingId } from '../../src/probe/registry.ts';
import type { RunReport } from '../../src/report/schema.ts';
import { runCheck } from '../../src/run-check.ts';
import { renderDocx } from '../../reports/docx.ts';
import { renderHtml } from '../../reports/html.ts';
import { renderMarkdown } from '../../reports/markdown.ts';
import { portCounts, portsSvg } from '../../reports/ports-svg.ts';
import { findingBadge, readableTime, scorecard, untestedLines } from '../../reports/view-model.ts';
import { fakeNmap } from '../helpers/fake-nmap.ts';

/** Two gateways: one with an undeclared port open, one behind a firewall that answers nothing. */
// gw-open: firewalled, with one undeclared port (22) open; gw-closed: nmap finds it down (nothing measured there).
// Discovery runs one nmap per gateway here (one per core), and -sV, run on both, answers for the first.
const OPEN = fakeNmap('firewalled-gateway.xml');
const DOWN = fakeNmap('unreachable-host.xml');
const twoGateways: Exec = (command, args, options) => (args.includes('127.0.0.1') ? OPEN : DOWN)(command, args, options);

let report: RunReport;
beforeAll(async () => {
  const connection = connectionFileSchema.parse({
    connection: { name: 'cms-acme', connectedSystem: 'Case Management System', connectingSystem: 'Acme Portal', organisation: 'Acme' },
    gateways: [
      { name: 'gw-open', host: '127.0.0.1' },
      { name: 'gw-closed', host: '127.0.0.2' },
    ],
    flows: [{ name: 'case-sync', protocol: 'https', port: 443 }],
    scan: { tcpPorts: '1-1024,8080', probeTimeoutSeconds: 2 },
    snmp: { timeoutSeconds: 0.5 },
  });
  const clock = [new Date('2026-11-30T16:38:00Z'), new Date('2026-11-30T16:39:05Z')];
  let tick = 0;
  ({ report } = await runCheck({
    connection,
    profile: await loadProfile(),
    exec: twoGateways,
    now: () => clock[Math.min(tick++, 1)]!,
    privileged: true,
  }));
});

/** The report with hostile text in every finding message: the scorecard's reasons carry it. */
function hostile(r: RunReport): RunReport {
  return {
    ...r,
    findings: r.findings.map((f) => ({ ...f, message: `${f.message} <script>alert(1)</script> | [x](http://evil) \u001b[2J` })),
  };
}

describe('scorecard', () => {
  it('judges each gateway on its own findings: CoCo-8 is No on the open gateway only', () => {
    const coco8 = report.rows.find((r) => r.ref === 'CoCo-8')!;
    expect(coco8.compliance).toBe('No');
    const byGateway = Object.fromEntries((coco8.gateways ?? []).map((g) => [g.gateway, g.compliance]));
    expect(byGateway['gw-open']).toBe('No');
    expect(byGateway['gw-closed']).not.toBe('No');
    expect(coco8.reason).toMatch(/^exposure\.undeclared-port@gw-open/);
    // A finding about the connection as a whole (CoCo-2's comparison with earlier runs) counts for every gateway.
    const coco2 = report.rows.find((r) => r.ref === 'CoCo-2')!;
    expect(coco2.gateways?.map((g) => g.gateway)).toEqual(['gw-open', 'gw-closed']);
    for (const g of coco2.gateways!) expect(g.compliance).toBe(coco2.compliance);
    const groups = scorecard(report);
    expect(groups.map((g) => g.gateway)).toEqual(['gw-open', 'gw-closed']);
    const line = groups[0]!.lines.find((l) => l.ref === 'CoCo-8')!;
    expect(line).toMatchObject({ compliance: 'No' });
    expect(line.reason).toMatch(/^gw-open: Undeclared port \d+\/tcp is open/);
    expect(groups[1]!.lines.find((l) => l.ref === 'CoCo-8')!.reason).not.toContain('Undeclared port');
    // One line per automated row in each gateway's card.
    const automated = report.rows.filter((r) => r.method === 'automated').length;
    for (const g of groups) expect(g.lines).toHaveLength(automated);
  });

  it('is one card of the rows themselves when there is one gateway', () => {
    const single: RunReport = { ...report, rows: report.rows.map(({ gateways: _, ...row }) => row) };
    const groups = scorecard(single);
    expect(groups).toHaveLength(1);
    expect(groups[0]!.gateway).toBeNull();
    expect(groups[0]!.lines.find((l) => l.ref === 'CoCo-8')!.compliance).toBe('No');
  });

  it('comes first in HTML, Markdown and DOCX: before the summary, the statement and any list of findings', async () => {
    const html = renderHtml(report);
    const card = html.indexOf('<section class="scorecard"');
    expect(card).toBeGreaterThan(0);
    for (const later of ['<section id="summary"', '<h2>Findings</h2>', 'id="row-CoCo-8"'])
      expect(html.indexOf(later)).toBeGreaterThan(card);
    expect(html).toContain('<h3>Gateway gw-open</h3>');
    expect(html).toMatch(/<a href="#row-CoCo-8">CoCo-8<\/a><\/td><td>[^<]*<\/td><td><span class="compliance no">No<\/span>/);

    const md = renderMarkdown(report);
    expect(md.indexOf('## Scorecard')).toBeGreaterThan(0);
    expect(md.indexOf('## Scorecard')).toBeLessThan(md.indexOf('## Findings'));
    expect(md.indexOf('### Gateway gw-open')).toBeLessThan(md.indexOf('### Gateway gw-closed'));
    expect(md).toMatch(/\| CoCo-8 \| [^|]+ \| No \| gw-open: Undeclared port \d+\/tcp is open/);

    const xml = strFromU8(unzipSync(new Uint8Array(await renderDocx(report)))['word/document.xml']!);
    expect(xml.indexOf('>Scorecard<')).toBeGreaterThan(0);
    expect(xml.indexOf('>Scorecard<')).toBeLessThan(xml.indexOf('>Evidence summary<'));
    expect(xml).toContain('>Gateway gw-open<');
  });

  it('shows hostile server text in its reasons as text in every format', async () => {
    const bad = hostile(report);
    const html = renderHtml(bad);
    const card = html.slice(
      html.indexOf('<section class="scorecard"'),
      html.indexOf('</section>', html.indexOf('<section class="scorecard"')),
    );
    expect(card).toContain('&lt;script>alert(1)&lt;/script>');
    expect(card).not.toContain('<script');
    expect(card).not.toContain('\u001b');
    const md = renderMarkdown(bad);
    const mdCard = md.slice(md.indexOf('## Scorecard'), md.indexOf('\n## ', md.indexOf('## Scorecard')));
    expect(mdCard).toContain('&lt;script&gt;');
    expect(mdCard).toContain('\\| \\[x\\](http\\:\\/\\/evil)');
    expect(mdCard).not.toContain('\u001b');
    const xml = strFromU8(unzipSync(new Uint8Array(await renderDocx(bad)))['word/document.xml']!);
    expect(xml).not.toContain('<script');
    expect(xml).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });
});

describe('finding badges agree with the row verdicts', () => {
  const row: ProfileRow = {
    ref: 'R-1',
    section: 's',
    title: 'A row',
    heading: false,
    method: 'automated',
    rules: [
      { finding: 'exposure.undeclared-port', onFail: 'No', required: true },
      { finding: 'exposure.declared-port', onFail: 'Partial', required: true },
      { finding: 'tls.hsts', onFail: 'Note', required: true },
    ],
  };
  let port = 2000;
  const finding = (id: FindingId, status: FindingStatus): Finding => ({
    id,
    probe: id.split('.')[0]!,
    target: { gateway: 'gw', host: '192.0.2.1', port: ++port, transport: 'tcp' },
    status,
    severity: 'low',
    message: `${id} ${status}`,
    evidence: { source: 'test', time: '2026-01-01T00:00:00.000Z' },
  });

  it('records what each failure does to the row, and the one deciding finding', () => {
    const no = finding('exposure.undeclared-port', 'fail');
    const partial = finding('exposure.declared-port', 'fail');
    const note = finding('tls.hsts', 'fail');
    const verdict = evaluateRow(row, [note, partial, no]);
    expect(verdict.compliance).toBe('No');
    expect(verdict.reason).toMatch(/^exposure\.undeclared-port@/);
    expect(verdict.effects?.map((e) => e.effect).sort()).toEqual(['No', 'Note', 'Partial']);
    const onlyNote = evaluateRow(row, [finding('exposure.undeclared-port', 'pass'), finding('exposure.declared-port', 'pass'), note]);
    expect(onlyNote.compliance).toBe('Yes');
    expect(onlyNote.effects).toEqual([{ key: expect.stringMatching(/^tls\.hsts@/), effect: 'Note' }]);
  });

  it('shows FAIL, PARTIAL or NOTE by the strongest effect over the rows citing the finding', () => {
    const f = report.findings.find((x) => x.status === 'fail' && x.id === 'exposure.undeclared-port')!;
    expect(findingBadge(report, f)).toEqual({ label: 'FAIL', tone: 'fail' });
    const withEffect = (effect: 'No' | 'Partial' | 'Note'): RunReport => ({
      ...report,
      rows: report.rows.map((r) => ({ ...r, effects: r.findings.includes(f.key) ? [{ key: f.key, effect }] : [] })),
    });
    expect(findingBadge(withEffect('Partial'), f)).toEqual({ label: 'PARTIAL', tone: 'partial' });
    expect(findingBadge(withEffect('Note'), f)).toEqual({ label: 'NOTE', tone: 'note' });
    // A report of an earlier version has no effects: the verdicts of the rows citing the finding decide.
    const old: RunReport = {
      ...report,
      rows: report.rows.map(({ effects: _, ...r }) => ({ ...r, compliance: r.findings.includes(f.key) ? 'Yes' : r.compliance })),
    };
    expect(findingBadge(old, f)).toEqual({ label: 'NOTE', tone: 'note' });
    const pass = report.findings.find((x) => x.status === 'pass')!;
    expect(findingBadge(report, pass)).toEqual({ label: 'PASS', tone: 'pass' });
  });

  it('shows a Note failure as NOTE in HTML, Markdown and DOCX, never as the red FAIL', async () => {
    const f = report.findings.find((x) => x.status === 'fail' && x.id === 'exposure.undeclared-port')!;
    const noted: RunReport = {
      ...report,
      findings: [f],
      rows: report.rows.map((r) => ({ ...r, effects: [{ key: f.key, effect: 'Note' }] })),
    };
    const html = renderHtml(noted);
    expect(html).toContain('<span class="badge note">NOTE</span>');
    expect(html).not.toContain('<span class="badge fail">');
    expect(html).toContain('<h3>Notes (1)</h3>');
    expect(renderMarkdown(noted)).toMatch(/\| NOTE \| exposure\.undeclared-port \|/);
    const xml = strFromU8(unzipSync(new Uint8Array(await renderDocx(noted)))['word/document.xml']!);
    expect(xml).toContain('>NOTE<');
  });
});

describe('readable times', () => {
  it('shows an ISO time as a date a person reads, in UTC, and leaves other text alone', () => {
    expect(readableTime('2026-11-30T16:38:12.345Z')).toBe('30 Nov 2026 16:38 UTC');
    expect(readableTime('2026-01-05T03:04:00+01:00')).toBe('5 Jan 2026 02:04 UTC');
    expect(readableTime('not a time')).toBe('not a time');
    expect(readableTime('2026-13-45T99:00:00Z')).toBe('2026-13-45T99:00:00Z');
  });

  it('is what the human formats show; report.json keeps ISO', () => {
    expect(renderHtml(report)).toContain('30 Nov 2026 16:38 UTC to 30 Nov 2026 16:39 UTC');
    expect(renderMarkdown(report)).toContain('30 Nov 2026 16:38 UTC to 30 Nov 2026 16:39 UTC');
    expect(report.startedAt).toBe('2026-11-30T16:38:00.000Z');
  });
});

function docxParts(buffer: Buffer): Record<string, string> {
  return Object.fromEntries(Object.entries(unzipSync(new Uint8Array(buffer))).map(([name, data]) => [name, strFromU8(data)]));
}

describe('a report a person can sign', () => {
  it('folds the same not-tested reason on one gateway into one line that says what to add', () => {
    const reason = /not tested: no SSH credentials for gw-open/;
    const many = report.findings.filter((f) => f.target.gateway === 'gw-open' && reason.test(f.message));
    expect(many.length).toBeGreaterThan(2);
    const folded = untestedLines(report).filter((l) => l.text.includes('no SSH credentials for gw-open'));
    expect(folded).toHaveLength(1);
    expect(folded[0]!.text).toMatch(new RegExp(`^gw-open: ${many.length} checks not tested: no SSH credentials for gw-open \\(add`));
    const html = renderHtml(report);
    const summary = html.slice(html.indexOf('<section id="summary"'), html.indexOf('</section>', html.indexOf('<section id="summary"')));
    expect(summary.match(/no SSH credentials for gw-open/g)).toHaveLength(1);
    expect(renderMarkdown(report)).toContain(`- NOT TESTED gw-open: ${many.length} checks not tested: no SSH credentials for gw-open`);
  });

  it('keeps hostile text in a folded reason as text', () => {
    const bad: RunReport = {
      ...report,
      findings: report.findings.map((f) => ({
        ...f,
        message: f.message.replace('no SSH credentials', '<img src=x onerror=alert(1)> \u202e'),
      })),
    };
    const html = renderHtml(bad);
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=alert(1)> \\u202e');
  });

  it('has a table of contents whose every link lands on a section (HTML) or a heading (Markdown)', () => {
    const html = renderHtml(report);
    const nav = html.slice(html.indexOf('<nav class="contents"'), html.indexOf('</nav>'));
    const targets = [...nav.matchAll(/href="#([^"]+)"/g)].map((m) => m[1]!);
    expect(targets).toEqual(expect.arrayContaining(['summary', 'connection', 'declaration', 'findings', 'evidence', 'artefacts']));
    for (const id of targets) expect(html, id).toContain(`id="${id}"`);
    const md = renderMarkdown(report);
    const links = [...md.slice(md.indexOf('## Contents'), md.indexOf('\n## ', md.indexOf('## Contents'))).matchAll(/\]\(#([^)]+)\)/g)];
    const headings = new Set(
      [...md.matchAll(/^## (.+)$/gm)].map((m) =>
        m[1]!
          .replace(/\\(.)/g, '$1')
          .toLowerCase()
          .replace(/[^\p{L}\p{N} _-]/gu, '')
          .replace(/ /g, '-'),
      ),
    );
    expect(links.length).toBeGreaterThan(5);
    for (const [, slug] of links) expect(headings, slug).toContain(slug);
  });

  it('ends the statement with a declaration to sign: name, role, signature and date left blank', async () => {
    const html = renderHtml(report);
    const declaration = html.slice(
      html.indexOf('<section id="declaration"'),
      html.indexOf('</section>', html.indexOf('<section id="declaration"')),
    );
    for (const label of ['Name', 'Role', 'Signature', 'Date']) expect(declaration).toContain(`<tr><th>${label}</th><td></td></tr>`);
    expect(html.indexOf('id="declaration"')).toBeGreaterThan(html.indexOf('id="row-CoCo-8"'));
    const md = renderMarkdown(report);
    for (const label of ['Name', 'Role', 'Signature', 'Date']) expect(md).toContain(`| ${label} | |`);
    const xml = docxParts(await renderDocx(report))['word/document.xml']!;
    expect(xml.indexOf('>Declaration<')).toBeGreaterThan(0);
    expect(xml).toContain('>Signature<');
  });

  it('carries the protective marking, OFFICIAL by default, at the top and bottom, and page numbers in print and in Word', async () => {
    const html = renderHtml(report);
    expect(html).toContain('@top-center{content:"OFFICIAL"');
    expect(html).toContain('@bottom-center{content:"OFFICIAL"');
    expect(html).toContain('counter(page)');
    expect(html.match(/<p class="marking">OFFICIAL<\/p>/g)).toHaveLength(2);
    const md = renderMarkdown(report);
    expect(md.startsWith('**OFFICIAL**\n')).toBe(true);
    expect(md.trimEnd().endsWith('**OFFICIAL**')).toBe(true);

    const parts = docxParts(await renderDocx(report));
    const rels = parts['word/_rels/document.xml.rels']!;
    const target = (id: string) => new RegExp(`Id="${id}"[^>]*Target="([^"]+)"`).exec(rels)?.[1];
    expect(parts['word/document.xml']).toMatch(
      /<w:sectPr><w:headerReference w:type="default" r:id="rId6"\/><w:footerReference w:type="default" r:id="rId7"\/>/,
    );
    expect(parts[`word/${target('rId6')}`]).toContain('>OFFICIAL<');
    const footer = parts[`word/${target('rId7')}`]!;
    expect(footer).toContain('>OFFICIAL<');
    expect(footer).toContain('>PAGE<');
    expect(footer).toContain('>NUMPAGES<');
  });

  it("takes the connection file's marking, and keeps a hostile one from ending the style or the page", async () => {
    const marking = 'OFFICIAL-SENSITIVE"}</style><script>alert(1)</script>';
    const connection = connectionFileSchema.parse({
      connection: { name: 'c', connectedSystem: 'A', connectingSystem: 'B', organisation: 'O', marking },
      gateways: [{ name: 'g', host: '127.0.0.1' }],
      flows: [{ name: 'web', protocol: 'https', port: 443 }],
    });
    const marked: RunReport = { ...report, connection: { ...report.connection, connection: connection.connection } };
    const html = renderHtml(marked);
    expect(html).not.toContain('<script>');
    expect(html.match(/<\/style>/g)).toHaveLength(1);
    expect(html).toContain('@top-center{content:"OFFICIAL\\2d SENSITIVE\\22 \\7d \\3c \\2f style\\3e ');
    expect(html).toContain('<p class="marking">OFFICIAL-SENSITIVE&quot;}&lt;/style>&lt;script>');
    expect(renderMarkdown(marked).split('\n')[0]).toBe('**OFFICIAL-SENSITIVE"}&lt;/style&gt;&lt;script&gt;alert(1)&lt;/script&gt;**');
    const parts = docxParts(await renderDocx(marked));
    expect(parts['word/header1.xml']).toContain('OFFICIAL-SENSITIVE&quot;}&lt;/style&gt;');
    expect(connectionFileSchema.safeParse({ ...connection, connection: { ...connection.connection, marking: '' } }).success).toBe(false);
  });
});

describe('statement.docx with characters XML does not allow', () => {
  it('shows U+FFFE and U+FFFF from a server as escapes in every part, so Word can open the file', async () => {
    const odd: RunReport = {
      ...report,
      findings: report.findings.map((f) => ({ ...f, message: `${f.message} \ufffe\uffff` })),
      rows: report.rows.map((r) => ({ ...r, comment: `${r.comment} \uffff` })),
    };
    const parts = docxParts(await renderDocx(odd));
    for (const [name, xml] of Object.entries(parts)) expect(xml, name).not.toMatch(/[\ufffe\uffff]/);
    expect(parts['word/document.xml']).toContain('\\uffff');
  });
});

describe('ports swept, drawn per gateway', () => {
  it('counts declared and undeclared open ports from the observations and filtered ones from the firewall tally', () => {
    const counts = portCounts(report);
    expect(counts.map((c) => c.gateway)).toEqual(['gw-open', 'gw-closed']);
    const open = counts[0]!;
    const observed = (report.observations ?? []).filter((o) => o.kind === 'open-port' && o.gateway === 'gw-open');
    expect(open.declaredOpen + open.undeclaredOpen).toBe(observed.length);
    expect(open.undeclaredOpen).toBeGreaterThan(0);
    const tally = report.findings.find((f) => f.id === 'firewall.filtering' && f.target.gateway === 'gw-open')!.data!;
    expect(open.filtered).toBe((tally.dropped as number) + (tally['icmp-refused'] as number));
    expect(open.filtered).toBeGreaterThan(1000);
    expect(open.closed).toBe(tally.reset);
    // The firewall probe gave no tally for the silent gateway: not measured, never a zero.
    expect(report.findings.find((f) => f.id === 'firewall.filtering' && f.target.gateway === 'gw-closed')?.data).toBeUndefined();
    expect(counts[1]).toMatchObject({ undeclaredOpen: 0, filtered: null, closed: null });
  });

  it('is inline SVG in report.html: no script, no style element, nothing fetched, the gateway name escaped', () => {
    const named: RunReport = {
      ...report,
      connection: {
        ...report.connection,
        gateways: report.connection.gateways.map((g, i) => (i === 0 ? { ...g, name: '<script>x</script>"' } : g)),
      },
    };
    const html = renderHtml(named);
    const svgs = [...html.matchAll(/<svg [\s\S]*?<\/svg>/g)].map((m) => m[0]);
    expect(svgs).toHaveLength(2);
    for (const svg of svgs) {
      expect(svg).not.toMatch(/<script|<style|<image|<use|<foreignObject|href=|on[a-z]+=/i);
      expect(svg).toContain('Undeclared, filtered');
    }
    expect(svgs[0]).toContain('aria-label="&lt;script>x&lt;/script>&quot;: ');
    expect(html.indexOf('<h3>Ports swept</h3>')).toBeGreaterThan(html.indexOf('id="connection"'));
  });

  it('says a count was not measured rather than drawing a zero', () => {
    const svg = portsSvg({ gateway: 'g', declaredOpen: 1, undeclaredOpen: 0, filtered: null, closed: null });
    expect(svg).toContain('>not measured<');
    expect(svg).toMatch(/Declared, open<\/text><rect x="\d+" y="\d+" width="(\d+)"/);
    expect(Number(/Declared, open<\/text><rect x="\d+" y="\d+" width="(\d+)"/.exec(svg)![1])).toBeGreaterThan(0);
  });
});
