import type { AvThresholds } from '../../src/av/judge.ts';
import { parseAvData } from '../../src/av/parse.ts';
import type { ReportedSource } from '../../src/facts/reported-sources.ts';
import type { CommandOutcome } from '../../src/host/commands.ts';

/** The thresholds of the anti-virus judging tests (the CoCo profile's). */
export const T: AvThresholds = {
  maxSignatureAgeHours: 4,
  maxUpdateGapHours: 4,
  maxReportAgeHours: 1,
  historyWindowDays: 7,
  maxClockSkewMinutes: 5,
};
/** The injected clock of the judging tests: every log is laid out relative to it. */
export const NOW = new Date('2026-11-22T08:33:12.000Z');
export const ago = (h: number) => new Date(NOW.getTime() - h * 3_600_000);
export const ok = (name: string, stdout: string): CommandOutcome => ({
  name,
  command: name,
  status: 'ok',
  exitCode: 0,
  stdout,
  stderr: '',
});

/** A source as reported-sources.ts builds it from a file: collected five minutes before NOW. */
export function fileSource(label: string, text: string, extra: Partial<ReportedSource> = {}): ReportedSource {
  return {
    label,
    kind: 'tool-output',
    signature: 'unsigned',
    collectedAt: ago(5 / 60),
    collectedAtFrom: 'file modification time',
    observations: parseAvData(text, 0),
    ...extra,
  };
}
