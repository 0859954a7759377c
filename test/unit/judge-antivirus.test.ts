import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { judgeAntivirus, type AntivirusFacts } from '../../probes/antivirus/judge.ts';
import type { AvThresholds } from '../../src/av/judge.ts';
import type { AvObservation } from '../../src/av/observation.ts';
import { parseAvData } from '../../src/av/parse.ts';
import type { ReportedSource } from '../../src/facts/reported-sources.ts';
import type { CommandOutcome } from '../../src/host/commands.ts';
import { clamscanVersion, ctime, freshclamLog, schedule } from '../fixtures/av/build.ts';
import { ago, fileSource, NOW, T } from '../helpers/av-sources.ts';
import { judgeTable } from '../helpers/judge-table.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/av/${name}`, import.meta.url), 'utf8');
/** A pattern matching `text` literally. */
const literally = (text: string) => new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
const ARTEFACT = 'evidence/gateways/gw/antivirus.json';

function facts(sources: ReportedSource[], missing: string[] = []): AntivirusFacts {
  return { target: { gateway: 'gw', host: '192.0.2.1' }, av: { gateway: 'gw', sources, missing }, artefact: ARTEFACT };
}
const log = (text: string, extra: Partial<ReportedSource> = {}) => fileSource('freshclam.log', text, extra);

/** A ClamAV gateway that passes: signatures an hour old, clamd running, updates every two hours for eight days. */
const healthy = () => [
  fileSource('clamscan.txt', clamscanVersion(ago(1)), { processes: ['systemd', 'clamd', 'freshclam'] }),
  log(freshclamLog(schedule(ago(8 * 24), ago(0.2), 120, 'up-to-date'), { logTime: true })),
];

// Local-time ClamAV files without a UTC offset.
const EAST = 300; // a host at UTC+05:00
/** A raw file as reported-sources.ts reads it: with the entry's offset, or with none given. */
const rawSource = (label: string, text: string, offset?: number) => ({ ...fileSource(label, ''), observations: parseAvData(text, offset) });
// Updates every 2 h for 8 days, the last one 5.5 h before the check: a gap over the 4 h limit.
const stopped = freshclamLog(schedule(ago(8 * 24), ago(5.5), 120, 'updated'), { logTime: true, utcOffsetMinutes: EAST });
const oldSignatures = clamscanVersion(ago(5.5), EAST);
const wide: AvThresholds = { ...T, maxSignatureAgeHours: 72, maxUpdateGapHours: 72 };

const defender = (updated: Date) =>
  JSON.stringify({
    AMServiceEnabled: true,
    AntivirusEnabled: true,
    RealTimeProtectionEnabled: true,
    AMEngineVersion: '1.1.24090.11',
    AntivirusSignatureVersion: '1.419.1',
    AntivirusSignatureLastUpdated: updated.toISOString(),
  });
const securityCenter = (state: string) => JSON.stringify([{ antivirus: state, firewall: 'Good', autoupdate: 'Good' }]);

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
const missingClamscan: CommandOutcome = {
  name: 'clamscan-version',
  command: 'clamscan --version',
  status: 'missing',
  exitCode: 127,
  stdout: '',
  stderr: 'sh: clamscan: not found',
};
const JUDGED = ['antivirus.present', 'antivirus.signature-age', 'antivirus.update-gaps'] as const;
const ALL = ['antivirus.reports', ...JUDGED] as const;

