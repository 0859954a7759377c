import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { answersTemplate, loadAnswers } from '../../src/answers/answers.ts';
import { connectionFileSchema } from '../../src/connection/schema.ts';
import { InputFileError } from '../../src/errors.ts';
import { verifyReportFolder } from '../../src/output/verify.ts';
import { renderReportFiles, writeReportFolder } from '../../src/output/write-report.ts';
import { loadProfile, type Profile } from '../../src/profile/load.ts';
import { runCheck } from '../../src/run-check.ts';
import type { RunReport } from '../../src/report/schema.ts';
import { renderCsv } from '../../reports/csv.ts';
import { fakeNmap } from '../helpers/fake-nmap.ts';
import { tempDir } from '../helpers/cli.ts';

const connection = connectionFileSchema.parse({
  connection: { name: 'cms-acme', mojSystem: 'Case Management System', thirdPartySystem: 'Acme Case Portal', organisation: 'Acme Ltd' },
  gateways: [{ name: 'acme-gw-1', host: '127.0.0.1' }],
  flows: [
    { name: 'case-sync', protocol: 'https', port: 443 },
    { name: 'admin', protocol: 'ssh', port: 22 },
  ],
  scan: { tcpPorts: '1-1024,8080', probeTimeoutSeconds: 2 },
  snmp: { timeoutSeconds: 0.5 },
});

let profile: Profile;
beforeAll(async () => {
  profile = await loadProfile();
});

async function answersFile(body: string): Promise<string> {
  const file = join(await tempDir(), 'answers.yaml');
  await writeFile(file, body);
  return file;
}

function keyPair() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    priv: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    pub: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

