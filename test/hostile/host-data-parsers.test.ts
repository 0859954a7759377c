import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { judgeAntivirus } from '../../src/av/judge.ts';
import { parseAvData } from '../../src/av/parse.ts';
import { ctime } from '../fixtures/av/build.ts';
import { loadConnectionFile } from '../../src/connection/load.ts';
import { loadProfile } from '../../src/profile/load.ts';
import { runCheck } from '../../src/run-check.ts';
import { ROOT, tempDir } from '../helpers/cli.ts';
import * as patchParsers from '../../src/patch/parse.ts';

/**
 * Output a hostile host can put in an agent report or an SSH command's answer (capped at 4 MB per command
 * over SSH): every parser reads it in time linear in its size. The limit is generous for a loaded 2-core
 * machine; the quadratic dnf reader this guards against took over 90 s for 200 KB of blank lines.
 */
const SIZE = 1024 * 1024;
const LIMIT_MS = 10_000;
const hostile: Record<string, string> = {
  'blank lines': '\n'.repeat(SIZE),
  'spaces and line ends': ' \n'.repeat(SIZE / 2),
  'one long line of spaces': ' '.repeat(SIZE),
  'a rule that never ends': `\n${'='.repeat(SIZE)}`,
  'dashes and digits': '1-'.repeat(SIZE / 2),
  'freshclam headers without dates': 'ClamAV update process started at \n'.repeat(SIZE / 34),
  'clamscan slashes': `ClamAV 1.4.6${'/'.repeat(SIZE)}`,
};
const parsers: [string, (text: string) => unknown][] = [
  ['parseAvData', (text) => parseAvData(text, 0)],
  ...Object.entries(patchParsers as Record<string, unknown>).filter(
    (e): e is [string, (text: string) => unknown] => typeof e[1] === 'function',
  ),
];

describe('host data parsers on hostile output: time bound and verdict', () => {
  for (const [shape, text] of Object.entries(hostile)) {
    it(`${shape} (${Math.round(text.length / 1024)} KB)`, () => {
      for (const [name, parse] of parsers) {
        const started = performance.now();
        const result = parse(text);
        const elapsed = performance.now() - started;
        expect(elapsed, `${name} on ${shape}`).toBeLessThan(LIMIT_MS);
        // Nothing in these shapes is a package, an advisory or an anti-virus product.
        if (Array.isArray(result))
          expect(
            result.filter((r) => typeof r === 'object' && r !== null && 'name' in r),
            name,
          ).toEqual([]);
        if (result instanceof Map) expect(result.size, name).toBe(0);
      }
    });
  }
  it('a freshclam.log of undated headers is read as undated, not as a week without updates', () => {
    const [log] = parseAvData(hostile['freshclam headers without dates']!, 0);
    expect(log?.updateRuns).toEqual([]);
    expect(log?.historyProblem).toMatch(/no dated line/);
  });
});

describe('a 16 MiB freshclam.log of local times with no UTC offset', () => {
  it('is judged at every offset in bounded time, and a run every 3 s that stopped a day ago fails', () => {
    const now = new Date('2026-11-22T08:33:12.000Z');
    const start = now.getTime() - 7.5 * 86_400_000;
    const parts: string[] = [];
    let size = 0;
    for (let i = 0; size < 16 * 1024 * 1024 - 200; i += 1) {
      const part = `ClamAV update process started at ${ctime(new Date(start + i * 3000))}\ndaily.cld database is up-to-date\n`;
      parts.push(part);
      size += part.length;
    }
    const observations = parseAvData(parts.join(''));
    expect(observations[0]?.offsetUnknown).toBe(true);
    const source = {
      label: 'freshclam.log',
      kind: 'tool-output' as const,
      signature: 'unsigned' as const,
      collectedAt: now,
      collectedAtFrom: 'file modification time' as const,
      observations,
    };
    const started = performance.now();
    const verdicts = judgeAntivirus(
      { gateway: 'gw', sources: [source], missing: [] },
      { maxSignatureAgeHours: 4, maxUpdateGapHours: 4, maxReportAgeHours: 1, historyWindowDays: 7, maxClockSkewMinutes: 5 },
      now,
    );
    expect(performance.now() - started).toBeLessThan(LIMIT_MS);
    expect(verdicts.find((v) => v.id === 'antivirus.update-gaps')?.status).toBe('fail');
  });
});

