import { spawnSync } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyFingerprint, signReport, verifySignedReport, type AgentReport } from '../../src/agent/report.ts';
import { judgeAntivirus, type AvThresholds, type AvVerdict } from '../../src/av/judge.ts';
import type { AvObservation } from '../../src/av/observation.ts';
import { parseAvData } from '../../src/av/parse.ts';
import { loadConnectionFile } from '../../src/connection/load.ts';
import type { Gateway } from '../../src/connection/schema.ts';
import { CocoscanError } from '../../src/errors.ts';
import { loadReportSources, type ReportedSource } from '../../src/facts/reported-sources.ts';
import { classifyOutcome, commandBody, HOST_COMMANDS, remoteCommandLine, type CommandOutcome } from '../../src/host/commands.ts';
import type { HostSession } from '../../src/host/session.ts';
import { clamscanVersion, ctime, freshclamLog, schedule } from '../fixtures/av/build.ts';
import { parseProfile } from '../../src/profile/load.ts';
import { runCheck } from '../../src/run-check.ts';
import { tempDir } from '../helpers/cli.ts';
import type { AvFindingId } from '../../src/av/findings.ts';

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
  const finding = (id: AvFindingId) => report.findings.find((f) => f.id === id)!;
  return { row, finding };
}

describe('CoCo-10 from agent-reported data (clock injected)', () => {
  const signer = keys();

  it('signatures 1 h old, regular updates, clamd running: Yes', async () => {
    const text = signReport(clamavReport('2026-11-22T08:30:00.000Z', fixture('freshclam-every-2h.log')), signer.privatePem);
    const { row, finding } = await check('2026-11-22T08:33:12.000Z', text, signer.publicPem);
    expect(row.compliance, row.comment).toBe('Yes');
    expect(finding('antivirus.signature-age').message).toContain('newest ClamAV signatures are 1.0 h old');
    expect(finding('antivirus.reports').message).toContain('signature verified');
  });

  it('signatures 5 h old: No, stating 5 h', async () => {
    const text = signReport(clamavReport('2026-11-22T12:30:00.000Z', fixture('freshclam-every-2h.log')), signer.privatePem);
    const { row, finding } = await check('2026-11-22T12:33:12.000Z', text, signer.publicPem);
    expect(row.compliance).toBe('No');
    expect(finding('antivirus.signature-age').message).toContain('newest ClamAV signatures are 5.0 h old');
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

const T: AvThresholds = { maxSignatureAgeHours: 4, maxUpdateGapHours: 4, maxReportAgeHours: 1, historyWindowDays: 7, maxClockSkewMinutes: 5 };
/** The injected clock of the judging tests: every log below is laid out relative to it. */
const NOW = new Date('2026-11-22T08:33:12.000Z');
const ago = (h: number) => new Date(NOW.getTime() - h * 3_600_000);
const ok = (name: string, stdout: string): CommandOutcome => ({ name, command: name, status: 'ok', exitCode: 0, stdout, stderr: '' });

/** A source as reported-sources.ts builds it from a file: collected five minutes before NOW. */
function fileSource(label: string, text: string, extra: Partial<ReportedSource> = {}): ReportedSource {
  return { label, kind: 'tool-output', signature: 'unsigned', collectedAt: ago(5 / 60), collectedAtFrom: 'file modification time', observations: parseAvData(text, 0), ...extra };
}
const verdictOf = (verdicts: AvVerdict[], id: string) => verdicts.find((v) => v.id === id)!;
const gaps = (text: string) => verdictOf(judgeAntivirus({ gateway: 'gw', sources: [fileSource('freshclam.log', text)], missing: [] }, T, NOW), 'antivirus.update-gaps');

describe('CoCo-10 update gaps over the whole window (pure judge, injected clock)', () => {
  it('a week of failed updates and one success 30 minutes ago fails, counted from the start of the window', () => {
    const log = freshclamLog([...schedule(ago(8 * 24), ago(1), 60, 'failed'), { at: ago(0.5), outcome: 'updated' }], { logTime: true });
    const v = gaps(log);
    expect(v.status).toBe('fail');
    expect(v.params.from).toBe(`${ago(7 * 24).toISOString()} (start of the 7-day window)`);
    expect(v.params.gap).toMatch(/^7\.0 days$/);
  });

  it('the same without LogTime (RHEL default) fails the same way, never "no update in the whole window"', () => {
    const v = gaps(freshclamLog([...schedule(ago(8 * 24), ago(1), 60, 'failed'), { at: ago(0.5), outcome: 'updated' }], { logTime: false }));
    expect(v.status).toBe('fail');
    expect(v.params.gap).toMatch(/^7\.0 days$/);
  });

  it('a regular schedule written without LogTime over the whole window passes', () => {
    const v = gaps(freshclamLog(schedule(ago(8 * 24), ago(0.2), 120, 'up-to-date'), { logTime: false }));
    expect(v.status).toBe('pass');
    expect(v.params.runs).toBe(7 * 12);
  });

  it('a gap from the last success to the time of collection counts', () => {
    const v = gaps(freshclamLog(schedule(ago(8 * 24), ago(5), 120, 'updated'), { logTime: true }));
    expect(v.status).toBe('fail');
    expect(String(v.params.to)).toBe(`${ago(5 / 60).toISOString()} (when the history was collected)`);
  });

  it('the time between collection and the check is nobody\'s observation: it never makes a gap', () => {
    // Updates every 2 h up to 3.5 h before collection, collected 55 minutes before the check (within the
    // 1 h report age): 3.5 h without an update, not 4.4 h.
    const log = freshclamLog([...schedule(ago(8 * 24), ago(6), 60, 'updated'), { at: ago(3.5 + 55 / 60), outcome: 'updated' }], { logTime: true });
    const v = verdictOf(judgeAntivirus({ gateway: 'gw', sources: [fileSource('freshclam.log', log, { collectedAt: ago(55 / 60) })], missing: [] }, T, NOW), 'antivirus.update-gaps');
    expect(v.status, JSON.stringify(v.params)).toBe('pass');
  });

  it('a history that starts inside the window is too short to judge: not_tested, saying how long it covers', () => {
    const v = gaps(freshclamLog(schedule(ago(48), ago(0.2), 120, 'updated'), { logTime: true }));
    expect(v.status).toBe('not_tested');
    expect(v.params.reason).toContain(`reaches back only to ${ago(48).toISOString()} (2.0 days), less than the 7-day window`);
  });

  it('a short history that already shows a gap over the limit fails', () => {
    const v = gaps(freshclamLog([{ at: ago(30), outcome: 'updated' }, { at: ago(20), outcome: 'failed' }, { at: ago(1), outcome: 'updated' }], { logTime: true }));
    expect(v.status).toBe('fail');
  });

  it('a log with no dated run is not_tested with the reason', () => {
    const v = gaps('freshclam daemon 1.4.6 (OS: Linux, ARCH: x86_64, CPU: x86_64)\ndaily.cld database is up-to-date (version: 27480, sigs: 2071350, f-level: 90, builder: raynman)\n');
    expect(v.status).toBe('not_tested');
    expect(v.params.reason).toMatch(/freshclam\.log: the freshclam\.log has no dated line/);
  });

  it('a week of failures through the whole check (agent report, clock injected) is No', async () => {
    const log = freshclamLog([...schedule(ago(8 * 24), ago(1), 60, 'failed'), { at: ago(0.5), outcome: 'updated' }], { logTime: true });
    const report = clamavReport(ago(3 / 60).toISOString(), log);
    const { row, finding } = await check(NOW.toISOString(), JSON.stringify(report));
    expect(finding('antivirus.update-gaps').status).toBe('fail');
    expect(row.compliance).toBe('No');
  });
});

describe('CoCo-10 from every source of a gateway together', () => {
  const gateway = { name: 'gw', host: '127.0.0.1', agentReports: [] as Gateway['agentReports'] } as Gateway;
  const session = (processes: string): HostSession => ({
    ok: true,
    username: 'auditor',
    hostKeyFingerprint: 'SHA256:x',
    hostKeyVerified: true,
    commands: { processes: ok('processes', processes), clock: ok('clock', `${Math.round(ago(2 / 60).getTime() / 1000)}\n+0000\n`) },
    files: {},
    collectedAt: ago(2 / 60).toISOString(),
  });

  async function sourcesWith(processes: string) {
    const dir = await tempDir();
    await writeFile(join(dir, 'clamscan.txt'), fixture('clamscan-version.txt'));
    await utimes(join(dir, 'clamscan.txt'), ago(5 / 60), ago(5 / 60));
    const withFile = { ...gateway, agentReports: [{ path: join(dir, 'clamscan.txt') }] } as Gateway;
    return loadReportSources(withFile, session(processes));
  }

  it('ClamAV reported by file and clamd in the SSH process list: present passes, citing both sources', async () => {
    const sources = await sourcesWith('systemd\nsshd\nclamd\nfreshclam\n');
    const present = verdictOf(judgeAntivirus({ gateway: 'gw', sources, missing: [] }, T, NOW), 'antivirus.present');
    expect(present.status).toBe('pass');
    expect(present.params.products).toContain('clamd running (process list from SSH session as auditor)');
    expect(present.sources.some((s) => s.includes('clamscan.txt'))).toBe(true);
    expect(present.sources.some((s) => s.startsWith('SSH session as auditor'))).toBe(true);
  });

  it('the SSH process list without clamd fails, naming where the list came from', async () => {
    const sources = await sourcesWith('systemd\nsshd\nfreshclam\nclamdscan-helper\n');
    const present = verdictOf(judgeAntivirus({ gateway: 'gw', sources, missing: [] }, T, NOW), 'antivirus.present');
    expect(present.status).toBe('fail');
    expect(present.params.problem).toContain('clamd is not running');
    expect(present.params.problem).toContain('process list from SSH session as auditor');
  });

  it('a failed SSH session is named when nothing else could be read', () => {
    const verdicts = judgeAntivirus({ gateway: 'gw', sources: [], missing: ['the SSH session could not be used: log-in as auditor failed: denied'] }, T, NOW);
    expect(verdicts.every((v) => v.status === 'not_tested')).toBe(true);
    expect(verdicts[0]!.params.reason).toContain('log-in as auditor failed');
    expect(verdicts[0]!.params.reason).not.toContain('no SSH credentials');
  });
});

describe('signed agent reports under any input (fast-check)', () => {
  const signer = keys();
  const fingerprint = (JSON.parse(signReport(clamavReport(NOW.toISOString(), ''), signer.privatePem)) as { keySha256: string }).keySha256;
  const never = (text: string) => {
    try {
      const verified = verifySignedReport(text, signer.publicPem);
      expect(typeof verified.ok).toBe('boolean');
      return verified;
    } catch (error) {
      expect(error).toBeInstanceOf(CocoscanError);
      return undefined;
    }
  };

  it('any text is a verdict, never a throw', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v))), (text) => void never(text)), { numRuns: 300 });
  });

  it('envelopes of the right shape with any payload and signature, even under the right key fingerprint', () => {
    const envelope = fc.record({
      format: fc.constant('cocoscan-signed-report'),
      version: fc.constant(1),
      algorithm: fc.constant('ed25519'),
      keySha256: fc.oneof(fc.constant(fingerprint), fc.stringMatching(/^[0-9a-f]{64}$/)),
      payload: fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: 'binary', maxLength: 80 }).map((t) => Buffer.from(t).toString('base64'))),
      signature: fc.oneof(fc.string({ maxLength: 100 }), fc.uint8Array({ minLength: 0, maxLength: 80 }).map((b) => Buffer.from(b).toString('base64'))),
    });
    fc.assert(
      fc.property(envelope, (e) => {
        expect(never(JSON.stringify(e))?.ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('a payload the right key really signed, whatever it holds, is read or refused with a reason', () => {
    const privateKey = createPrivateKey(signer.privatePem);
    const payloadText = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 120 }),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
      fc.dictionary(fc.constantFrom('constructor', '__proto__', 'toString', 'processes'), fc.constant({ name: 'x', command: 'x', status: 'ok', exitCode: 0, stdout: 'clamd\n', stderr: '' })).map((commands) =>
        JSON.stringify({ ...clamavReport(NOW.toISOString(), ''), commands }),
      ),
    );
    fc.assert(
      fc.property(payloadText, (text) => {
        const payload = Buffer.from(text);
        const envelope = { format: 'cocoscan-signed-report', version: 1, algorithm: 'ed25519', keySha256: fingerprint, payload: payload.toString('base64'), signature: sign(null, payload, privateKey).toString('base64') };
        const verified = never(JSON.stringify(envelope));
        if (verified && !verified.ok) expect(verified.reason).toMatch(/not JSON|not a cocoscan agent report|altered/);
      }),
      { numRuns: 300 },
    );
  });

  it('a key of another type is refused with a reason, not a crypto exception', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
    const rsaPem = rsa.export({ type: 'spki', format: 'pem' }).toString();
    const envelope = { ...(JSON.parse(signReport(clamavReport(NOW.toISOString(), ''), signer.privatePem)) as object), keySha256: keyFingerprint(rsa) };
    expect(verifySignedReport(JSON.stringify(envelope), rsaPem)).toMatchObject({ ok: false, reason: expect.stringContaining('not Ed25519') });
  });
});