describe('answers to the manual rows', () => {
  it('are checked against the profile: unknown refs, headings, duplicates and a No without a plan are refused', async () => {
    const file = await answersFile(`answers:
  - { ref: A.99.1, compliance: "Yes", owner: IT, comment: x }
  - { ref: A.5, compliance: "Yes", owner: IT, comment: x }
  - { ref: A.5.1.1, compliance: "No", owner: IT, comment: x }
  - { ref: A.6.1.1, compliance: "Yes", owner: IT, comment: x }
  - { ref: A.6.1.1, compliance: "Yes", owner: IT, comment: y }
`);
    const error = await loadAnswers(file, profile).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputFileError);
    const messages = (error as InputFileError).problems.map((p) => `${p.path}: ${p.message}`);
    expect(messages).toContain(
      'answers[2].remediation: a No or Partial answer needs a remediation plan and date (the standard asks for a timeline)',
    );
    const second = await answersFile(`answers:
  - { ref: A.99.1, compliance: "Yes", owner: IT, comment: x }
  - { ref: A.5, compliance: "Yes", owner: IT, comment: x }
  - { ref: A.6.1.1, compliance: "Yes", owner: IT, comment: x }
  - { ref: A.6.1.1, compliance: "Yes", owner: IT, comment: y }
`);
    const again = (await loadAnswers(second, profile).catch((e: unknown) => e)) as InputFileError;
    expect(again.problems.map((p) => p.message)).toEqual([
      'no row "A.99.1" in profile moj-coco',
      'A.5 is a heading, not a control',
      'A.6.1.1 is answered twice (first at answers[2])',
    ]);
  });

  it('the template lists every manual row and, with nothing filled in, loads with every row Open', async () => {
    const template = answersTemplate(profile);
    const manual = profile.rows.filter((r) => !r.heading && r.method === 'manual');
    for (const row of manual) expect(template).toContain(`- ref: ${row.ref}\n`);
    const answers = await loadAnswers(await answersFile(template), profile);
    expect(answers).toEqual([]);
    const { report } = await runCheck({ connection, profile, exec: fakeNmap('open-gateway.xml'), privileged: true, answers });
    for (const row of report.rows.filter((r) => !r.heading && r.method === 'manual')) {
      expect(row, row.ref).toMatchObject({ compliance: null, source: 'open' });
      expect(row.comment, row.ref).toMatch(/^Open: not yet answered\./);
    }
  });

  it('a partly filled file: blank entries are Open, filled ones are used, and a half-filled answer is named', async () => {
    const partly = await loadAnswers(
      await answersFile(`answers:
  - { ref: A.5.1.1, compliance: "Yes", owner: IT, references: [], comment: Policy v4 }
  - { ref: A.6.1.1, compliance: "", owner: "", references: [], comment: "" }
  - { ref: A.9.1.1, compliance: , owner: Facilities, comment: draft }
  - { ref: A.7.1.3 }
`),
      profile,
    );
    expect(partly).toEqual([{ ref: 'A.5.1.1', compliance: 'Yes', owner: 'IT', references: [], comment: 'Policy v4' }]);
    const half = (await loadAnswers(
      await answersFile(`answers:
  - { ref: A.5.1.1, compliance: "Yes", owner: "", comment: "" }
  - { ref: A.6.1.1, compliance: Maybe }
`),
      profile,
    ).catch((e: unknown) => e)) as InputFileError;
    expect(half).toBeInstanceOf(InputFileError);
    expect(half.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'answers[0].owner: a Yes answer needs its process owner',
      'answers[0].comment: a Yes answer needs a comment: how the control is met, or why not',
      'answers[1].compliance: expected Yes, No, Partial or N/A (or blank while Open)',
    ]);
  });

  it('fill the manual rows, and never override a measured verdict', async () => {
    const answers = await loadAnswers(
      await answersFile(`answers:
  - { ref: A.5.1.1, compliance: "Yes", owner: Head of Security, references: [ISMS-POL-01], comment: Policy v4 published on the intranet }
  - ref: A.9.1.1
    compliance: "Partial"
    owner: Facilities
    comment: "Fence repaired, alarm pending"
    remediation: { plan: Install the alarm, date: "2027-02-28" }
  - { ref: CoCo-8, compliance: "Yes", owner: Network team, comment: We believe only 443 and 22 are open }
`),
      profile,
    );
    const { report } = await runCheck({ connection, profile, exec: fakeNmap('open-gateway.xml'), privileged: true, answers });
    const row = (ref: string) => report.rows.find((r) => r.ref === ref)!;
    expect(row('A.5.1.1')).toMatchObject({ compliance: 'Yes', source: 'answered', comment: 'Policy v4 published on the intranet' });
    expect(row('A.9.1.1')).toMatchObject({ compliance: 'Partial', source: 'answered' });
    expect(row('A.9.1.1').comment).toContain('Remediation: Install the alarm (by 2027-02-28).');
    expect(row('CoCo-8')).toMatchObject({ compliance: 'No', source: 'measured' });
    expect(row('CoCo-8').comment).toContain(
      'The organisation answered Yes ("We believe only 443 and 22 are open"); the measured verdict stands.',
    );
    expect(row('A.6.1.1')).toMatchObject({ compliance: null, source: 'open' });
    expect(row('A.6.1.1').comment).toMatch(/^Open: not yet answered\. Guidance: /);
    // No row is left blank: every non-heading row is measured, answered, or plainly open with its guidance.
    for (const r of report.rows.filter((x) => !x.heading)) expect(r.comment.length, r.ref).toBeGreaterThan(10);
  });
});

