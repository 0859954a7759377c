import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { signReport, verifySignedReport, type AgentReport } from '../../src/agent/report.ts';
import { loadConnectionFile } from '../../src/connection/load.ts';
import { parseProfile } from '../../src/profile/load.ts';
import { runCheck } from '../../src/run-check.ts';
import { tempDir } from '../helpers/cli.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/av/${name}`, import.meta.url), 'utf8');
const PROFILE = parseProfile(
  `id: coco10
version: "1"
title: CoCo-10 only
thresholds: { antivirus: { maxSignatureAgeHours: 4, maxUpdateGapHours: 4, maxReportAgeHours: 1 } }
sections:
  - id: conditions
    title: Conditions
    rows:
      - ref: CoCo-10
        title: Anti-virus signatures at most 4 hours apart
        method: automated
        decidedBy: [antivirus.reports, antivirus.present, antivirus.signature-age, { finding: antivirus.update-gaps, required: false }]
`,
  'coco10.yaml',
);

function keys() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

/** An agent report built from real ClamAV output, collected at `collectedAt`. */
function clamavReport(collectedAt: string, freshclamLog: string, processes = 'systemd\nclamd\nfreshclam\n'): AgentReport {
  const ok = (name: string, stdout: string) => ({ name, command: name, status: 'ok' as const, exitCode: 0, stdout, stderr: '' });
  return {
    format: 'cocoscan-agent-report',
    version: 1,
    agentVersion: '0.1.0',
    host: 'acme-gw-1',
    collectedAt,
    utcOffsetMinutes: 0,
    commands: {
      'clamscan-version': ok('clamscan-version', fixture('clamscan-version.txt')),
      'sigtool-daily': ok('sigtool-daily', fixture('sigtool-info-daily.txt')),
      'freshclam-log': ok('freshclam-log', freshclamLog),
      processes: ok('processes', processes),
    },
  };
}

async function check(now: string, reportText: string, publicPem?: string) {
  const dir = await tempDir();
  await writeFile(join(dir, 'report.json'), reportText);
  // Plain tool output carries no collection time: its file's modification time stands in, five minutes before `now`.
  const collected = new Date(new Date(now).getTime() - 5 * 60_000);
  await utimes(join(dir, 'report.json'), collected, collected);
  if (publicPem) await writeFile(join(dir, 'agent.pub'), publicPem);
  await writeFile(
    join(dir, 'connection.yaml'),
    `connection: { name: av, mojSystem: M, thirdPartySystem: T, organisation: O }
gateways:
  - name: acme-gw-1
    host: 127.0.0.1
    agentReports:
      - path: report.json${publicPem ? '\n        publicKey: agent.pub' : ''}
flows: [ { name: web, protocol: https, port: 443 } ]
`,
  );
  const connection = await loadConnectionFile(join(dir, 'connection.yaml'));
  const { report } = await runCheck({ connection, profile: PROFILE, now: () => new Date(now) });
  const row = report.rows.find((r) => r.ref === 'CoCo-10')!;
  const finding = (id: string) => report.findings.find((f) => f.id === id)!;
  return { row, finding };
}