describe('command names from a report are data, never prototype members', () => {
  it('commands named constructor, __proto__ or toString are ignored, and no process list is invented', async () => {
    const dir = await tempDir();
    const commands = JSON.parse('{"__proto__": {"name": "processes", "command": "x", "status": "ok", "exitCode": 0, "stdout": "clamd\\n", "stderr": ""}}') as Record<string, CommandOutcome>;
    for (const name of ['constructor', 'toString', 'hasOwnProperty']) commands[name] = ok(name, 'clamd\n');
    const report = { ...clamavReport(ago(2 / 60).toISOString(), ''), commands: { ...commands, 'clamscan-version': ok('clamscan-version', fixture('clamscan-version.txt')) } };
    await writeFile(join(dir, 'r.json'), JSON.stringify(report));
    const [source] = await loadReportSources({ name: 'gw', host: '127.0.0.1', agentReports: [{ path: join(dir, 'r.json') }] } as Gateway, undefined);
    expect(source?.unusable).toBeUndefined();
    expect(source?.processes).toBeUndefined();
    const present = verdictOf(judgeAntivirus({ gateway: 'gw', sources: [source!], missing: [] }, T, NOW), 'antivirus.present');
    expect(present.status).toBe('not_tested');
  });
});

describe('report paths named like prototype members', () => {
  it('a remotePath named constructor that the session did not fetch is "not fetched", not a crash', async () => {
    const session: HostSession = { ok: true, username: 'auditor', hostKeyFingerprint: 'SHA256:x', hostKeyVerified: true, commands: {}, files: {}, collectedAt: NOW.toISOString() };
    const gateway = { name: 'gw', host: '127.0.0.1', agentReports: [{ remotePath: 'constructor' }, { remotePath: 'toString' }] } as Gateway;
    const sources = await loadReportSources(gateway, session);
    expect(sources.slice(0, 2).map((s) => s.unusable)).toEqual(['the report could not be read over SSH (not fetched)', 'the report could not be read over SSH (not fetched)']);
  });
});