describe('evidence that can be verified', () => {
  async function writtenFolder(signingKey?: string): Promise<{ dir: string; report: RunReport }> {
    const { report, artefacts } = await runCheck({ connection, profile, exec: fakeNmap('open-gateway.xml'), privileged: true });
    const dir = join(await tempDir(), 'report');
    await writeReportFolder(dir, await renderReportFiles(report, artefacts, signingKey));
    return { dir, report };
  }

  it('every written file is in the manifest, and sha256sum agrees', async () => {
    const { dir, report } = await writtenFolder();
    const result = await verifyReportFolder(dir);
    expect(result).toMatchObject({ ok: true, changed: [], missing: [], extra: [] });
    // The six reports (json, md, html, statement csv, findings csv, docx), cocoscan's folder marker and every evidence artefact.
    expect(result.checked).toBe(report.artefacts.length + 7);
    const check = execFileSync('sha256sum', ['-c', 'evidence/manifest.sha256'], { cwd: dir, encoding: 'utf8' });
    expect(check.trim().split('\n')).toHaveLength(report.artefacts.length + 7);
  });

  it('one changed evidence byte, a removed file or an added file fail verify, naming the file', async () => {
    const { dir } = await writtenFolder();
    const path = join(dir, 'evidence/gateways/acme-gw-1/nmap-sweep.xml');
    const bytes = await readFile(path);
    bytes[100] = bytes[100] === 0x41 ? 0x42 : 0x41;
    await writeFile(path, bytes);
    await writeFile(join(dir, 'evidence/planted.txt'), 'x');
    const result = await verifyReportFolder(dir);
    expect(result.ok).toBe(false);
    expect(result.changed).toEqual(['evidence/gateways/acme-gw-1/nmap-sweep.xml']);
    expect(result.extra).toEqual(['evidence/planted.txt']);
  });

  it('a signed manifest verifies with its key and fails with another, or when edited', async () => {
    const signer = keyPair();
    const { dir } = await writtenFolder(signer.priv);
    expect(await verifyReportFolder(dir, signer.pub)).toMatchObject({ ok: true, signature: 'valid' });
    const other = await verifyReportFolder(dir, keyPair().pub);
    expect(other).toMatchObject({ ok: false, signature: 'invalid' });
    expect(other.problems[0]).toMatch(/signed by another key/);
    const manifest = join(dir, 'evidence/manifest.sha256');
    await writeFile(
      manifest,
      `${await readFile(manifest, 'utf8')}0000000000000000000000000000000000000000000000000000000000000000  evidence/planted.txt\n`,
    );
    expect((await verifyReportFolder(dir, signer.pub)).problems.join()).toMatch(/manifest was changed after signing/);
  });

  it('an unsigned folder fails when a key is required', async () => {
    const { dir } = await writtenFolder();
    expect((await verifyReportFolder(dir, keyPair().pub)).signature).toBe('absent');
  });
});

describe('CSV and DOCX statements', () => {
  it('CSV has one line per row and defuses formula injection', async () => {
    const { report } = await runCheck({ connection, profile, exec: fakeNmap('open-gateway.xml'), privileged: true });
    const hostile = {
      ...report,
      rows: report.rows.map((r) => (r.ref === 'CoCo-8' ? { ...r, comment: '=HYPERLINK("http://x","click")' } : r)),
    };
    const csv = renderCsv(hostile);
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'Ref,Section,Control,Method,Source,Compliance,Owner/Reference,Solution/Comments,Remediation plan,Remediation date,Waiver',
    );
    expect(lines.length).toBe(report.rows.length + 1);
    expect(csv).toContain(`"'=HYPERLINK(""http://x"",""click"")"`);
  });

  it('DOCX holds the connection details, the conditions, the statement and the evidence summary', async () => {
    const { dir } = await (async () => {
      const { report, artefacts } = await runCheck({ connection, profile, exec: fakeNmap('open-gateway.xml'), privileged: true });
      const out = join(await tempDir(), 'report');
      await writeReportFolder(out, await renderReportFiles(report, artefacts));
      return { dir: out };
    })();
    const zip = unzipSync(new Uint8Array(await readFile(join(dir, 'statement.docx'))));
    const xml = strFromU8(zip['word/document.xml']!);
    const text = xml.replace(/<[^>]+>/g, ' ');
    for (const expected of [
      'Acme Case Portal',
      'Conditions (A.1.3)',
      'Supporting compliance statement (A.2)',
      'Owner/Reference',
      'Solution/Comments',
      'CoCo-8',
      'A.15.2.2',
      'Evidence summary',
      'Undeclared port 8080/tcp is open',
    ]) {
      expect(text).toContain(expected);
    }
  });
});
