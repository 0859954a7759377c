import type { RunReport } from '../src/report/schema.ts';

/** report.json: the contract other tools read (schemas/report.schema.json). */
export function renderJson(report: RunReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
