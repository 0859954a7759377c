import type { ReportRow } from '../report/schema.ts';
import type { Waiver } from './waivers.ts';

/**
 * Every sentence about a waiver, in one place: the row comment, the summary's list of waivers that matched
 * nothing, and each renderer's waivers section. Renderers pass their own escaping for the values (which come
 * from the waiver file) and, if they have one, a mark for what must stand out; the words are the same everywhere.
 */
export interface WaiverMarks {
  /** Escapes a value from the waiver file for the medium. */
  value(text: string): string;
  /** Marks words that must not be missed (an expired waiver). */
  alarm(text: string): string;
}

type WaiverNote = NonNullable<ReportRow['waiver']>;

const PLAIN: WaiverMarks = { value: (text) => text, alarm: (text) => text };

/** "waived until 2027-03-31", or "EXPIRED on 2027-03-31, counts again". */
export function waiverState(note: Pick<WaiverNote, 'status' | 'expires'>, marks: WaiverMarks = PLAIN): string {
  return note.status === 'active' ? `waived until ${marks.value(note.expires)}` : `${marks.alarm(expiredWords(note, marks))}, counts again`;
}

/** The words an expired waiver's sentence starts with and marks ("EXPIRED on 2027-03-31"), null for an active one. */
export function waiverAlarm(note: Pick<WaiverNote, 'status' | 'expires'>): string | null {
  return note.status === 'active' ? null : expiredWords(note, PLAIN);
}

function expiredWords(note: Pick<WaiverNote, 'expires'>, marks: WaiverMarks): string {
  return `EXPIRED on ${marks.value(note.expires)}`;
}

/** "waived until 2027-03-31; approved by J. Smith; <justification>; plan: <plan>". */
export function waiverSentence(note: Omit<WaiverNote, 'scope'>, marks: WaiverMarks = PLAIN): string {
  const { approvedBy, justification, plan } = note;
  return `${waiverState(note, marks)}; approved by ${marks.value(approvedBy)}; ${marks.value(justification)}; plan: ${marks.value(plan)}`;
}

/** Appended to the comment of a row a waiver covers. */
export function waiverComment(note: WaiverNote): string {
  return ` Waiver: ${waiverSentence(note)}`;
}

/** A waiver as the run's summary names it when it matched nothing: "CoCo-9 (expires …)", "tls.cbc-suites on gw/443 (expires …)". */
export function describeWaiver(w: Waiver): string {
  return `${w.ref ?? w.finding}${w.target ? ` on ${w.target}` : ''} (expires ${w.expires})`;
}

/** A line for a waiver that matched nothing (the text is describeWaiver's, kept in the report's summary). */
export function unmatchedWaiver(described: string, marks: WaiverMarks = PLAIN): string {
  return `Waiver matched nothing (remove it?): ${marks.value(described)}`;
}

/**
 * Whether an active waiver excuses the row's verdict: it accepts a known risk (No or Partial), never a row that
 * could not be assessed, which stays Not assessed for the exit code and every format.
 */
export function waivedFailure(row: { compliance?: string | null; waiver?: Pick<WaiverNote, 'status'> }): boolean {
  return row.waiver?.status === 'active' && (row.compliance === 'No' || row.compliance === 'Partial');
}