judgeTable('antivirus', {
  judge: judgeAntivirus,
  thresholds: T,
  now: NOW,
  valid: [
    { name: 'ClamAV an hour old, clamd running, regular updates over the window', facts: facts(healthy()) },
    {
      name: 'a regular schedule written without LogTime over the whole window',
      facts: facts([healthy()[0]!, log(freshclamLog(schedule(ago(8 * 24), ago(0.2), 120, 'up-to-date'), { logTime: false }))]),
    },
    {
      name: "the time between collection and the check is nobody's observation: it never makes a gap",
      // Updates every 2 h up to 3.5 h before collection, collected 55 minutes before the check: 3.5 h without an update, not 4.4 h.
      facts: facts([
        healthy()[0]!,
        log(
          freshclamLog([...schedule(ago(8 * 24), ago(6), 60, 'updated'), { at: ago(3.5 + 55 / 60), outcome: 'updated' }], {
            logTime: true,
          }),
          { collectedAt: ago(55 / 60) },
        ),
      ]),
    },
    {
      name: 'a run a minute ahead is within the skew allowed and counts as now',
      facts: facts([
        healthy()[0]!,
        rawSource(
          'freshclam.log',
          freshclamLog([...schedule(ago(8 * 24), ago(1), 120, 'updated'), { at: ago(-1 / 60), outcome: 'updated' }], { logTime: true }),
          0,
        ),
      ]),
    },
  ],
  invalid: [
    // Update gaps over the whole window
    {
      name: 'a week of failed updates and one success 30 minutes ago fails, counted from the start of the window',
      facts: facts([
        log(freshclamLog([...schedule(ago(8 * 24), ago(1), 60, 'failed'), { at: ago(0.5), outcome: 'updated' }], { logTime: true })),
      ]),
      verdicts: [
        {
          id: 'antivirus.update-gaps',
          status: 'fail',
          params: { from: `${ago(7 * 24).toISOString()} (start of the 7-day window)`, gap: /^7\.0 days$/ },
        },
      ],
    },
    {
      name: 'the same without LogTime (RHEL default) fails the same way, never "no update in the whole window"',
      facts: facts([
        log(freshclamLog([...schedule(ago(8 * 24), ago(1), 60, 'failed'), { at: ago(0.5), outcome: 'updated' }], { logTime: false })),
      ]),
      verdicts: [{ id: 'antivirus.update-gaps', status: 'fail', params: { gap: /^7\.0 days$/ } }],
    },
    {
      name: 'a regular schedule counts every run of the window',
      facts: facts([log(freshclamLog(schedule(ago(8 * 24), ago(0.2), 120, 'up-to-date'), { logTime: false }))]),
      verdicts: [{ id: 'antivirus.update-gaps', status: 'pass', params: { runs: 7 * 12 } }],
    },
    {
      name: 'a gap from the last success to the time of collection counts',
      facts: facts([log(freshclamLog(schedule(ago(8 * 24), ago(5), 120, 'updated'), { logTime: true }))]),
      verdicts: [
        { id: 'antivirus.update-gaps', status: 'fail', params: { to: `${ago(5 / 60).toISOString()} (when the history was collected)` } },
      ],
    },
    {
      name: 'a history that starts inside the window is too short to judge: not_tested, saying how long it covers',
      facts: facts([log(freshclamLog(schedule(ago(48), ago(0.2), 120, 'updated'), { logTime: true }))]),
      verdicts: [
        {
          id: 'antivirus.update-gaps',
          status: 'not_tested',
          params: { reason: literally(`reaches back only to ${ago(48).toISOString()} (2.0 days), less than the 7-day window`) },
        },
      ],
    },
    {
      name: 'a short history that already shows a gap over the limit fails',
      facts: facts([
        log(
          freshclamLog(
            [
              { at: ago(30), outcome: 'updated' },
              { at: ago(20), outcome: 'failed' },
              { at: ago(1), outcome: 'updated' },
            ],
            { logTime: true },
          ),
        ),
      ]),
      verdicts: [{ id: 'antivirus.update-gaps', status: 'fail' }],
    },
    {
      name: 'a log with no dated run is not_tested with the reason',
      facts: facts([
        log(
          'freshclam daemon 1.4.6 (OS: Linux, ARCH: x86_64, CPU: x86_64)\n' +
            'daily.cld database is up-to-date (version: 27480, sigs: 2071350, f-level: 90, builder: raynman)\n',
        ),
      ]),
      verdicts: [
        { id: 'antivirus.update-gaps', status: 'not_tested', params: { reason: /freshclam\.log: the freshclam\.log has no dated line/ } },
      ],
    },
    {
      name: 'update runs dated beyond the clock skew allowed are an error, never dropped',
      facts: facts([
        rawSource(
          'freshclam.log',
          freshclamLog([...schedule(ago(8 * 24), ago(0.2), 120, 'updated'), { at: ago(-3), outcome: 'updated' }], { logTime: true }),
          0,
        ),
      ]),
      verdicts: [
        {
          id: 'antivirus.update-gaps',
          status: 'error',
          params: {
            reason: new RegExp(
              `${literally(`1 update run(s) dated after this check, the latest ${ago(-3).toISOString().slice(0, 16)}`).source}.*\\(3\\.0 h ahead\\)`,
            ),
          },
        },
      ],
    },
    {
      name: 'a history of exactly the limit without a run, collected 5 minutes before the check: no gap yet, too short',
      facts: facts([
        {
          ...fileSource('freshclam.log', ''),
          observations: [{ format: 'freshclam-log', product: 'ClamAV', updateRuns: [], historyStart: ago(4), notes: [] }],
        },
      ]),
      verdicts: [{ id: 'antivirus.update-gaps', status: 'not_tested', params: { reason: /reaches back only to/ } }],
    },
    // Signature age
    {
      name: 'signatures dated a day ahead are an error, never "0 h old"',
      facts: facts([fileSource('clamscan.txt', `ClamAV 1.4.6/27468/${ctime(new Date(NOW.getTime() + 24 * 3_600_000))}\n`)]),
      verdicts: [{ id: 'antivirus.signature-age', status: 'error', params: { reason: /24\.0 h after this check/ } }],
    },
    {
      name: 'signatures a minute ahead are within the clock skew allowed',
      facts: facts([fileSource('clamscan.txt', `ClamAV 1.4.6/27468/${ctime(new Date(NOW.getTime() + 60_000))}\n`)]),
      verdicts: [{ id: 'antivirus.signature-age', status: 'pass' }],
    },
    {
      name: 'current Defender and week-old ClamAV: fail, naming ClamAV',
      facts: facts([fileSource('defender.json', defender(ago(1))), fileSource('clamscan.txt', clamscanVersion(ago(24 * 7)))]),
      verdicts: [{ id: 'antivirus.signature-age', status: 'fail', params: { when: /ClamAV/ } }],
    },
    {
      name: 'week-old Defender and current ClamAV: fail, naming Defender',
      facts: facts([fileSource('defender.json', defender(ago(24 * 7))), fileSource('clamscan.txt', clamscanVersion(ago(1)))]),
      verdicts: [{ id: 'antivirus.signature-age', status: 'fail', params: { when: /Microsoft Defender/ } }],
    },
    {
      name: 'Defender and ClamAV both current: pass on the older',
      facts: facts([fileSource('defender.json', defender(ago(1))), fileSource('clamscan.txt', clamscanVersion(ago(2)))]),
      verdicts: [{ id: 'antivirus.signature-age', status: 'pass', params: { when: /ClamAV/ } }],
    },
    {
      name: 'current ClamAV and a Defender whose age cannot be read: not_tested',
      facts: facts([
        fileSource('defender.json', JSON.stringify({ AMServiceEnabled: true, RealTimeProtectionEnabled: true })),
        fileSource('clamscan.txt', clamscanVersion(ago(1))),
      ]),
      verdicts: [{ id: 'antivirus.signature-age', status: 'not_tested' }],
    },
    // Local-time files without a UTC offset
    {
      name: 'update gap, offset given: fail',
      facts: facts([rawSource('freshclam.log', stopped, EAST)]),
      verdicts: [{ id: 'antivirus.update-gaps', status: 'fail' }],
    },
    {
      name: 'update gap, no offset: not_tested, asking for it',
      facts: facts([rawSource('freshclam.log', stopped)]),
      verdicts: [
        {
          id: 'antivirus.update-gaps',
          status: 'not_tested',
          params: { reason: /freshclam\.log print local time with no UTC offset, and the verdict depends on it .*set utcOffsetMinutes/ },
        },
      ],
    },
    {
      name: 'signature age, offset given: fail',
      facts: facts([rawSource('clamscan.txt', oldSignatures, EAST)]),
      verdicts: [{ id: 'antivirus.signature-age', status: 'fail' }],
    },
    {
      name: 'signature age, no offset: not_tested',
      facts: facts([rawSource('clamscan.txt', oldSignatures)]),
      verdicts: [{ id: 'antivirus.signature-age', status: 'not_tested', params: { reason: /set utcOffsetMinutes/ } }],
    },
    {
      name: 'a gap that shows at every offset: fail without the offset',
      facts: facts([
        rawSource('freshclam.log', freshclamLog(schedule(ago(8 * 24), ago(30), 120, 'updated'), { logTime: true, utcOffsetMinutes: EAST })),
      ]),
      verdicts: [{ id: 'antivirus.update-gaps', status: 'fail' }],
    },
    {
      name: 'signatures fresh enough at every offset: pass without the offset, with the least favourable figure',
      facts: facts([rawSource('clamscan.txt', clamscanVersion(ago(30), EAST))]),
      thresholds: wide,
      verdicts: [
        {
          id: 'antivirus.signature-age',
          status: 'pass',
          params: { age: '39.0 h' },
          actual: literally('holds at every offset the host can be at, from UTC-12:00 to UTC+14:00 (figures shown for UTC+14:00)'),
        },
      ],
    },
    {
      name: 'signatures too old at every offset: fail without the offset',
      facts: facts([rawSource('clamscan.txt', clamscanVersion(ago(24 * 7), EAST))]),
      verdicts: [{ id: 'antivirus.signature-age', status: 'fail' }],
    },
    {
      name: 'offsets that would date the file after the check are not candidates',
      // Written 30 minutes ago at UTC+05:00: at any offset west of about UTC+04:30 it would lie in the future.
      facts: facts([rawSource('clamscan.txt', clamscanVersion(new Date(NOW.getTime() - 30 * 60_000), EAST))]),
      thresholds: wide,
      verdicts: [
        { id: 'antivirus.signature-age', status: 'pass', actual: /every offset the host can be at, from UTC\+04:(30|45) to UTC\+14:00/ },
      ],
    },
    {
      name: 'a date with a known offset is used before a local-time guess for the same product',
      facts: facts([
        rawSource('agent clamscan.txt', clamscanVersion(new Date(NOW.getTime() - 30 * 60_000), EAST), EAST),
        rawSource('clamscan.txt', clamscanVersion(new Date(NOW.getTime() - 30 * 60_000), EAST)),
      ]),
      verdicts: [{ id: 'antivirus.signature-age', status: 'pass' }],
    },
    // Presence and real-time protection
    {
      name: 'Security Center "Good" alone: not_tested, saying real-time protection is unknown',
      facts: facts([fileSource('osquery.json', securityCenter('Good'))]),
      verdicts: [
        {
          id: 'antivirus.present',
          status: 'not_tested',
          params: {
            reason: literally(
              'Windows Security Center: osquery-security-center from osquery.json does not say whether real-time protection is on',
            ),
          },
        },
      ],
    },
    {
      name: 'Security Center "Poor": fail',
      facts: facts([fileSource('osquery.json', securityCenter('Poor'))]),
      verdicts: [{ id: 'antivirus.present', status: 'fail' }],
    },
    {
      name: 'Security Center "Good" with Defender reporting real-time protection on: pass',
      facts: facts([
        fileSource('osquery.json', securityCenter('Good')),
        fileSource(
          'defender.json',
          JSON.stringify({
            AMServiceEnabled: true,
            AntivirusEnabled: true,
            RealTimeProtectionEnabled: true,
            AntivirusSignatureLastUpdated: ago(1).toISOString(),
          }),
        ),
      ]),
      verdicts: [{ id: 'antivirus.present', status: 'pass' }],
    },
    {
      name: 'ClamAV reported with a process list that lacks clamd: fail, naming the list',
      facts: facts([fileSource('clamscan.txt', clamscanVersion(ago(1)), { processes: ['systemd', 'freshclam', 'clamdscan-helper'] })]),
      verdicts: [{ id: 'antivirus.present', status: 'fail', params: { problem: /clamd is not running/ } }],
    },
    // No anti-virus in the recent data is a verdict only when every way of looking worked
    {
      name: 'a clamscan that timed out over SSH is an error, not "no anti-virus"',
      facts: facts([
        sessionSource({
          'clamscan-version': {
            name: 'clamscan-version',
            command: 'clamscan --version',
            status: 'timeout',
            exitCode: null,
            stdout: '',
            stderr: '',
          },
        }),
      ]),
      verdicts: [
        { id: 'antivirus.present', status: 'error', params: { reason: literally('SSH session as auditor: clamscan-version: timeout') } },
      ],
    },
    {
      name: 'anti-virus seen only in a report too old to speak for now is not tested, not "none installed"',
      facts: facts([
        fileSource('clamscan.txt', fixture('clamscan-version.txt'), { collectedAt: ago(3) }),
        sessionSource({ 'clamscan-version': missingClamscan }),
      ]),
      verdicts: [
        { id: 'antivirus.present', status: 'not_tested', params: { reason: literally('reports too old to speak for now (clamscan.txt') } },
      ],
    },
    {
      name: 'with every tool missing on a fresh session, no anti-virus is a fail',
      facts: facts([sessionSource({ 'clamscan-version': missingClamscan })]),
      verdicts: [{ id: 'antivirus.present', status: 'fail' }],
    },
    {
      name: 'a failed SSH session is named in the reports finding',
      facts: facts([fileSource('clamscan.txt', fixture('clamscan-version.txt'))], ['the SSH session could not be used: no route']),
      verdicts: [{ id: 'antivirus.reports', status: 'pass', actual: literally('not read: the SSH session could not be used: no route') }],
    },
    {
      name: 'a failed SSH session is named when nothing else could be read',
      facts: facts([], ['the SSH session could not be used: log-in as auditor failed: denied']),
      verdicts: ALL.map((id) => ({
        id,
        status: 'not_tested' as const,
        params: { reason: /^(?!.*no SSH credentials).*log-in as auditor failed/ },
      })),
    },
    {
      name: 'no agent report and no SSH credentials: every verdict not tested',
      facts: facts([]),
      verdicts: ALL.map((id) => ({ id, status: 'not_tested' as const, params: { reason: /^no agent report and no SSH credentials/ } })),
    },
    // Reports that cannot be trusted
    {
      name: 'a rejected report: the reports verdict is an error, the others are not tested',
      facts: facts([
        fileSource('report.json', '', { signature: 'invalid', failure: 'the report was altered after signing' }),
        ...healthy(),
      ]),
      verdicts: [
        { id: 'antivirus.reports', status: 'error', params: { reason: 'report.json: the report was altered after signing' } },
        ...JUDGED.map((id) => ({ id, status: 'not_tested' as const, params: { reason: /^a report was rejected/ } })),
      ],
    },
    {
      name: 'a host clock 10 minutes off: ages cannot be trusted',
      facts: facts(healthy().map((s) => ({ ...s, clockSkewSeconds: 600 }))),
      verdicts: [
        { id: 'antivirus.reports', status: 'error', params: { reason: /clock skew between the host and this checker is over 5 min/ } },
        ...JUDGED.map((id) => ({ id, status: 'not_tested' as const })),
      ],
    },
    {
      name: 'reports collected too long ago cannot speak for now',
      facts: facts(healthy().map((s) => ({ ...s, collectedAt: ago(2.1) }))),
      verdicts: [
        { id: 'antivirus.reports', status: 'pass' },
        ...JUDGED.map((id) => ({
          id,
          status: 'not_tested' as const,
          params: { reason: /^no report is recent enough to speak for now \(limit 1 h after collection\)/ },
        })),
      ],
    },
    {
      name: 'sources and products named like prototype members are only names',
      facts: facts([
        fileSource('__proto__', clamscanVersion(ago(1)), { processes: ['constructor', '__proto__'] }),
        log(freshclamLog(schedule(ago(8 * 24), ago(0.2), 120, 'updated'), { logTime: true }), { label: 'constructor' }),
      ]),
      verdicts: [
        { id: 'antivirus.reports', status: 'pass', params: { summary: /^__proto__: collected/ } },
        { id: 'antivirus.present', status: 'fail', params: { problem: /clamd is not running/ } },
        { id: 'antivirus.update-gaps', status: 'pass' },
      ],
    },
  ],
});