describe('signature dates after the moment of the check', () => {
  it('signatures dated a day ahead are an error, never "0 h old"', () => {
    const ahead = `ClamAV 1.4.6/27468/${ctime(new Date(NOW.getTime() + 24 * 3_600_000))}\n`;
    const age = verdictOf(judgeAntivirus({ gateway: 'gw', sources: [fileSource('clamscan.txt', ahead)], missing: [] }, T, NOW), 'antivirus.signature-age');
    expect(age.status).toBe('error');
    expect(age.params.reason).toContain('24.0 h after this check');
  });

  it('a minute ahead is within the clock skew allowed', () => {
    const ahead = `ClamAV 1.4.6/27468/${ctime(new Date(NOW.getTime() + 60_000))}\n`;
    expect(verdictOf(judgeAntivirus({ gateway: 'gw', sources: [fileSource('clamscan.txt', ahead)], missing: [] }, T, NOW), 'antivirus.signature-age').status).toBe('pass');
  });
});

describe('local-time ClamAV files without a UTC offset (pure judge, injected clock)', () => {
  const EAST = 300; // a host at UTC+05:00
  /** A raw file as reported-sources.ts reads it: with the entry's offset, or with none given. */
  const rawSource = (label: string, text: string, offset?: number) => ({ ...fileSource(label, ''), observations: parseAvData(text, offset) });
  const judgeOne = (source: ReportedSource, id: string, t: AvThresholds = T) => verdictOf(judgeAntivirus({ gateway: 'gw', sources: [source], missing: [] }, t, NOW), id);
  // Updates every 2 h for 8 days, the last one 5.5 h before the check: a gap over the 4 h limit.
  const stopped = freshclamLog(schedule(ago(8 * 24), ago(5.5), 120, 'updated'), { logTime: true, utcOffsetMinutes: EAST });
  const oldSignatures = clamscanVersion(ago(5.5), EAST);
  const wide: AvThresholds = { ...T, maxSignatureAgeHours: 72, maxUpdateGapHours: 72 };

  type Case = { name: string; source: ReportedSource; id: string; t?: AvThresholds; status: string; text?: RegExp };
  const cases: Case[] = [
    { name: 'update gap, offset given: fail', source: rawSource('freshclam.log', stopped, EAST), id: 'antivirus.update-gaps', status: 'fail' },
    { name: 'update gap, no offset: not_tested, asking for it', source: rawSource('freshclam.log', stopped), id: 'antivirus.update-gaps', status: 'not_tested', text: /freshclam\.log print local time with no UTC offset, and the verdict depends on it .*set utcOffsetMinutes/ },
    { name: 'signature age, offset given: fail', source: rawSource('clamscan.txt', oldSignatures, EAST), id: 'antivirus.signature-age', status: 'fail' },
    { name: 'signature age, no offset: not_tested', source: rawSource('clamscan.txt', oldSignatures), id: 'antivirus.signature-age', status: 'not_tested', text: /set utcOffsetMinutes/ },
    {
      name: 'a gap that shows at every offset: fail without the offset',
      source: rawSource('freshclam.log', freshclamLog(schedule(ago(8 * 24), ago(30), 120, 'updated'), { logTime: true, utcOffsetMinutes: EAST })),
      id: 'antivirus.update-gaps',
      status: 'fail',
    },
    { name: 'signatures fresh enough at every offset: pass without the offset', source: rawSource('clamscan.txt', clamscanVersion(ago(30), EAST)), id: 'antivirus.signature-age', t: wide, status: 'pass' },
    { name: 'signatures too old at every offset: fail without the offset', source: rawSource('clamscan.txt', clamscanVersion(ago(24 * 7), EAST)), id: 'antivirus.signature-age', status: 'fail' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const v = judgeOne(c.source, c.id, c.t);
      expect(v.status, JSON.stringify(v.params)).toBe(c.status);
      if (c.text) expect(String(v.params.reason)).toMatch(c.text);
    });
  }

  it('a pass that holds at every offset says so in the evidence, with the least favourable figure', () => {
    const v = judgeOne(rawSource('clamscan.txt', clamscanVersion(ago(30), EAST)), 'antivirus.signature-age', wide);
    expect(v.actual).toContain('holds at every offset the host can be at, from UTC-12:00 to UTC+14:00 (figures shown for UTC+14:00)');
    expect(v.params.age).toBe('39.0 h');
  });

  it('offsets that would date the file after the check are not candidates', () => {
    // Written 30 minutes ago at UTC+05:00: at any offset west of about UTC+04:30 it would lie in the future.
    const v = judgeOne(rawSource('clamscan.txt', clamscanVersion(new Date(NOW.getTime() - 30 * 60_000), EAST)), 'antivirus.signature-age', wide);
    expect(v.status).toBe('pass');
    expect(v.actual).toMatch(/every offset the host can be at, from UTC\+04:(30|45) to UTC\+14:00/);
  });

  it('a date with a known offset is used before a local-time guess for the same product', () => {
    const exact = rawSource('agent clamscan.txt', clamscanVersion(new Date(NOW.getTime() - 30 * 60_000), EAST), EAST);
    const local = rawSource('clamscan.txt', clamscanVersion(new Date(NOW.getTime() - 30 * 60_000), EAST));
    const v = verdictOf(judgeAntivirus({ gateway: 'gw', sources: [exact, local], missing: [] }, T, NOW), 'antivirus.signature-age');
    expect(v.status, JSON.stringify(v.params)).toBe('pass');
  });

  it('update runs dated beyond the clock skew allowed are an error, never dropped', () => {
    const log = freshclamLog([...schedule(ago(8 * 24), ago(0.2), 120, 'updated'), { at: ago(-3), outcome: 'updated' }], { logTime: true });
    const v = judgeOne(rawSource('freshclam.log', log, 0), 'antivirus.update-gaps');
    expect(v.status).toBe('error');
    expect(v.params.reason).toContain(`1 update run(s) dated after this check, the latest ${ago(-3).toISOString().slice(0, 16)}`);
    expect(v.params.reason).toContain('(3.0 h ahead)');
  });

  it('a run a minute ahead is within the skew allowed and counts as now', () => {
    const log = freshclamLog([...schedule(ago(8 * 24), ago(1), 120, 'updated'), { at: ago(-1 / 60), outcome: 'updated' }], { logTime: true });
    expect(judgeOne(rawSource('freshclam.log', log, 0), 'antivirus.update-gaps').status).toBe('pass');
  });

  it('the offset of an agentReports entry reaches the parser; without it the dates are marked as of unknown offset', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'clamscan.txt'), oldSignatures);
    const gateway = { name: 'gw', host: '127.0.0.1', agentReports: [{ path: join(dir, 'clamscan.txt'), utcOffsetMinutes: EAST }, { path: join(dir, 'clamscan.txt') }] } as Gateway;
    const [given, unknown] = await loadReportSources(gateway, undefined);
    expect(given!.observations[0]!.signatureTime!.getTime()).toBe(ago(5.5).getTime());
    expect(given!.observations[0]!.offsetUnknown).toBeUndefined();
    expect(unknown!.observations[0]!.offsetUnknown).toBe(true);
  });
});

