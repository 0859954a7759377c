import { strFromU8, unzipSync } from 'fflate';
import { Socket as UdpSocket } from 'node:dgram';
import { Socket } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { connectionFileSchema } from '../../src/connection/schema.ts';
import { parseProfile } from '../../src/profile/load.ts';
import { runCheck } from '../../src/run-check.ts';
import type { Exec } from '../../src/exec.ts';
import { renderDocx } from '../../reports/docx.ts';
import { renderHtml } from '../../reports/html.ts';
import { renderMarkdown } from '../../reports/markdown.ts';
import { InputFileError } from '../../src/errors.ts';
import { markdownText } from '../../reports/escape.ts';

// The hosting probe alone, on gateways named by DNS names that the test's resolver answers: the run resolves each
// once and the probe looks the answer up in the shipped database. No probe here sends a packet, and nothing is run.
const PROFILE = `id: hosting-only
version: "1.0.0"
title: CoCo-13 alone
thresholds:
  hosting: { allowedCountries: [GB], maxDatabaseAgeDays: 3650 }
sections:
  - id: conditions
    title: Conditions
    rows:
      - ref: CoCo-13
        title: Hosted, operated and supported from within the UK
        method: manual
        guidance: State where the system is hosted and where operations and support staff work.
        supportedBy: [hosting.country, hosting.database-age]
`;

const ADDRESSES = new Map([
  ['uk-gw.example', '212.58.244.22'],
  ['us-gw.example', '8.8.8.8'],
  ['lab-gw.example', '10.213.0.2'],
]);

const connection = connectionFileSchema.parse({
  connection: { name: 'hosting', mojSystem: 'M', thirdPartySystem: 'T', organisation: 'O' },
  gateways: [...ADDRESSES.keys()].map((host) => ({ name: host.replace('.example', ''), host })),
  flows: [{ name: 'admin', protocol: 'ssh', port: 22 }],
});

const nothingRuns: Exec = () => Promise.reject(new Error('the hosting probe runs no program'));

async function check(answers: Parameters<typeof runCheck>[0]['answers'] = []) {
  const { report, evidence } = await runCheck({
    connection,
    profile: parseProfile(PROFILE, 'hosting-only.yaml'),
    exec: nothingRuns,
    resolveHost: (name) => Promise.resolve([ADDRESSES.get(name)!]),
    answers,
  });
  await evidence.dispose();
  return report;
}

describe('CoCo-13 with the hosting findings as supporting evidence', () => {
  it('looks up the address each name resolved to, and leaves the row open for a person', async () => {
    const tcp = vi.spyOn(Socket.prototype, 'connect');
    const udp = vi.spyOn(UdpSocket.prototype, 'send');
    const report = await check().finally(() => {
      tcp.mockRestore();
      udp.mockRestore();
    });
    // No look-up goes to the network: the database is a file.
    expect(tcp).not.toHaveBeenCalled();
    expect(udp).not.toHaveBeenCalled();
    const status = (gateway: string, id = 'hosting.country') => report.findings.find((f) => f.id === id && f.target.gateway === gateway);
    expect(status('uk-gw')).toMatchObject({ status: 'pass', data: { address: '212.58.244.22', country: 'GB' } });
    expect(status('uk-gw')!.message).toContain('supporting evidence only, and the row is for a person to answer');
    expect(status('us-gw')).toMatchObject({ status: 'fail', data: { country: 'US' } });
    expect(status('lab-gw')).toMatchObject({ status: 'not_applicable' });
    expect(status('lab-gw')!.message).toMatch(/10\.213\.0\.2 is a private address \(RFC 1918\).*no public location/);
    expect(status('uk-gw', 'hosting.database-age')).toMatchObject({ status: 'pass' });

    const row = report.rows.find((r) => r.ref === 'CoCo-13')!;
    // A pass in the UK and a fail in the US alike: the row is a person's to answer, the findings are cited beside it.
    expect(row).toMatchObject({ method: 'manual', compliance: null, source: 'open' });
    expect(row.comment).toMatch(/^Open: not yet answered\. Guidance: State where the system is hosted/);
    expect(row.comment).toContain('Supporting evidence, which does not answer this row: uk-gw: 212.58.244.22 is in GB (United Kingdom)');
    expect(row.comment).toContain('us-gw: 8.8.8.8 is in US (United States)');
    expect(row.findings).toContain('hosting.country@us-gw');
    expect(report.summary.manualRows).toBe(1);
  });

  it("keeps the supporting evidence beside a person's answer, which stands", async () => {
    const report = await check([{ ref: 'CoCo-13', compliance: 'Yes', owner: 'Ops', references: [], comment: 'Hosted in London.' }]);
    const row = report.rows.find((r) => r.ref === 'CoCo-13')!;
    expect(row).toMatchObject({ compliance: 'Yes', source: 'answered' });
    expect(row.comment).toMatch(/^Hosted in London\. Supporting evidence, which does not answer this row: .*us-gw: 8\.8\.8\.8 is in US/);
  });

  it('shows the database, its date, licence and attribution where the evidence is listed (HTML, Markdown, Word)', async () => {
    const report = await check();
    const attribution = 'IP Geolocation by DB-IP (https://db-ip.com)';
    const html = renderHtml(report);
    expect(html).toContain(attribution);
    expect(html).toMatch(/DB-IP IP to Country Lite from @ip-location-db\/dbip-country-mmdb [\d.]+, built \d{4}-\d{2}-\d{2} \(CC BY 4\.0/);
    const markdown = renderMarkdown(report);
    expect(markdown).toContain(markdownText(attribution));
    expect(markdown).toContain('CC BY 4.0');
    const xml = strFromU8(unzipSync(new Uint8Array(await renderDocx(report)))['word/document.xml']!);
    expect(xml).toContain(`data: ${attribution}, CC BY 4.0`);
  });
});

describe('supportedBy in a profile', () => {
  const problems = (text: string) => {
    try {
      parseProfile(text, 'p.yaml');
    } catch (error) {
      if (error instanceof InputFileError) return error.problems.map((p) => p.message);
      throw error;
    }
    return [];
  };

  it('is for manual rows, with known finding ids', () => {
    expect(problems(PROFILE)).toEqual([]);
    const automated = PROFILE.replace('method: manual', 'method: automated\n        decidedBy: [hosting.country]');
    expect(problems(automated)).toEqual([expect.stringMatching(/supportedBy is for a manual row/)]);
    const unknown = PROFILE.replace('supportedBy: [hosting.country,', 'supportedBy: [hosting.contry,');
    expect(problems(unknown)).toEqual([expect.stringMatching(/unknown finding id "hosting.contry"/)]);
  });
});
