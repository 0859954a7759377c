import type { ParsedYaml } from '../input/yaml-input.ts';
import { isMap, isSeq } from 'yaml';

/** Where the connection file declares each gateway and flow (1-based lines), for formats that point at the file (SARIF). */
export interface DeclarationLines {
  gateways: ReadonlyMap<string, number>;
  flows: ReadonlyMap<string, number>;
}

/** The line of each `gateways[]` and `flows[]` entry, keyed by its name; an entry without a string name is left out. */
export function declarationLines(parsed: ParsedYaml): DeclarationLines {
  return { gateways: namedEntries(parsed, 'gateways'), flows: namedEntries(parsed, 'flows') };
}

function namedEntries(parsed: ParsedYaml, key: string): Map<string, number> {
  const lines = new Map<string, number>();
  const list = parsed.document.get(key, true);
  if (!isSeq(list)) return lines;
  for (const item of list.items) {
    if (!isMap(item)) continue;
    const name = item.get('name');
    const start = item.range?.[0];
    if (typeof name === 'string' && start !== undefined && !lines.has(name)) lines.set(name, parsed.lines.linePos(start).line);
  }
  return lines;
}