describe('signature age of every product on the gateway', () => {
  const defender = (updated: Date) => JSON.stringify({ AMServiceEnabled: true, AntivirusEnabled: true, RealTimeProtectionEnabled: true, AMEngineVersion: '1.1.24090.11', AntivirusSignatureVersion: '1.419.1', AntivirusSignatureLastUpdated: updated.toISOString() });
  type Case = { name: string; files: [string, string][]; status: string; product?: string };
  const cases: Case[] = [
    { name: 'current Defender and week-old ClamAV: fail, naming ClamAV', files: [['defender.json', defender(ago(1))], ['clamscan.txt', clamscanVersion(ago(24 * 7))]], status: 'fail', product: 'ClamAV' },
    { name: 'week-old Defender and current ClamAV: fail, naming Defender', files: [['defender.json', defender(ago(24 * 7))], ['clamscan.txt', clamscanVersion(ago(1))]], status: 'fail', product: 'Microsoft Defender' },
    { name: 'both current: pass on the older', files: [['defender.json', defender(ago(1))], ['clamscan.txt', clamscanVersion(ago(2))]], status: 'pass', product: 'ClamAV' },
    { name: 'current ClamAV and a Defender whose age cannot be read: not_tested', files: [['defender.json', JSON.stringify({ AMServiceEnabled: true, RealTimeProtectionEnabled: true })], ['clamscan.txt', clamscanVersion(ago(1))]], status: 'not_tested' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const sources = c.files.map(([label, text]) => fileSource(label, text));
      const v = verdictOf(judgeAntivirus({ gateway: 'gw', sources, missing: [] }, T, NOW), 'antivirus.signature-age');
      expect(v.status, JSON.stringify(v.params)).toBe(c.status);
      if (c.product) expect(v.params.when).toContain(c.product);
    });
  }
});

