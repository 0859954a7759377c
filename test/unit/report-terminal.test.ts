import { beforeAll, describe, expect, it } from 'vitest';
import { connectionFileSchema } from '../../src/connection/schema.ts';
import { renderReportFiles } from '../../src/output/write-report.ts';
import { loadProfile } from '../../src/profile/load.ts';
import type { RunReport } from '../../src/report/schema.ts';
import { runCheck, type CheckResult } from '../../src/run-check.ts';
import { renderTextSummary, wantsColour } from '../../reports/text.ts';
import { fakeNmap } from '../helpers/fake-nmap.ts';

let result: CheckResult;
let report: RunReport;
beforeAll(async () => {
  const connection = connectionFileSchema.parse({
    connection: { name: 'cms-acme', connectedSystem: 'Case Management System', connectingSystem: 'Acme Portal', organisation: 'Acme' },
    gateways: [{ name: 'gw', host: '127.0.0.1' }],
    flows: [{ name: 'case-sync', protocol: 'https', port: 443 }],
    scan: { tcpPorts: '1-1024,8080', probeTimeoutSeconds: 2 },
    snmp: { timeoutSeconds: 0.5 },
  });
  const clock = [new Date('2026-11-30T16:38:00Z'), new Date('2026-11-30T16:39:05Z')];
  let tick = 0;
  result = await runCheck({
    connection,
    profile: await loadProfile(),
    exec: fakeNmap('open-gateway.xml'),
    now: () => clock[Math.min(tick++, 1)]!,
    privileged: true,
  });
  report = result.report;
});

const ESC = '\u001b';

describe('terminal summary', () => {
  it('lists failed rows first, then the ones not assessed, then the rest, each in the profile order', () => {
    const text = renderTextSummary(report);
    const shown = [...text.matchAll(/^ {2}(\S+) +(No|Partial|Not assessed|Yes|N\/A) /gm)].map((m) => m[2]!);
    expect(shown.length).toBe(report.rows.filter((r) => r.method === 'automated').length);
    const rank = (v: string) => ['No', 'Partial', 'Not assessed'].indexOf(v) + 1 || 4;
    expect(shown.map(rank)).toEqual([...shown.map(rank)].sort((a, b) => a - b));
    expect(shown[0]).toBe('No');
    expect(shown).toContain('Yes');
  });

  it('writes no escape sequence unless the caller asks for colour, and then only its own', () => {
    const hostile: RunReport = { ...report, rows: report.rows.map((r) => ({ ...r, comment: `\u001b[2J\u009b31m ${r.comment}` })) };
    const plain = renderTextSummary(hostile, '/tmp/out');
    expect(plain).not.toContain(ESC);
    const coloured = renderTextSummary(hostile, '/tmp/out', { colour: true });
    expect(coloured).toMatch(/\u001b\[31mNo +\u001b\[0m/);
    expect(coloured).toMatch(/\u001b\[32mYes +\u001b\[0m/);
    // Only colour codes (SGR) of the renderer: the hostile clear-screen is shown as text.
    expect([...coloured.matchAll(/\u001b\[([0-9;]*)([A-Za-z])/g)].every((m) => m[2] === 'm')).toBe(true);
    expect(coloured).toContain('\\x1b[2J');
    expect(coloured).not.toContain('\u009b');
  });

  it('colours only a terminal, and never with NO_COLOR set', () => {
    expect(wantsColour(true, {})).toBe(true);
    expect(wantsColour(true, { NO_COLOR: '' })).toBe(true);
    expect(wantsColour(true, { NO_COLOR: '1' })).toBe(false);
    expect(wantsColour(false, {})).toBe(false);
    expect(wantsColour(undefined, {})).toBe(false);
  });

  it('names every file written, CSV and Word included, and counts the evidence', async () => {
    const files = [...(await renderReportFiles(report, result.artefacts)).keys()];
    const text = renderTextSummary(report, '/tmp/out', { files });
    for (const name of ['report.html', 'statement.md', 'statement.docx', 'statement.csv', 'findings.csv', 'report.json'])
      expect(text).toContain(`  /tmp/out/${name}\n`);
    const evidence = files.filter((f) => f.startsWith('evidence/')).length;
    expect(evidence).toBeGreaterThan(1);
    expect(text).toContain(`  /tmp/out/evidence/ (${evidence} files)`);
    expect(text).not.toContain('.cocoscan-report');
    expect(text.indexOf('/tmp/out/report.html')).toBeLessThan(text.indexOf('/tmp/out/statement.md'));
    // Without the list, the reports a check writes are still named.
    expect(renderTextSummary(report, '/tmp/out')).toContain('/tmp/out/findings.csv');
  });

  it('folds the same not-tested reason into one line', () => {
    const text = renderTextSummary(report);
    const untested = text.slice(text.indexOf('\nCould not be tested ('));
    expect(untested.match(/no SSH credentials for gw \(add/g)).toHaveLength(1);
    expect(untested).toMatch(/NOT TESTED gw: \d+ checks not tested: no SSH credentials for gw/);
  });
});
