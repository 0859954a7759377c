import type { ComponentChildren } from 'preact';
import type { ReportFinding, RunReport } from '../../src/report/schema.ts';
import { findingBadge } from '../view-model.ts';

/** A table in its own horizontal scroll box, so a wide one never widens the page on a phone. */
export function Table({ class: className, children }: { class?: string; children: ComponentChildren }) {
  return (
    <div class="scroll">
      <table class={className}>{children}</table>
    </div>
  );
}

/** A finding's badge: a failure is shown by what it does to its rows (FAIL, PARTIAL or NOTE), as the verdicts are. */
export function Badge({ report, finding }: { report: RunReport; finding: ReportFinding }) {
  const { label, tone } = findingBadge(report, finding);
  return <span class={`badge ${cls(tone)}`}>{label}</span>;
}

/** A class name from a verdict or status ("Not assessed" → "not-assessed"): letters and hyphens only. */
export function cls(value: string): string {
  return value.toLowerCase().replace(/[^a-z]+/g, '-');
}

/** A finding's evidence anchor: its key with every character but letters, digits, `_` and `-` replaced. */
export function anchor(key: string): string {
  return `f-${key.replace(/[^a-zA-Z0-9_-]/g, '_')}`;
}
