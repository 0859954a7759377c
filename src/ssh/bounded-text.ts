/**
 * Keeps what an SSH server names (algorithms, key types) to a bounded size wherever it is repeated: in
 * finding messages, finding data and evidence. A hostile server may offer hundreds of made-up names.
 */

/** Longest algorithm or key-type name shown; RFC 4251 6 allows 64 characters. */
export const MAX_NAME_CHARS = 64;
/** Most names of one list spelled out in a finding message or its `actual`. */
export const MAX_NAMES_IN_TEXT = 24;
/** Most names of one list kept in finding data and in the evidence file. */
export const MAX_NAMES_KEPT = 64;

/** Text from the server as printable ASCII (other characters as \\xNN or \\uNNNN) of at most `max` characters. */
export function displayText(text: string, max: number): string {
  const printable = text.slice(0, max * 4).replace(/[^\x20-\x7e]/g, (c) => {
    const code = c.charCodeAt(0);
    return code > 0xff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\x${code.toString(16).padStart(2, '0')}`;
  });
  return printable.length > max ? `${printable.slice(0, max)}…(${text.length} characters)` : printable;
}

/** A name from the server as printable text of at most MAX_NAME_CHARS characters. */
export function displayName(name: string): string {
  return displayText(name, MAX_NAME_CHARS);
}

/** "a, b, c … and 300 more". */
export function describeNames(names: readonly string[], max = MAX_NAMES_IN_TEXT, render: (name: string) => string = displayName): string {
  const shown = names.slice(0, max).map(render).join(', ');
  return names.length > max ? `${shown} … and ${names.length - max} more` : shown;
}

export interface KeptList {
  names: string[];
  /** How many names were left out, when any were. */
  omitted?: number;
}

/** At most `max` names, each shortened; the count of the rest. */
export function keepNames(names: readonly string[], max = MAX_NAMES_KEPT): KeptList {
  const kept = names.slice(0, max).map(displayName);
  return names.length > max ? { names: kept, omitted: names.length - max } : { names: kept };
}

/** Like describeNames, for items rendered by `render` (each rendering bounded by the caller). */
export function describeItems<T>(items: readonly T[], render: (item: T) => string, max = MAX_NAMES_IN_TEXT): string {
  const shown = items.slice(0, max).map(render).join(', ');
  return items.length > max ? `${shown} … and ${items.length - max} more` : shown;
}
