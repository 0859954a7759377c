import type { Compliance } from '../src/profile/schema.ts';
import { MAX_EARLIER_RUNS, type RunReport } from '../src/report/schema.ts';
import { markdownText } from './escape.ts';

/** One cell of the timeline: the row's verdict in that run, or null when the run had no such automated row. */
export type TimelineCell = Compliance | null;

export interface TimelineModel {
  /** Oldest first; the last is this report's own run. */
  runs: { id: string; startedAt: string; label: string }[];
  /** One per automated statement row of this report, in the statement's order. */
  rows: { ref: string; title: string; cells: TimelineCell[] }[];
}

/** How each verdict is drawn: a colour, and a letter and word so that it reads without the colour. */
export const VERDICT_MARKS: Readonly<Record<Compliance | 'absent', { letter: string; word: string; fill: string; ink: string }>> = {
  Yes: { letter: 'Y', word: 'Yes', fill: '#00703c', ink: '#ffffff' },
  No: { letter: 'N', word: 'No', fill: '#d4351c', ink: '#ffffff' },
  Partial: { letter: 'P', word: 'Partial', fill: '#b35900', ink: '#ffffff' },
  'Not assessed': { letter: '?', word: 'Not assessed', fill: '#6f3f98', ink: '#ffffff' },
  'N/A': { letter: '-', word: 'N/A', fill: '#dcdcdc', ink: '#1b1b1b' },
  absent: { letter: '.', word: 'not in that run', fill: '#ffffff', ink: '#505a5f' },
};

export const markOf = (cell: TimelineCell) => VERDICT_MARKS[cell ?? 'absent'];

/** A run's start as a column label: "2026-11-30 14:05" (UTC), or the text as it is when it is not a time. */
function columnLabel(iso: string): string {
  const time = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.exec(iso);
  return time ? time[0].replace('T', ' ') : iso.slice(0, 20);
}

/**
 * The verdict of each automated row of this report across the earlier runs its history kept and this run: one row
 * per statement row, one column per run, oldest first. Undefined when the run keeps no history (nothing to compare).
 * A row an earlier run did not have is a null cell; an earlier run's rows that this profile no longer has are not shown.
 */
export function verdictTimeline(report: RunReport): TimelineModel | undefined {
  const earlier = report.history?.earlierRuns;
  if (!earlier) return undefined;
  const shown = earlier.slice(-MAX_EARLIER_RUNS);
  const verdicts = shown.map((run) => {
    const byRef = new Map<string, Compliance>();
    for (const row of run.rows) if (!byRef.has(row.ref)) byRef.set(row.ref, row.compliance);
    return byRef;
  });
  const automated = report.rows.filter((r) => r.method === 'automated' && !r.heading);
  return {
    runs: [...shown, { id: report.history!.id, startedAt: report.startedAt }].map((r) => ({ ...r, label: columnLabel(r.startedAt) })),
    rows: automated.map((r) => ({
      ref: r.ref,
      title: r.title,
      cells: [...verdicts.map((v) => v.get(r.ref) ?? null), r.compliance],
    })),
  };
}

/** A title cut to `max` characters (whole code points, so no surrogate is split), with an ellipsis when cut. */
export function cut(text: string, max: number): string {
  const chars = [...text.replace(/\s+/g, ' ')];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : chars.join('');
}

export function summaryOf(model: TimelineModel): string {
  const first = model.runs[0]!.label;
  const last = model.runs.at(-1)!.label;
  const span =
    model.runs.length === 1 ? `this run only (${last})` : `${model.runs.length} runs from ${first} to ${last} (this run), oldest first`;
  return `Verdict timeline of ${model.rows.length} automated row${model.rows.length === 1 ? '' : 's'}: ${span}`;
}

/** The timeline as text, for tables: a sentence with the span and the legend, and each row's verdicts as letters. */
export function timelineText(model: TimelineModel): { intro: string; rows: [ref: string, title: string, letters: string][] } {
  const legend = Object.values(VERDICT_MARKS)
    .map((m) => `${m.letter} ${m.word}`)
    .join(', ');
  return {
    intro: `${summaryOf(model)}. ${legend}.`,
    rows: model.rows.map((r) => [r.ref, r.title, r.cells.map((c) => markOf(c).letter).join(' ')]),
  };
}

/** The timeline as a compact Markdown table, row text escaped for Markdown. */
export function timelineMarkdown(model: TimelineModel): string[] {
  const { intro, rows } = timelineText(model);
  return [
    markdownText(intro),
    '',
    '| Ref | Row | Verdicts, oldest first |',
    '|---|---|---|',
    ...rows.map(([ref, title, letters]) => `| ${markdownText(ref)} | ${markdownText(title)} | ${markdownText(letters)} |`),
  ];
}
