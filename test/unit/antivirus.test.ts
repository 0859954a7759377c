import { parseTestProfile } from '../helpers/test-profile.ts';
import { spawnSync } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyFingerprint, signReport, verifySignedReport, type AgentReport } from '../../src/agent/report.ts';
import { judgeAntivirus, type AvVerdict } from '../../src/av/judge.ts';
import { loadConnectionFile } from '../../src/connection/load.ts';
import type { Gateway } from '../../src/connection/schema.ts';
import { CocoscanError } from '../../src/errors.ts';
import { loadReportSources } from '../../src/facts/reported-sources.ts';
import { classifyOutcome, commandBody, HOST_COMMANDS, remoteCommandLine, type CommandOutcome } from '../../src/host/commands.ts';
import type { HostSession } from '../../src/host/session.ts';
import { clamscanVersion, freshclamLog, schedule } from '../fixtures/av/build.ts';
import { runCheck } from '../../src/run-check.ts';
import { ago, NOW, ok, T } from '../helpers/av-sources.ts';
import { tempDir } from '../helpers/cli.ts';
import type { AvFindingId } from '../../src/av/findings.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/av/${name}`, import.meta.url), 'utf8');
const PROFILE = parseTestProfile(
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
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
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
    expect(finding('antivirus.update-gaps').message).toContain(
      'no signature update for 6.0 h, from 2026-11-21T06:00:01.000Z to 2026-11-21T12:00:09.000Z',
    );
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
    expect(verifySignedReport(text.slice(0, -20), signer.publicPem)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('not valid JSON'),
    });
  });
});

const verdictOf = (verdicts: AvVerdict[], id: string) => verdicts.find((v) => v.id === id)!;

describe('CoCo-10 update gaps through the whole check (the pure cases are in judge-antivirus.test.ts)', () => {
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
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 300 }),
          fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
        ),
        (text) => void never(text),
      ),
      { numRuns: 300 },
    );
  });

  it('envelopes of the right shape with any payload and signature, even under the right key fingerprint', () => {
    const envelope = fc.record({
      format: fc.constant('cocoscan-signed-report'),
      version: fc.constant(1),
      algorithm: fc.constant('ed25519'),
      keySha256: fc.oneof(fc.constant(fingerprint), fc.stringMatching(/^[0-9a-f]{64}$/)),
      payload: fc.oneof(
        fc.string({ maxLength: 80 }),
        fc.string({ unit: 'binary', maxLength: 80 }).map((t) => Buffer.from(t).toString('base64')),
      ),
      signature: fc.oneof(
        fc.string({ maxLength: 100 }),
        fc.uint8Array({ minLength: 0, maxLength: 80 }).map((b) => Buffer.from(b).toString('base64')),
      ),
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
      fc
        .dictionary(
          fc.constantFrom('constructor', '__proto__', 'toString', 'processes'),
          fc.constant({ name: 'x', command: 'x', status: 'ok', exitCode: 0, stdout: 'clamd\n', stderr: '' }),
        )
        .map((commands) => JSON.stringify({ ...clamavReport(NOW.toISOString(), ''), commands })),
    );
    fc.assert(
      fc.property(payloadText, (text) => {
        const payload = Buffer.from(text);
        const envelope = {
          format: 'cocoscan-signed-report',
          version: 1,
          algorithm: 'ed25519',
          keySha256: fingerprint,
          payload: payload.toString('base64'),
          signature: sign(null, payload, privateKey).toString('base64'),
        };
        const verified = never(JSON.stringify(envelope));
        if (verified && !verified.ok) expect(verified.reason).toMatch(/not JSON|not a cocoscan agent report|altered/);
      }),
      { numRuns: 300 },
    );
  });

  it('a key of another type is refused with a reason, not a crypto exception', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
    const rsaPem = rsa.export({ type: 'spki', format: 'pem' }).toString();
    const envelope = {
      ...(JSON.parse(signReport(clamavReport(NOW.toISOString(), ''), signer.privatePem)) as object),
      keySha256: keyFingerprint(rsa),
    };
    expect(verifySignedReport(JSON.stringify(envelope), rsaPem)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('not Ed25519'),
    });
  });
});

describe('command names from a report are data, never prototype members', () => {
  it('commands named constructor, __proto__ or toString are ignored, and no process list is invented', async () => {
    const dir = await tempDir();
    const commands = JSON.parse(
      '{"__proto__": {"name": "processes", "command": "x", "status": "ok", "exitCode": 0, "stdout": "clamd\\n", "stderr": ""}}',
    ) as Record<string, CommandOutcome>;
    for (const name of ['constructor', 'toString', 'hasOwnProperty']) commands[name] = ok(name, 'clamd\n');
    const report = {
      ...clamavReport(ago(2 / 60).toISOString(), ''),
      commands: { ...commands, 'clamscan-version': ok('clamscan-version', fixture('clamscan-version.txt')) },
    };
    await writeFile(join(dir, 'r.json'), JSON.stringify(report));
    const [source] = await loadReportSources({ name: 'gw', host: '127.0.0.1', agentReports: [{ path: join(dir, 'r.json') }] }, undefined);
    expect(source?.failure).toBeUndefined();
    expect(source?.processes).toBeUndefined();
    const present = verdictOf(judgeAntivirus({ gateway: 'gw', sources: [source!], missing: [] }, T, NOW), 'antivirus.present');
    expect(present.status).toBe('not_tested');
  });
});

describe('report paths named like prototype members', () => {
  it('a remotePath named constructor that the session did not fetch is "not fetched", not a crash', async () => {
    const session: HostSession = {
      ok: true,
      username: 'auditor',
      hostKeyFingerprint: 'SHA256:x',
      hostKeyVerified: true,
      commands: {},
      files: {},
      collectedAt: NOW.toISOString(),
    };
    const gateway = { name: 'gw', host: '127.0.0.1', agentReports: [{ remotePath: 'constructor' }, { remotePath: 'toString' }] } as Gateway;
    const sources = await loadReportSources(gateway, session);
    expect(sources.slice(0, 2).map((s) => s.failure)).toEqual([
      'the report could not be read over SSH (not fetched)',
      'the report could not be read over SSH (not fetched)',
    ]);
  });
});

describe('local-time ClamAV files without a UTC offset', () => {
  const EAST = 300; // a host at UTC+05:00
  const oldSignatures = clamscanVersion(ago(5.5), EAST);
  it('the offset of an agentReports entry reaches the parser; without it the dates are marked as of unknown offset', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'clamscan.txt'), oldSignatures);
    const gateway = {
      name: 'gw',
      host: '127.0.0.1',
      agentReports: [{ path: join(dir, 'clamscan.txt'), utcOffsetMinutes: EAST }, { path: join(dir, 'clamscan.txt') }],
    } as Gateway;
    const [given, unknown] = await loadReportSources(gateway, undefined);
    expect(given!.observations[0]!.signatureTime!.getTime()).toBe(ago(5.5).getTime());
    expect(given!.observations[0]!.offsetUnknown).toBeUndefined();
    expect(unknown!.observations[0]!.offsetUnknown).toBe(true);
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
