import { h } from 'preact';
import { renderToString } from 'preact-render-to-string';
import type { RunReport } from '../src/report/schema.ts';
import { ReportPage } from './html/page.tsx';
import { shownReport } from './html/shown.ts';

/**
 * report.html: one self-contained file (no scripts, no fetches) that prints cleanly. The page is typed JSX
 * (reports/html/) rendered by preact-render-to-string, which escapes every value it is given: text from a target
 * (banners, service names) is attacker-controlled, and markup can enter the page only through an explicit
 * `dangerouslySetInnerHTML` (the style element alone). Hidden characters in the report are shown as escapes first.
 */
export function renderHtml(report: RunReport): string {
  return `<!doctype html>\n${renderToString(h(ReportPage, { report: shownReport(report) }))}\n`;
}