describe('an agent report stuffed with huge fields', () => {
  it('keeps antivirus.json and every finding small, whatever the report holds', async () => {
    const now = new Date('2026-11-22T08:33:12.000Z');
    const ok = (name: string, stdout: string) => ({ name, command: name, status: 'ok', exitCode: 0, stdout, stderr: '' });
    const report = {
      format: 'cocoscan-agent-report',
      version: 1,
      agentVersion: '0.1.0',
      host: 'gw',
      collectedAt: new Date(now.getTime() - 60_000).toISOString(),
      utcOffsetMinutes: 0,
      commands: {
        'clamscan-version': ok('clamscan-version', `ClamAV 1.4.6${'x'.repeat(1024 * 1024)}/27468/Sun Nov 22 07:33:12 2026\n`),
        'sigtool-daily': ok(
          'sigtool-daily',
          `File: ${'f'.repeat(512 * 1024)}\nBuild time: 22 Nov 2026 07:33 +0000\nVersion: ${'9'.repeat(512 * 1024)}\n`,
        ),
        processes: ok('processes', 'clamd\n'.repeat(400_000)),
        'dpkg-packages': ok('dpkg-packages', 'pkg\t1.0\tii \n'.repeat(500_000)),
      },
    };
    const dir = await tempDir();
    await writeFile(join(dir, 'report.json'), JSON.stringify(report));
    await writeFile(
      join(dir, 'connection.yaml'),
      'connection: { name: big, mojSystem: M, thirdPartySystem: T, organisation: O }\ngateways:\n' +
        '  - name: gw\n    host: 127.0.0.1\n    agentReports: [ { path: report.json } ]\n' +
        'flows: [ { name: web, protocol: https, port: 443 } ]\n',
    );
    const connection = await loadConnectionFile(join(dir, 'connection.yaml'));
    const profile = await loadProfile(join(ROOT, 'test/fixtures/profiles/coco10-only.yaml'));
    const { report: result, artefacts } = await runCheck({ connection, profile, now: () => now });
    const evidence = artefacts.find((a) => a.path.endsWith('antivirus.json'))!;
    expect(evidence.bytes).toBeLessThan(64 * 1024);
    for (const finding of result.findings) expect(finding.message.length, finding.id).toBeLessThan(4096);
    expect(result.findings.find((f) => f.id === 'antivirus.present')?.status).toBe('pass');
    expect(result.findings.find((f) => f.id === 'antivirus.signature-age')?.status).toBe('pass');
  });
});

describe('a date that does not exist is unreadable, never moved to a real one', () => {
  it.each([
    ['clamscan, 30 February', 'ClamAV 1.4.2/27500/Mon Feb 30 07:33:12 2026'],
    ['clamscan, day 99 at 99:99:99', 'ClamAV 1.4.2/27500/Mon Jan 99 99:99:99 2026'],
    ['sigtool, 31 February at 25:00', 'Build time: 31 Feb 2026 25:00 +0000\nVersion: 27500\n'],
    ['sigtool, offset +9999', 'Build time: 01 Feb 2026 10:00 +9999\nVersion: 27500\n'],
    ['Defender, 30 February', JSON.stringify({ AMServiceEnabled: true, AntivirusSignatureLastUpdated: '2026-02-30T10:00:00+00:00' })],
    ['Defender, a bare number taken for the year 2001', JSON.stringify({ AMServiceEnabled: true, AntivirusSignatureLastUpdated: '1' })],
    ['Defender, free text', JSON.stringify({ AMServiceEnabled: true, AntivirusSignatureLastUpdated: 'Tuesday 3 March' })],
  ])('%s', (_, text) => {
    const [observation] = parseAvData(text, 0);
    expect(observation).toBeDefined();
    expect(observation!.signatureTime).toBeUndefined();
  });

  it('freshclam: a run dated 30 February is no update run', () => {
    const log = 'ClamAV update process started at Mon Feb 30 10:00:00 2026\ndaily.cld updated (version: 27500)\n';
    expect(parseAvData(log, 0)[0]?.updateRuns).toEqual([]);
  });

  it('patch: an apt history End-Date of 30 February, and a dnf advisory issued on 31 April', () => {
    const history = 'Start-Date: 2026-02-30  10:00:00\nUpgrade: a (1, 2)\nEnd-Date: 2026-02-30  10:01:00\n';
    expect(patchParsers.lastAptUpgrade(history, 0)).toBeUndefined();
    const info = patchParsers.parseDnfSecurityInfo('Update ID : RHSA-1\nIssued : 2026-04-31 00:00:00\n');
    expect(info.get('RHSA-1')?.issued).toBeUndefined();
  });

  it('real dates still read: 29 February of a leap year, a Defender date with and without its zone', () => {
    expect(parseAvData('ClamAV 1.4.2/27500/Tue Feb 29 07:33:12 2028', 0)[0]?.signatureTime?.toISOString()).toBe('2028-02-29T07:33:12.000Z');
    const defender = (at: string) =>
      parseAvData(JSON.stringify({ AMServiceEnabled: true, AntivirusSignatureLastUpdated: at }), 60)[0]?.signatureTime?.toISOString();
    expect(defender('2026-03-01T10:00:00.1234567+01:00')).toBe('2026-03-01T09:00:00.123Z');
    expect(defender('/Date(1772359200000)/')).toBe('2026-03-01T10:00:00.000Z');
    // Without a zone it is the host's local time (UTC+01:00 here), not the checker's; with no offset given, judged under every one.
    expect(defender('2026-03-01T10:00:00')).toBe('2026-03-01T09:00:00.000Z');
    const unzoned = parseAvData(JSON.stringify({ AMServiceEnabled: true, AntivirusSignatureLastUpdated: '2026-03-01T10:00:00' }))[0];
    expect(unzoned?.offsetUnknown).toBe(true);
  });
});