describe('real-time protection that the data does not show', () => {
  const securityCenter = (state: string) => JSON.stringify([{ antivirus: state, firewall: 'Good', autoupdate: 'Good' }]);
  const present = (...files: [string, string][]) => verdictOf(judgeAntivirus({ gateway: 'gw', sources: files.map(([label, text]) => fileSource(label, text)), missing: [] }, T, NOW), 'antivirus.present');
  it('Security Center "Good" alone: not_tested, saying real-time protection is unknown', () => {
    const v = present(['osquery.json', securityCenter('Good')]);
    expect(v.status).toBe('not_tested');
    expect(v.params.reason).toContain('Windows Security Center: osquery-security-center from osquery.json does not say whether real-time protection is on');
  });
  it('Security Center "Poor": fail', () => expect(present(['osquery.json', securityCenter('Poor')]).status).toBe('fail'));
  it('Security Center "Good" with Defender reporting real-time protection on: pass', () => {
    const defender = JSON.stringify({ AMServiceEnabled: true, AntivirusEnabled: true, RealTimeProtectionEnabled: true, AntivirusSignatureLastUpdated: ago(1).toISOString() });
    expect(present(['osquery.json', securityCenter('Good')], ['defender.json', defender]).status).toBe('pass');
  });
});

describe('the update-gap verdict against an independent oracle (fast-check)', () => {
  const LIMIT = T.maxUpdateGapHours * 3_600_000;
  const windowStart = NOW.getTime() - T.historyWindowDays * 24 * 3_600_000;

  /**
   * Whether some stretch longer than the limit, from `from` (the window's start or the history's first entry,
   * whichever is later) to now, holds no run: checked at the only instants that can show one.
   */
  function oracleSeesGap(from: number, runs: number[]): boolean {
    const inRange = runs.filter((r) => r >= from && r <= NOW.getTime());
    const instants = [from + LIMIT, NOW.getTime(), ...inRange.map((r) => r + LIMIT + 1)].filter((t) => t <= NOW.getTime() && t - LIMIT >= from);
    return instants.some((t) => !inRange.some((r) => r >= t - LIMIT && r <= t));
  }

  it('pass only with a history covering the window and no gap over the limit; fail exactly when a gap shows', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 240 * 60 }), fc.array(fc.integer({ min: 1, max: 300 }), { maxLength: 150 }), (startMinutesAgo, steps) => {
        const historyStart = NOW.getTime() - startMinutesAgo * 60_000;
        const runs: number[] = [];
        let at = historyStart;
        for (const step of steps) {
          at += step * 60_000;
          if (at <= NOW.getTime()) runs.push(at);
        }
        const observation: AvObservation = { format: 'freshclam-log', product: 'ClamAV', updateRuns: runs.map((r) => new Date(r)), historyStart: new Date(historyStart), notes: [] };
        const v = verdictOf(judgeAntivirus({ gateway: 'gw', sources: [{ ...fileSource('freshclam.log', ''), observations: [observation] }], missing: [] }, T, NOW), 'antivirus.update-gaps');
        if (oracleSeesGap(Math.max(windowStart, historyStart), runs)) expect(v.status).toBe('fail');
        else expect(v.status).toBe(historyStart > windowStart ? 'not_tested' : 'pass');
      }),
      { numRuns: 400 },
    );
  });
});