describe('antivirus: the verdicts as findings', () => {
  it('cite the sources each rests on and antivirus.json, and name the gateway', () => {
    const verdicts = judgeAntivirus(facts(healthy()), T, NOW);
    expect(verdicts.map((v) => v.id)).toEqual([...ALL]);
    for (const v of verdicts) {
      expect(v.target).toEqual({ gateway: 'gw', host: '192.0.2.1' });
      expect(v.params?.gateway).toBe('gw');
      expect(v.evidence.artefacts).toEqual([ARTEFACT]);
    }
    expect(verdicts.find((v) => v.id === 'antivirus.update-gaps')!.evidence.source).toBe('freshclam.log (tool-output, unsigned)');
  });

  it('say "no agent data" when no source was read', () => {
    expect(judgeAntivirus(facts([]), T, NOW).map((v) => v.evidence.source)).toEqual(ALL.map(() => 'no agent data'));
  });

  it('judge at the moment they are given, not at one of their own', () => {
    const later = new Date(NOW.getTime() + 4 * 3_600_000);
    expect(judgeAntivirus(facts(healthy()), T, later).find((v) => v.id === 'antivirus.present')!.status).toBe('not_tested');
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
    const instants = [from + LIMIT, NOW.getTime(), ...inRange.map((r) => r + LIMIT + 1)].filter(
      (t) => t <= NOW.getTime() && t - LIMIT >= from,
    );
    return instants.some((t) => !inRange.some((r) => r >= t - LIMIT && r <= t));
  }

  it('pass only with a history covering the window and no gap over the limit; fail exactly when a gap shows', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 240 * 60 }),
        fc.array(fc.integer({ min: 1, max: 300 }), { maxLength: 150 }),
        (startMinutesAgo, steps) => {
          const historyStart = NOW.getTime() - startMinutesAgo * 60_000;
          const runs: number[] = [];
          let at = historyStart;
          for (const step of steps) {
            at += step * 60_000;
            if (at <= NOW.getTime()) runs.push(at);
          }
          const observation: AvObservation = {
            format: 'freshclam-log',
            product: 'ClamAV',
            updateRuns: runs.map((r) => new Date(r)),
            historyStart: new Date(historyStart),
            notes: [],
          };
          // Collected at the moment of the check: the judge counts up to the collection, the oracle up to now.
          const source = { ...fileSource('freshclam.log', '', { collectedAt: NOW }), observations: [observation] };
          const v = judgeAntivirus(facts([source]), T, NOW).find((x) => x.id === 'antivirus.update-gaps')!;
          if (oracleSeesGap(Math.max(windowStart, historyStart), runs)) expect(v.status).toBe('fail');
          else expect(v.status).toBe(historyStart > windowStart ? 'not_tested' : 'pass');
        },
      ),
      { numRuns: 400 },
    );
  });
});
