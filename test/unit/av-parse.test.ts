import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AvObservation } from '../../src/av/observation.ts';
import { parseAvData, parseClamscanVersion, parseFreshclamLog, parseSigtoolInfo } from '../../src/av/parse.ts';
import { CocoscanError } from '../../src/errors.ts';
import { clamscanVersion, fixtureAt, freshclamLog, schedule } from '../fixtures/av/build.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/av/${name}`, import.meta.url), 'utf8');
const iso = (d: Date | undefined) => d?.toISOString();

describe('anti-virus data formats', () => {
  it('clamscan --version: engine, database version and build time (host offset applied)', () => {
    const [utc] = parseAvData(fixture('clamscan-version.txt'), 0);
    expect(utc).toMatchObject({ format: 'clamscan-version', product: 'ClamAV', engineVersion: '1.4.6', signatureVersion: '27468' });
    expect(iso(utc?.signatureTime)).toBe('2026-11-22T07:33:12.000Z');
    expect(iso(parseAvData(fixture('clamscan-version.txt'), 60)[0]?.signatureTime)).toBe('2026-11-22T06:33:12.000Z');
    expect(parseAvData(fixture('clamscan-version.txt'))[0]?.notes[0]).toMatch(/UTC offset not given: judged under every offset/);
    expect(parseAvData(fixture('clamscan-version.txt'))[0]?.offsetUnknown).toBe(true);
    expect(utc?.offsetUnknown).toBeUndefined();
    expect(parseAvData('ClamAV 1.4.6\n')[0]?.cannotShowAge).toMatch(/no database is loaded/);
  });

  it('sigtool --info: build time with its zone', () => {
    const [info] = parseAvData(fixture('sigtool-info-daily.txt'));
    expect(info).toMatchObject({ format: 'sigtool-info', signatureVersion: '27468' });
    expect(iso(info?.signatureTime)).toBe('2026-11-22T07:33:00.000Z');
  });

  it('freshclam.log: one update run per block, up-to-date checks included', () => {
    const [every] = parseAvData(fixture('freshclam-every-2h.log'), 0);
    expect(every?.updateRuns).toHaveLength(24);
    expect(iso(every?.updateRuns?.[0])).toBe('2026-11-20T08:00:09.000Z');
    expect(iso(every?.historyStart)).toBe('2026-11-20T08:00:00.000Z');
    const [gap] = parseAvData(fixture('freshclam-6h-gap.log'), 0);
    expect(gap?.updateRuns).toHaveLength(22);
  });

  // The clock of these tests: runs are laid out relative to it, so no fixture ages.
  const NOW = new Date(Date.UTC(2026, 10, 30, 7, 0, 0));
  const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000);

  it('freshclam.log without LogTime (the upstream default): each run dated by its "update process started at" line', () => {
    const runs = [
      ...schedule(hoursAgo(48), hoursAgo(26), 120, 'up-to-date'),
      { at: hoursAgo(25), outcome: 'failed' as const },
      { at: hoursAgo(1), outcome: 'updated' as const },
    ];
    const text = freshclamLog(runs, { logTime: false, utcOffsetMinutes: 60 });
    expect(text).not.toMatch(/ -> /);
    const parsed = parseFreshclamLog(text, 60)!;
    expect(parsed.historyProblem).toBeUndefined();
    expect(parsed.updateRuns?.map((d) => d.toISOString())).toEqual(
      [...schedule(hoursAgo(48), hoursAgo(26), 120, 'up-to-date'), { at: hoursAgo(1) }].map((r) => r.at.toISOString()),
    );
    expect(parsed.historyStart?.toISOString()).toBe(hoursAgo(48).toISOString());
    expect(parsed.notes.join(' ')).toMatch(/without LogTime/);
  });

  it('freshclam.log with LogTime: one success per run, failed runs are not updates', () => {
    const runs = [
      { at: hoursAgo(30), outcome: 'updated' as const },
      { at: hoursAgo(20), outcome: 'failed' as const },
      { at: hoursAgo(10), outcome: 'up-to-date' as const },
    ];
    const parsed = parseFreshclamLog(freshclamLog(runs, { logTime: true }), 0)!;
    expect(parsed.updateRuns?.map((d) => d.toISOString())).toEqual(
      [new Date(hoursAgo(30).getTime() + 9000), new Date(hoursAgo(10).getTime() + 1000)].map((d) => d.toISOString()),
    );
  });

  it('a freshclam.log with no dated run says so instead of reading as "no update"', () => {
    const undated =
      'daily.cld database is up-to-date (version: 27480, sigs: 2071350, f-level: 90, builder: raynman)\n' +
      'freshclam daemon 1.4.6 (OS: Linux, ARCH: x86_64, CPU: x86_64)\n';
    const parsed = parseFreshclamLog(undated, 0)!;
    expect(parsed.updateRuns).toEqual([]);
    expect(parsed.historyProblem).toMatch(/no dated line/);
    expect(parsed.notes.join(' ')).toMatch(/1 successful update line/);
    // A header whose date cannot be read dates nothing either.
    expect(
      parseFreshclamLog('ClamAV update process started at Xyz Abc 99 99:99:99 2026\ndaily.cld updated (version: 1, sigs: 2)\n', 0)
        ?.historyProblem,
    ).toMatch(/no dated line/);
  });

  it('Windows line ends and single-digit days are read', () => {
    const at = new Date(Date.UTC(2026, 11, 3, 4, 0, 0));
    const text = freshclamLog([{ at, outcome: 'updated' }], { logTime: true }).replace(/\n/g, '\r\n');
    expect(text).toContain('Thu Dec  3 04:00:00 2026 -> ');
    expect(parseFreshclamLog(text, 0)?.updateRuns?.map((d) => d.toISOString())).toEqual(['2026-12-03T04:00:09.000Z']);
  });

  it('fixture builders for tests on the real clock date the output where asked', () => {
    expect(parseAvData(clamscanVersion(hoursAgo(1)), 0)[0]?.signatureTime?.toISOString()).toBe(hoursAgo(1).toISOString());
    expect(parseAvData(fixtureAt(fixture('clamscan-version.txt'), hoursAgo(2)), 0)[0]?.signatureTime?.toISOString()).toBe(
      hoursAgo(2).toISOString(),
    );
    expect(parseAvData(fixtureAt(fixture('defender-ps7-rtp-off.json'), hoursAgo(3)))[0]).toMatchObject({
      signatureTime: hoursAgo(3),
      realTimeProtection: false,
    });
  });

  it('Defender from PowerShell 5.1 and 7', () => {
    const [ps51] = parseAvData(fixture('defender-ps51.json'));
    expect(ps51).toMatchObject({
      format: 'defender-status',
      product: 'Microsoft Defender',
      signatureVersion: '1.421.1203.0',
      engineRunning: true,
      realTimeProtection: true,
    });
    expect(iso(ps51?.signatureTime)).toBe('2026-11-22T05:33:12.000Z');
    const [ps7] = parseAvData(fixture('defender-ps7-rtp-off.json'));
    expect(ps7).toMatchObject({ realTimeProtection: false });
    expect(iso(ps7?.signatureTime)).toBe('2026-11-22T06:33:12.000Z');
  });

  it('mdatp health JSON with managed values', () => {
    const [mdatp] = parseAvData(fixture('mdatp-health.json'));
    expect(mdatp).toMatchObject({
      format: 'mdatp-health',
      realTimeProtection: true,
      engineRunning: true,
      signatureVersion: '1.421.1203.0',
    });
    expect(iso(mdatp?.signatureTime)).toBe('2026-11-22T06:33:12.000Z');
  });

  it('osquery: Security Center cannot show age; database file times can', () => {
    expect(parseAvData(fixture('osquery-windows-security-center.json'))[0]?.cannotShowAge).toMatch(/cannot show how old/);
    expect(iso(parseAvData(fixture('osquery-clamav-files.json'))[0]?.signatureTime)).toBe('2026-11-22T07:33:21.000Z');
  });

  it('ignores what it does not recognise', () => {
    expect(parseAvData('hello world')).toEqual([]);
    expect(parseAvData('{"not": "av"}')).toEqual([]);
    expect(parseAvData('{broken')).toEqual([]);
  });

  it('dates that are out of range are unknown, never an Invalid Date', () => {
    expect(parseAvData('{"definitionsUpdated": "99999999999999999999", "healthy": true}')[0]?.signatureTime).toBeUndefined();
    expect(
      parseAvData('{"AMServiceEnabled": true, "AntivirusSignatureLastUpdated": "/Date(99999999999999999)/"}')[0]?.signatureTime,
    ).toBeUndefined();
    expect(parseAvData('[{"path": "/var/lib/clamav/daily.cld", "mtime": "999999999999999"}]')[0]?.signatureTime).toBeUndefined();
  });

  it('a huge osquery result does not overflow the stack', () => {
    const rows = Array.from({ length: 200_000 }, (_, i) => ({ path: `/var/lib/clamav/d${i}.cvd`, mtime: 1_700_000_000 + i }));
    expect(parseAvData(JSON.stringify(rows))[0]?.signatureTime?.getTime()).toBe((1_700_000_000 + 199_999) * 1000);
  });

  it('values that cannot become text do not throw', () => {
    expect(parseAvData('[{"antivirus": {"toString": 1, "valueOf": 1}}]')[0]?.cannotShowAge).toMatch(/"unknown"/);
    expect(parseAvData('[{"path": "/var/lib/clamav/daily.cld", "mtime": {"toString": 1, "valueOf": 1}}]')).toEqual([]);
  });
});

