import { strFromU8, unzipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { connectionFileSchema } from '../../src/connection/schema.ts';
import { renderReportFiles } from '../../src/output/write-report.ts';
import { loadProfile } from '../../src/profile/load.ts';
import type { RunReport } from '../../src/report/schema.ts';
import { runCheck } from '../../src/run-check.ts';
import { fakeNmap } from '../helpers/fake-nmap.ts';

const connection = connectionFileSchema.parse({
  connection: {
    name: 'cms-acme',
    connectedSystem: 'Case Management System',
    connectingSystem: 'Acme Case Portal',
    organisation: 'Acme Ltd',
    scope: 'The Acme gateway',
  },
  gateways: [{ name: 'acme-gw-1', host: '127.0.0.1' }],
  flows: [
    { name: 'case-sync', protocol: 'https', port: 443 },
    { name: 'admin', protocol: 'ssh', port: 22 },
  ],
  onwardConnections: [{ name: 'backup', description: 'Nightly backup to a vault' }],
  scan: { tcpPorts: '1-1024,8080', probeTimeoutSeconds: 2 },
  snmp: { timeoutSeconds: 0.5 },
});

const STANDARD_SPECIFIC = /MoJ|CoCo|Code of Connection|A\.1\.1|A\.1\.2\.1|Third-party IT system|Solution\/Comments/;

async function reportFor(profileName: string): Promise<RunReport> {
  const start = new Date('2026-11-22T10:00:00Z');
  const { report } = await runCheck({
    connection,
    profile: await loadProfile(profileName),
    exec: fakeNmap('open-gateway.xml'),
    now: () => start,
    privileged: true,
  });
  return report;
}

/** The statement in every format a reader gets, as text: Markdown, HTML, CSV and the Word document's body. */
async function rendered(report: RunReport): Promise<Record<'md' | 'html' | 'csv' | 'docx', string>> {
  const files = await renderReportFiles(report, []);
  const text = (name: string) => (files.get(name) as Buffer).toString('utf8');
  const docx = strFromU8(unzipSync(new Uint8Array(files.get('statement.docx') as Buffer))['word/document.xml']!);
  return { md: text('statement.md'), html: text('report.html'), csv: text('statement.csv'), docx };
}

let ce: Record<'md' | 'html' | 'csv' | 'docx', string>;
let moj: Record<'md' | 'html' | 'csv' | 'docx', string>;
let generic: Record<'md' | 'html' | 'csv' | 'docx', string>;
beforeAll(async () => {
  const [ceReport, mojReport] = await Promise.all([reportFor('cyber-essentials'), reportFor('moj-coco')]);
  ce = await rendered(ceReport);
  moj = await rendered(mojReport);
  // A report whose profile carried no statement words (one built before they existed, or by hand).
  const { statement: _dropped, ...bareProfile } = ceReport.profile;
  generic = await rendered({ ...ceReport, profile: bareProfile });
}, 60_000);

describe('the statement speaks the words of its profile', () => {
  it('Cyber Essentials: its own title, parties, headings and columns in every format, and nothing of the MoJ standard', () => {
    for (const [format, text] of Object.entries(ce)) {
      expect(text, format).toContain('Malware protection');
      expect(text, format).toContain('CE-SU-2');
      expect(text, format).not.toMatch(STANDARD_SPECIFIC);
    }
    // The CSV is the statement's rows alone; the other formats also describe the connection.
    for (const format of ['md', 'html', 'docx'] as const) {
      expect(ce[format], format).toContain('Cyber Essentials technical controls statement: cms-acme');
      expect(ce[format], format).toContain('System in scope');
      expect(ce[format], format).toContain('Scope of the assessment');
      expect(ce[format], format).toContain('The Acme gateway');
      expect(ce[format], format).toContain('Services allowed through the boundary');
      expect(ce[format], format).toContain('Other connections from the scope');
      expect(ce[format], format).toContain('Meets it');
    }
    expect(ce.csv.split('\r\n')[0]).toBe(
      'Control,Section,Requirement,Method,Source,Meets it,Evidence and owner,Notes,Remediation plan,Remediation date,Waiver',
    );
  });

  it('MoJ: the Code of Connection words are still there', () => {
    for (const [format, text] of Object.entries(moj)) {
      if (format !== 'csv') {
        expect(text, format).toContain('MoJ IT system');
        expect(text, format).toContain('Third-party IT system');
        expect(text, format).toContain('Onward connections (CoCo-3)');
        expect(text, format).toContain('Data flows (A.1.2.1)');
      }
      expect(text, format).toContain('Solution/Comments');
      expect(text, format).toContain('CoCo-8');
    }
    expect(moj.md).toContain('# Code of Connection compliance statement: cms-acme');
    expect(moj.html).toContain('<title>Code of Connection compliance statement: cms-acme</title>');
    expect(moj.docx).toContain('A.1.1 Applicable policies and connection');
  });

  it('a report without statement words renders with generic ones, naming no standard', () => {
    for (const [format, text] of Object.entries(generic)) expect(text, format).not.toMatch(STANDARD_SPECIFIC);
    for (const format of ['md', 'html', 'docx'] as const) {
      expect(generic[format], format).toContain('Compliance statement: cms-acme');
      expect(generic[format], format).toContain('Connecting system');
      expect(generic[format], format).toContain('Onward connections');
    }
    expect(generic.csv.split('\r\n')[0]).toBe(
      'Ref,Section,Requirement,Method,Source,Compliance,Owner/Reference,Comments,Remediation plan,Remediation date,Waiver',
    );
  });
});