describe('CoCo-10 from agent-reported data (clock injected)', () => {
  const signer = keys();

  it('signatures 1 h old, regular updates, clamd running: Yes', async () => {
    const text = signReport(clamavReport('2026-11-22T08:30:00.000Z', fixture('freshclam-every-2h.log')), signer.privatePem);
    const { row, finding } = await check('2026-11-22T08:33:12.000Z', text, signer.publicPem);
    expect(row.compliance, row.comment).toBe('Yes');
    expect(finding('antivirus.signature-age').message).toContain('newest signatures are 1.0 h old');
    expect(finding('antivirus.reports').message).toContain('signature verified');
  });

  it('signatures 5 h old: No, stating 5 h', async () => {
    const text = signReport(clamavReport('2026-11-22T12:30:00.000Z', fixture('freshclam-every-2h.log')), signer.privatePem);
    const { row, finding } = await check('2026-11-22T12:33:12.000Z', text, signer.publicPem);
    expect(row.compliance).toBe('No');
    expect(finding('antivirus.signature-age').message).toContain('newest signatures are 5.0 h old');
    expect(row.comment).toContain('5.0 h old');
  });

  it('a freshclam log with a 6 h gap: No, naming the gap', async () => {
    const text = signReport(clamavReport('2026-11-22T08:30:00.000Z', fixture('freshclam-6h-gap.log')), signer.privatePem);
    const { row, finding } = await check('2026-11-22T08:33:12.000Z', text, signer.publicPem);
    expect(row.compliance).toBe('No');
    expect(finding('antivirus.update-gaps').message).toContain('no signature update for 6.0 h, from 2026-11-21T06:00:01.000Z to 2026-11-21T12:00:09.000Z');
  });

  it('a signed report altered by one byte: Not assessed, with the reason', async () => {
    const text = signReport(clamavReport('2026-11-22T08:30:00.000Z', fixture('freshclam-every-2h.log')), signer.privatePem);
    const envelope = JSON.parse(text) as { payload: string };
    const payload = Buffer.from(envelope.payload, 'base64');
    payload[payload.indexOf('clamd')] = 'k'.charCodeAt(0);
    const altered = JSON.stringify({ ...envelope, payload: payload.toString('base64') });
    const { row, finding } = await check('2026-11-22T08:33:12.000Z', altered, signer.publicPem);
    expect(row.compliance).toBe('Not assessed');
    expect(finding('antivirus.reports').status).toBe('error');
    expect(row.comment).toContain('altered after signing');
  });

  it('a report signed by another key is rejected', async () => {
    const other = keys();
    const text = signReport(clamavReport('2026-11-22T08:30:00.000Z', fixture('freshclam-every-2h.log')), other.privatePem);
    const { row } = await check('2026-11-22T08:33:12.000Z', text, signer.publicPem);
    expect(row.compliance).toBe('Not assessed');
    expect(row.comment).toContain('signed by another key');
  });

  it('a report collected too long ago cannot speak for now', async () => {
    const text = signReport(clamavReport('2026-11-22T06:30:00.000Z', fixture('freshclam-every-2h.log')), signer.privatePem);
    const { row, finding } = await check('2026-11-22T08:33:12.000Z', text, signer.publicPem);
    expect(row.compliance).toBe('Not assessed');
    expect(finding('antivirus.signature-age').message).toMatch(/collected 2\.1 h ago/);
  });

  it('unsigned reports are accepted and said to be unsigned; real-time protection off fails', async () => {
    const { row, finding } = await check('2026-11-22T07:00:00.000Z', fixture('defender-ps7-rtp-off.json'));
    expect(finding('antivirus.reports').message).toContain('unsigned: its origin cannot be verified');
    expect(finding('antivirus.present').message).toContain('real-time protection is off');
    expect(row.compliance).toBe('No');
  });

  it('a yes/no source cannot show signature age', async () => {
    const { row, finding } = await check('2026-11-22T07:00:00.000Z', fixture('osquery-windows-security-center.json'));
    expect(finding('antivirus.signature-age').status).toBe('not_tested');
    expect(row.compliance).toBe('Not assessed');
  });

  it('verifies only the exact signed bytes', () => {
    const text = signReport(clamavReport('2026-11-22T08:30:00.000Z', 'x'), signer.privatePem);
    expect(verifySignedReport(text, signer.publicPem).ok).toBe(true);
    const flipped = text.replace(/"signature": "(.)/, (_m, c: string) => `"signature": "${c === 'A' ? 'B' : 'A'}`);
    expect(verifySignedReport(flipped, signer.publicPem)).toMatchObject({ ok: false, reason: expect.stringContaining('altered') });
    expect(verifySignedReport(text.slice(0, -20), signer.publicPem)).toMatchObject({ ok: false, reason: expect.stringContaining('not valid JSON') });
  });
});