/** Runs a parser; the only thing it may throw is the project's own typed error. */
function typedOrValue<T>(parse: () => T): T | undefined {
  try {
    return parse();
  } catch (error) {
    expect(error).toBeInstanceOf(CocoscanError);
    return undefined;
  }
}

/** Every date an observation carries is a real one (an Invalid Date would throw later, in a finding). */
function expectRealDates(observations: AvObservation[]): void {
  for (const o of observations) {
    for (const d of [o.signatureTime, o.historyStart, o.historyEnd, ...(o.updateRuns ?? [])]) {
      if (d !== undefined) expect(Number.isFinite(d.getTime()), `${o.format}: ${String(d)}`).toBe(true);
    }
  }
}

const HOSTILE_NAMES = ['constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty', 'value'];
/** Lines that look like each text format, cut and recombined, with noise between them. */
const avLine = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.constantFrom(
    'ClamAV 1.4.6/27468/Sun Nov 22 07:33:12 2026',
    'ClamAV 1.4.6/27468/Sun Foo 99 99:99:99 9999',
    'ClamAV 1.4.6',
    'Build time: 22 Nov 2026 07:33 +0000',
    'Build time: 31 Xyz 2026 99:99 -9999',
    'Version: 27468',
    'File: /var/lib/clamav/daily.cld',
    '--------------------------------------',
    'ClamAV update process started at Sun Nov 22 07:33:12 2026',
    'ClamAV update process started at Sun constructor 22 07:33:12 2026',
    'Sun Nov 22 07:33:12 2026 -> daily.cld updated (version: 27468, sigs: 1)',
    'Sun Nov 99 99:99:99 9999 -> daily.cvd database is up-to-date (version: 1)',
    'daily.cld database is up-to-date (version: 27468, sigs: 2071350, f-level: 90, builder: raynman)',
    'daily.cvd is up to date (version: 1)',
    'freshclam daemon 1.4.6 (OS: linux-gnu, ARCH: x86_64, CPU: x86_64)',
    'ERROR: Update failed.',
    '\r',
  ),
);
const avText = fc.array(avLine, { maxLength: 40 }).map((lines) => lines.join('\n'));
const hostileKey = fc.oneof(
  fc.constantFrom(
    ...HOSTILE_NAMES,
    'antivirus',
    'path',
    'mtime',
    'AMServiceEnabled',
    'AntivirusSignatureLastUpdated',
    'definitionsUpdated',
    'healthy',
  ),
  fc.string({ maxLength: 12 }),
);
const avJsonValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom('/Date(99999999999999999)/', '/Date(-1)/', '99999999999999999999', '2026-13-45T99:99:99Z', '/var/lib/clamav/daily.cld'),
);
const avJson = fc.oneof(
  fc.dictionary(hostileKey, avJsonValue, { maxKeys: 8 }),
  fc.array(fc.dictionary(hostileKey, avJsonValue, { maxKeys: 5 }), { maxLength: 6 }),
  fc.jsonValue({ maxDepth: 4 }),
);

describe('anti-virus parsers under any input (fast-check)', () => {
  it('text formats: clamscan, sigtool, freshclam.log', () => {
    fc.assert(
      fc.property(avText, fc.option(fc.integer({ min: -1440, max: 1440 }), { nil: undefined }), (text, offset) => {
        expectRealDates(typedOrValue(() => parseAvData(text, offset)) ?? []);
        for (const parse of [parseClamscanVersion, parseSigtoolInfo, parseFreshclamLog]) {
          const observation = typedOrValue(() => parse(text, offset));
          if (observation) expectRealDates([observation]);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('JSON formats: Defender, mdatp, osquery (hostile key names included)', () => {
    fc.assert(
      fc.property(avJson, (value) => {
        expectRealDates(typedOrValue(() => parseAvData(JSON.stringify(value))) ?? []);
      }),
      { numRuns: 400 },
    );
  });

  it('any string at all', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (text) => {
        expectRealDates(typedOrValue(() => parseAvData(text)) ?? []);
      }),
      { numRuns: 300 },
    );
  });
});
