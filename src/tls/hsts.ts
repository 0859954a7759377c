/**
 * Strict-Transport-Security as RFC 6797 6.1 defines it: `;`-separated directives, each a token with an
 * optional `=` token or quoted-string, names case-insensitive, none repeated, max-age required and made of
 * digits. A header that breaks these rules is ignored by browsers, so it protects nothing.
 */
export type HstsReading = { valid: true; maxAge: number; includeSubDomains: boolean; preload: boolean } | { valid: false; problem: string };

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const MAX_SHOWN = 80;

function shown(text: string): string {
  return JSON.stringify(text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text);
}

/** Reads one Strict-Transport-Security header value. */
export function parseHsts(value: string): HstsReading {
  // Directive names come from the server: a Map, so `__proto__` or `constructor` are ordinary unknown names.
  const directives = new Map<string, string | undefined>();
  for (const raw of splitDirectives(value)) {
    const part = raw.trim();
    if (part === '') continue;
    const equals = part.indexOf('=');
    const name = (equals < 0 ? part : part.slice(0, equals)).trim();
    if (!TOKEN.test(name)) return { valid: false, problem: `the directive ${shown(part)} is not a token` };
    let directiveValue: string | undefined;
    if (equals >= 0) {
      const rawValue = part.slice(equals + 1).trim();
      if (rawValue.startsWith('"')) {
        if (rawValue.length < 2 || !rawValue.endsWith('"'))
          return { valid: false, problem: `the directive ${shown(part)} has an unterminated quoted value` };
        directiveValue = rawValue.slice(1, -1).replace(/\\(.)/g, '$1');
      } else if (TOKEN.test(rawValue)) {
        directiveValue = rawValue;
      } else {
        return { valid: false, problem: `the directive ${shown(part)} has a value that is neither a token nor a quoted string` };
      }
    }
    const key = name.toLowerCase();
    if (directives.has(key)) return { valid: false, problem: `the directive ${shown(name)} appears more than once` };
    directives.set(key, directiveValue);
  }
  if (!directives.has('max-age')) return { valid: false, problem: 'it has no max-age directive' };
  const maxAge = directives.get('max-age');
  if (maxAge === undefined || !/^\d{1,15}$/.test(maxAge))
    return { valid: false, problem: `max-age ${maxAge === undefined ? 'has no value' : `is ${shown(maxAge)}, not a number of seconds`}` };
  for (const flag of ['includesubdomains', 'preload']) {
    if (directives.has(flag) && directives.get(flag) !== undefined)
      return { valid: false, problem: `${flag === 'preload' ? 'preload' : 'includeSubDomains'} carries a value, which it must not` };
  }
  return {
    valid: true,
    maxAge: Number(maxAge),
    includeSubDomains: directives.has('includesubdomains'),
    preload: directives.has('preload'),
  };
}

/** Splits on `;` outside quoted strings. */
function splitDirectives(value: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < value.length; i += 1) {
    const c = value[i]!;
    if (quoted && c === '\\' && i + 1 < value.length) {
      current += c + value[i + 1]!;
      i += 1;
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === ';' && !quoted) {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts;
}
