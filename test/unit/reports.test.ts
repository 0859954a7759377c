import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { connectionFileSchema } from '../../src/connection/schema.ts';
import { renderReportFiles, writeReportFolder } from '../../src/output/write-report.ts';
import { loadProfile } from '../../src/profile/load.ts';
import type { RunReport } from '../../src/report/schema.ts';
import { runCheck, type CheckResult } from '../../src/run-check.ts';
import { publishedSchemas } from '../../src/schemas.ts';
import { renderHtml } from '../../reports/html.ts';
import { renderMarkdown } from '../../reports/markdown.ts';
import { fakeNmap } from '../helpers/fake-nmap.ts';
import { ROOT, tempDir } from '../helpers/cli.ts';

const connection = connectionFileSchema.parse({
  connection: { name: 'cms-acme', mojSystem: 'Case Management System', thirdPartySystem: 'Acme Case Portal', organisation: 'Acme Ltd' },
  gateways: [{ name: 'acme-gw-1', host: '127.0.0.1' }],
  flows: [
    { name: 'case-sync', protocol: 'https', port: 443 },
    { name: 'admin', protocol: 'ssh', port: 22 },
  ],
  onwardConnections: [{ name: 'backup', description: 'Nightly <b>backup</b> to | a vault' }],
  scan: { tcpPorts: '1-1024,8080', probeTimeoutSeconds: 2 },
  snmp: { timeoutSeconds: 0.5 },
});

let result: CheckResult;
beforeAll(async () => {
  const clock = [new Date('2026-11-22T10:00:00Z'), new Date('2026-11-22T10:00:05Z')];
  let tick = 0;
  result = await runCheck({
    connection,
    profile: await loadProfile(),
    exec: fakeNmap('open-gateway.xml'),
    now: () => clock[Math.min(tick++, 1)]!,
    privileged: true,
  });
});

function withHostileBanner(report: RunReport): RunReport {
  return {
    ...report,
    findings: report.findings.map((f) =>
      f.status === 'fail'
        ? {
            ...f,
            message: `${f.message} <script>alert(1)</script>`,
            evidence: { ...f.evidence, raw: 'SSH-2.0-x\n```\n<img src=x onerror=alert(2)>' },
          }
        : f,
    ),
  };
}

describe('engine run over recorded nmap output', () => {
  it('judges the open gateway: undeclared 8080 fails CoCo-8, resets fail CoCo-9', () => {
    const rows = Object.fromEntries(result.report.rows.map((r) => [r.ref, r]));
    expect(rows['CoCo-8']?.compliance).toBe('No');
    expect(rows['CoCo-8']?.comment).toContain('Undeclared port 8080/tcp is open on 127.0.0.1: http nginx 1.22.1');
    expect(rows['CoCo-9']?.compliance).toBe('No');
    expect(rows['CoCo-1']).toMatchObject({ method: 'manual', compliance: null });
    expect(rows['A.5']).toMatchObject({ heading: true, method: null, compliance: null });
    expect(result.report.summary).toMatchObject({ verdict: 'not-compliant', exitCode: 1 });
    expect(result.report.startedAt).toBe('2026-11-22T10:00:00.000Z');
  });

  it('writes a report.json that validates against the published JSON Schema', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    const validate = ajv.compile(publishedSchemas()['report.schema.json'] as object);
    const report = JSON.parse(JSON.stringify(result.report));
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...report, schemaVersion: 2 })).toBe(false);
  });
});

describe('renderers', () => {
  it('HTML escapes everything a target sent back and loads nothing from outside', () => {
    const html = renderHtml(withHostileBanner(result.report));
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script>alert(1)&lt;/script>');
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
    expect(html).toContain("default-src 'none'");
    expect(html).toContain('Undeclared port 8080/tcp is open');
    expect(html).toContain('Nightly &lt;b>backup&lt;/b>');
  });

  it('Markdown keeps the standard columns and cannot be broken by hostile text', () => {
    const md = renderMarkdown(withHostileBanner(result.report));
    expect(md).toContain('| Ref | Control | Compliance | Owner/Reference | Solution/Comments |');
    expect(md).not.toContain('<script>');
    expect(md).toContain('&lt;script&gt;');
    // The raw excerpt holds a ``` run, so its fence must be longer.
    expect(md).toContain('````text');
    expect(md).toMatch(/\| CoCo-8 \| .* \| No \| Measured by cocoscan/);
  });

  it('writes a folder whose manifest sha256sum -c verifies, and refuses a foreign folder', async () => {
    const dir = await tempDir();
    const out = join(dir, 'report');
    await writeReportFolder(out, await renderReportFiles(result.report, result.artefacts));
    const check = execFileSync('sha256sum', ['-c', 'evidence/manifest.sha256'], { cwd: out, encoding: 'utf8' });
    expect(check).toContain('report.json: OK');
    expect(check).toContain('evidence/gateways/acme-gw-1/nmap-sweep.xml: OK');
    // Writing again replaces the earlier report.
    await writeReportFolder(out, await renderReportFiles(result.report, result.artefacts));
    await expect(writeReportFolder(ROOT, await renderReportFiles(result.report, result.artefacts))).rejects.toThrow(
      /not a cocoscan report/,
    );
    expect((JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as RunReport).schemaVersion).toBe(1);
  });
});

