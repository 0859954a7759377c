import type { RunReport } from '../src/report/schema.ts';
import { jsonText } from './escape.ts';

/**
 * report.json: the contract other tools read (schemas/report.schema.json). Characters a terminal would act
 * on are written as `\u` escapes, so `cat report.json` is safe; parsed, the data is the same.
 */
export function renderJson(report: RunReport): string {
  return `${jsonText(JSON.stringify(report, null, 2))}\n`;
}
