import { visible } from '../escape.ts';

/**
 * The report as report.html shows it: every string in it, at any depth, with its hidden characters (controls,
 * bidirectional marks, zero-width characters…) written as visible escapes and line breaks kept. Markup characters
 * are left to the template engine, which escapes every value it is given; so no string from a gateway or an input
 * file reaches the page unescaped, whichever view shows it.
 */
export function shownReport<T>(report: T): T {
  return shown(report) as T;
}

function shown(value: unknown): unknown {
  if (typeof value === 'string') return visible(value, { newlines: 'keep' });
  if (Array.isArray(value)) return value.map(shown);
  if (value === null || typeof value !== 'object') return value;
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) return value;
  // fromEntries defines own properties, so a key such as "__proto__" from a server stays data.
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, shown(item)]));
}
