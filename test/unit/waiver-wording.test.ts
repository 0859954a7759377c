import { parseTestProfile } from '../helpers/test-profile.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import { connectionFileSchema } from '../../src/connection/schema.ts';
import type { RunReport } from '../../src/report/schema.ts';
import { runCheck } from '../../src/run-check.ts';
import type { Waiver } from '../../src/waivers/waivers.ts';
import { describeWaiver, unmatchedWaiver, waiverComment, waiverSentence, waiverState } from '../../src/waivers/wording.ts';
import { renderCsv } from '../../reports/csv.ts';
import { renderHtml } from '../../reports/html.ts';
import { renderMarkdown } from '../../reports/markdown.ts';
import { renderTextSummary } from '../../reports/text.ts';
import { fakeNmap } from '../helpers/fake-nmap.ts';

const NOW = new Date('2026-11-22T10:00:00Z');
const active = {
  status: 'active' as const,
  expires: '2026-11-23',
  approvedBy: 'J. Smith',
  justification: 'Replacement on order',
  plan: 'Install it',
  scope: 'row' as const,
};
const expired = { ...active, status: 'expired' as const, expires: '2026-11-21', scope: 'findings' as const };

describe('the waiver sentences', () => {
  it('say the state, who approved it, why and the plan', () => {
    expect(waiverState(active)).toBe('waived until 2026-11-23');
    expect(waiverState(expired)).toBe('EXPIRED on 2026-11-21, counts again');
    expect(waiverSentence(active)).toBe('waived until 2026-11-23; approved by J. Smith; Replacement on order; plan: Install it');
    expect(waiverComment(expired)).toBe(
      ' Waiver: EXPIRED on 2026-11-21, counts again; approved by J. Smith; Replacement on order; plan: Install it',
    );
    expect(
      describeWaiver({
        finding: 'tls.cbc-suites',
        target: 'gw/443',
        justification: 'j',
        approvedBy: 'a',
        plan: 'p',
        expires: '2027-01-01',
      }),
    ).toBe('tls.cbc-suites on gw/443 (expires 2027-01-01)');
    expect(describeWaiver({ ref: 'CoCo-9', justification: 'j', approvedBy: 'a', plan: 'p', expires: '2027-01-01' })).toBe(
      'CoCo-9 (expires 2027-01-01)',
    );
    expect(unmatchedWaiver('CoCo-9 (expires 2027-01-01)')).toBe('Waiver matched nothing (remove it?): CoCo-9 (expires 2027-01-01)');
  });

  it('escape only the values, with the marks given', () => {
    const marks = { value: (t: string) => `<${t}>`, alarm: (t: string) => `!${t}!` };
    expect(waiverSentence(expired, marks)).toBe(
      '!EXPIRED on <2026-11-21>!, counts again; approved by <J. Smith>; <Replacement on order>; plan: <Install it>',
    );
    expect(unmatchedWaiver('x', marks)).toBe('Waiver matched nothing (remove it?): <x>');
  });
});

describe('every renderer words a waiver the same way', () => {
  let report: RunReport;
  beforeAll(async () => {
    const profile = parseTestProfile(
      `id: net
version: "1"
title: Network rows
sections:
  - id: c
    title: C
    rows:
      - { ref: CoCo-8, title: Declared flows only, method: automated, decidedBy: [exposure.undeclared-port] }
      - { ref: CoCo-9, title: Firewall, method: automated, decidedBy: [firewall.filtering] }
`,
      'net.yaml',
    );
    const connection = connectionFileSchema.parse({
      connection: { name: 'cms-acme', mojSystem: 'M', thirdPartySystem: 'T', organisation: 'O' },
      gateways: [{ name: 'acme-gw-1', host: '127.0.0.1' }],
      flows: [
        { name: 'case-sync', protocol: 'https', port: 443 },
        { name: 'admin', protocol: 'ssh', port: 22 },
      ],
      scan: { tcpPorts: '1-1024,8080' },
    });
    const waivers: Waiver[] = [
      {
        ref: 'CoCo-9',
        justification: 'Replacement <b>firewall</b> on order',
        approvedBy: 'J. Smith',
        plan: 'Install it',
        expires: '2026-11-23',
      },
      {
        finding: 'exposure.undeclared-port',
        target: 'acme-gw-1/8080',
        justification: 'Moving',
        approvedBy: 'J. Smith',
        plan: 'VPN',
        expires: '2026-11-21',
      },
      { finding: 'tls.cbc-suites', justification: 'n/a', approvedBy: 'nobody', plan: 'none', expires: '2027-01-01' },
    ];
    report = (await runCheck({ connection, profile, exec: fakeNmap('open-gateway.xml'), now: () => NOW, privileged: true, waivers }))
      .report;
  });

  it('the row comments carry the sentence', () => {
    const [coco8, coco9] = [report.rows.find((r) => r.ref === 'CoCo-8')!, report.rows.find((r) => r.ref === 'CoCo-9')!];
    expect(coco9.comment.endsWith(waiverComment(coco9.waiver!))).toBe(true);
    expect(coco9.comment).toContain(
      'Waiver: waived until 2026-11-23; approved by J. Smith; Replacement <b>firewall</b> on order; plan: Install it',
    );
    expect(coco8.comment).toContain('Waiver: EXPIRED on 2026-11-21, counts again; approved by J. Smith; Moving; plan: VPN');
    expect(report.summary.waivers?.unmatched).toEqual(['tls.cbc-suites (expires 2027-01-01)']);
  });

  it('html, markdown, text and csv', () => {
    const html = renderHtml(report);
    expect(html).toContain(
      '<strong>CoCo-9</strong> (No): waived until 2026-11-23; approved by J. Smith; Replacement &lt;b>firewall&lt;/b> on order; plan: Install it',
    );
    expect(html).toContain('<strong class="fail">EXPIRED on 2026-11-21</strong>, counts again; approved by J. Smith; Moving; plan: VPN');
    expect(html).toContain('<li>Waiver matched nothing (remove it?): tls.cbc-suites (expires 2027-01-01)</li>');
    const md = renderMarkdown(report);
    expect(md).toContain('- CoCo-8 (No): **EXPIRED on 2026-11-21**, counts again; approved by J. Smith; Moving; plan: VPN');
    expect(md).toContain(
      '- CoCo-9 (No): waived until 2026-11-23; approved by J. Smith; Replacement &lt;b&gt;firewall&lt;/b&gt; on order; plan: Install it',
    );
    expect(md).toContain('- Waiver matched nothing (remove it?): tls.cbc-suites (expires 2027-01-01)');
    const text = renderTextSummary(report);
    expect(text).toMatch(/CoCo-8 .* \[EXPIRED on 2026-11-21, counts again\]/);
    expect(text).toMatch(/CoCo-9 .* \[waived until 2026-11-23\]/);
    expect(text).toContain('Waiver matched nothing (remove it?): tls.cbc-suites (expires 2027-01-01)');
    const csv = renderCsv(report);
    expect(csv).toMatch(/,waived until 2026-11-23\r\n/);
    expect(csv).toMatch(/,"?EXPIRED on 2026-11-21, counts again"?\r\n/);
  });
});