describe('published schemas', () => {
  it('match the zod schemas (run npm run schemas after changing them)', async () => {
    for (const [file, schema] of Object.entries(publishedSchemas())) {
      const committed = JSON.parse(await readFile(join(ROOT, 'schemas', file), 'utf8'));
      expect(committed, file).toEqual(JSON.parse(JSON.stringify(schema)));
    }
  });

  it('connection schema accepts the example and rejects a bad port', async () => {
    const ajv = new Ajv2020({ strict: false });
    const validate = ajv.compile(publishedSchemas()['connection.schema.json'] as object);
    const { parse } = await import('yaml');
    const example = parse(await readFile(join(ROOT, 'examples/connection.yaml'), 'utf8'));
    expect(validate(example), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...example, flows: [{ name: 'x', protocol: 'ssh', port: 70000 }] })).toBe(false);
  });
});

describe('statement.docx with thousands of findings', () => {
  it('lists at most MAX_DOCX_ROWS findings, failures first, and sends the reader to report.json for the rest', async () => {
    const { strFromU8, unzipSync } = await import('fflate');
    const { MAX_DOCX_ROWS, renderDocx } = await import('../../reports/docx.ts');
    const base = result.report.findings[0]!;
    const findings = Array.from({ length: 3000 }, (_, i) => ({
      ...base,
      key: `${base.key}#${i}`,
      status: i % 10 === 9 ? ('fail' as const) : ('pass' as const),
      message: i % 10 === 9 ? `failing-${i}` : `passing-${i}`,
    }));
    const docx = await renderDocx({ ...result.report, findings });
    const xml = strFromU8(unzipSync(new Uint8Array(docx))['word/document.xml']!);
    expect(xml).toContain(`${3000 - MAX_DOCX_ROWS} more finding(s), passes last, are in report.json and report.html.`);
    // All 300 failures come before any pass; then passes fill the table up to the cap.
    expect(xml).toContain('failing-2999');
    expect(xml).toContain('passing-0<');
    expect((xml.match(/passing-\d+</g) ?? []).length).toBe(MAX_DOCX_ROWS - 300);
  });

  it('writes its own body XML well-formed: markup, ampersands and line breaks in a message stay text', async () => {
    const { strFromU8, unzipSync } = await import('fflate');
    const { XMLValidator } = await import('fast-xml-parser');
    const { renderDocx } = await import('../../reports/docx.ts');
    const base = result.report.findings.find((f) => f.status === 'fail')!;
    const message = 'Tom & Jerry </w:t></w:r></w:p><w:p><w:r><w:t>injected\nsecond line > first';
    const zip = unzipSync(new Uint8Array(await renderDocx({ ...result.report, findings: [{ ...base, message }] })));
    const xml = strFromU8(zip['word/document.xml']!);
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml).toContain(
      '>Tom &amp; Jerry &lt;/w:t&gt;&lt;/w:r&gt;&lt;/w:p&gt;&lt;w:p&gt;&lt;w:r&gt;&lt;w:t&gt;injected</w:t></w:r></w:p>',
    );
    expect(xml).toContain('<w:t xml:space="preserve">second line &gt; first</w:t>');
    expect(xml).toMatch(/<w:sectPr>(<w:(header|footer)Reference [^>]*\/>)*<w:pgSz w:w="16838" w:h="11906" w:orient="landscape"\/>/);
    expect(Object.keys(zip).filter((name) => name === 'word/document.xml')).toHaveLength(1);
  });

  it("draws each table's grid once and sizes its text through one style, not on every cell (a cell's own properties cost memory)", async () => {
    const { strFromU8, unzipSync } = await import('fflate');
    const { renderDocx } = await import('../../reports/docx.ts');
    const zip = unzipSync(new Uint8Array(await renderDocx(result.report)));
    const xml = strFromU8(zip['word/document.xml']!);
    const tables = xml.match(/<w:tbl>/g) ?? [];
    expect(tables.length).toBeGreaterThan(2);
    const grids = xml.match(/<w:tblBorders>[\s\S]*?<\/w:tblBorders>/g) ?? [];
    expect(grids).toHaveLength(tables.length);
    for (const grid of grids)
      for (const edge of ['top', 'left', 'bottom', 'right', 'insideH', 'insideV']) expect(grid).toContain(`<w:${edge} `);
    expect(xml).not.toContain('<w:tcBorders>');
    expect(xml).not.toMatch(/<w:r><w:rPr>(<w:b\/><w:bCs\/>)?<w:sz /);
    const cells = xml.match(/<w:tc>/g) ?? [];
    expect((xml.match(/<w:pStyle w:val="CocoscanCell"\/>/g) ?? []).length).toBeGreaterThanOrEqual(cells.length);
    expect(strFromU8(zip['word/styles.xml']!)).toMatch(/<w:style w:type="paragraph" w:styleId="CocoscanCell">[\s\S]*?<w:sz w:val="18"\/>/);
  });
});