describe('no anti-virus in the recent data is a verdict only when every way of looking worked', () => {
  const sessionSource = (commands: Record<string, CommandOutcome>): ReportedSource => ({
    label: 'SSH session as auditor',
    kind: 'ssh-session',
    signature: 'not-applicable',
    collectedAt: ago(1 / 60),
    collectedAtFrom: 'ssh session',
    observations: [],
    processes: ['systemd', 'sshd'],
    commands,
  });

  it('a clamscan that timed out over SSH is an error, not "no anti-virus"', () => {
    const timedOut: CommandOutcome = { name: 'clamscan-version', command: 'clamscan --version', status: 'timeout', exitCode: null, stdout: '', stderr: '' };
    const verdicts = judgeAntivirus({ gateway: 'gw', sources: [sessionSource({ 'clamscan-version': timedOut })], missing: [] }, T, NOW);
    const present = verdictOf(verdicts, 'antivirus.present');
    expect(present.status).toBe('error');
    expect(present.params.reason).toContain('SSH session as auditor: clamscan-version: timeout');
  });

  it('anti-virus seen only in a report too old to speak for now is not tested, not "none installed"', () => {
    const old = fileSource('clamscan.txt', fixture('clamscan-version.txt'), { collectedAt: ago(3) });
    const missingTool: CommandOutcome = { name: 'clamscan-version', command: 'clamscan --version', status: 'missing', exitCode: 127, stdout: '', stderr: 'sh: clamscan: not found' };
    const present = verdictOf(judgeAntivirus({ gateway: 'gw', sources: [old, sessionSource({ 'clamscan-version': missingTool })], missing: [] }, T, NOW), 'antivirus.present');
    expect(present.status).toBe('not_tested');
    expect(present.params.reason).toContain('reports too old to speak for now (clamscan.txt');
  });

  it('with every tool missing on a fresh session, no anti-virus is a fail', () => {
    const missingTool: CommandOutcome = { name: 'clamscan-version', command: 'clamscan --version', status: 'missing', exitCode: 127, stdout: '', stderr: 'sh: clamscan: not found' };
    expect(verdictOf(judgeAntivirus({ gateway: 'gw', sources: [sessionSource({ 'clamscan-version': missingTool })], missing: [] }, T, NOW), 'antivirus.present').status).toBe('fail');
  });

  it('a failed SSH session is named in the reports finding', () => {
    const reports = verdictOf(judgeAntivirus({ gateway: 'gw', sources: [fileSource('clamscan.txt', fixture('clamscan-version.txt'))], missing: ['the SSH session could not be used: no route'] }, T, NOW), 'antivirus.reports');
    expect(reports.actual).toContain('not read: the SSH session could not be used: no route');
  });
});

describe('the commands the SSH session and the agent run', () => {
  it('are all valid shell, compound ones (sigtool, freshclam.log, reboot flag) included', () => {
    for (const command of HOST_COMMANDS) {
      for (const line of [commandBody(command), remoteCommandLine(command, true), remoteCommandLine(command, false)]) {
        const check = spawnSync('sh', ['-n', '-c', line], { encoding: 'utf8', timeout: 10_000 });
        expect(check.status, `${command.name}: ${check.stderr}`).toBe(0);
      }
    }
  });

  it('a missing freshclam.log and a missing ClamAV database read as missing, not failed', () => {
    for (const name of ['freshclam-log', 'sigtool-daily']) {
      const command = HOST_COMMANDS.find((c) => c.name === name)!;
      const run = spawnSync('/bin/sh', ['-c', commandBody(command)], { encoding: 'utf8', timeout: 10_000, env: { PATH: '/nonexistent' } });
      expect(classifyOutcome(run.status, run.stderr), `${name}: ${run.stderr}`).toBe('missing');
    }
  });
});
