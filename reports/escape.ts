/**
 * Text that reaches a reader (a report file or the terminal) passes through here. Most of it came from a
 * gateway or an input file, so it is data: nothing in it may become a link, markup, a formula or a
 * terminal control sequence, and nothing may be hidden or reordered by invisible characters.
 */

/**
 * Characters shown as escapes: every control (C0, DEL, C1), every format character (bidirectional
 * marks, overrides and isolates, zero-width characters, the BOM, tag characters, soft hyphen…), the
 * Unicode line and paragraph separators, and lone surrogates.
 */
const HIDDEN_ALL = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

export type NewlineMode = 'keep' | 'space';

export interface VisibleOptions {
  /**
   * `keep`: a line break (LF, or CRLF, which becomes LF) and a tab stay as they are, for blocks that
   * show several lines. `space`: a line break becomes one space, for a single line. Either way every
   * other control character is escaped.
   */
  newlines?: NewlineMode;
}

/**
 * Replaces every hidden character with a visible escape (`\x1b`, `\u202e`, `\u{e0041}`). A backslash
 * already in the text is left alone: evidence such as nmap's service fingerprints uses the same notation
 * (`\x20`), and doubling it would make that unreadable. Either way the text means the same when its escapes
 * are read (`unescapeVisible`), and nothing in it is hidden.
 */
export function visible(value: string, options: VisibleOptions = {}): string {
  const mode = options.newlines ?? 'space';
  const text = mode === 'keep' ? value.replace(/\r\n/g, '\n') : value.replace(/\r?\n/g, ' ');
  return text.replace(HIDDEN_ALL, (char) => (mode === 'keep' && (char === '\n' || char === '\t') ? char : codeEscape(char)));
}

function codeEscape(char: string): string {
  const code = char.codePointAt(0)!;
  if (code <= 0xff) return `\\x${code.toString(16).padStart(2, '0')}`;
  if (code <= 0xffff) return `\\u${code.toString(16).padStart(4, '0')}`;
  return `\\u{${code.toString(16)}}`;
}

/** Reads the escapes `visible` writes (`\xNN`, `\uNNNN`, `\u{N…}`) back into characters. */
export function unescapeVisible(text: string): string {
  return text.replace(/\\(x[0-9a-f]{2}|u\{[0-9a-f]{1,6}\}|u[0-9a-f]{4})/g, (whole, body: string) => {
    if (body.startsWith('x')) return String.fromCharCode(parseInt(body.slice(1), 16));
    if (body.startsWith('u{')) {
      const code = parseInt(body.slice(2, -1), 16);
      return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return String.fromCharCode(parseInt(body.slice(1), 16));
  });
}

/** One line for the terminal: no escape sequence, C1 control or bidirectional override can reach it. */
export function terminalText(value: string): string {
  return visible(value, { newlines: 'space' });
}

/** Several lines for the terminal: line breaks stay, every other control is shown as an escape. */
export function terminalBlock(value: string): string {
  return visible(value, { newlines: 'keep' });
}

/**
 * Inline Markdown (a paragraph, list item, heading or table cell) that renders as exactly the text given:
 * every character that could open a link, image, emphasis, strikethrough, code span, HTML tag, autolink,
 * heading or table cell is escaped, and so is the `://`, `www.` or `@` a GitHub-flavoured viewer would turn
 * into a link (URL or e-mail autolinks). Line breaks become spaces: a table row or list item is one line.
 */
export function markdownText(value: string): string {
  return visible(value, { newlines: 'space' })
    .replace(/[\\`*_~[\]|#!]/g, (char) => `\\${char}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/:\/\//g, '\\:\\/\\/')
    .replace(/\b(www)\./gi, '$1\\.')
    .replace(/@/g, '\\@');
}

/**
 * A fenced code block that shows `raw` as text: the fence is longer than any backtick run inside, so
 * the data cannot close it, and hidden characters are shown as escapes.
 */
export function markdownFence(raw: string, info = 'text'): string[] {
  const shown = visible(raw, { newlines: 'keep' });
  const longest = Math.max(2, ...[...shown.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return [`${fence}${info}`, shown, fence];
}

/** Cells starting with these are run as formulas by Excel, LibreOffice or Google Sheets. */
const FORMULA_START = /^[\s]*[=+\-@\uff1d\uff0b\uff0d\uff20]|^[\t\r]/;

/**
 * One CSV field (RFC 4180 quoting). Hidden characters are shown as escapes, line breaks stay (quoted),
 * and a cell a spreadsheet would read as a formula gets a leading apostrophe.
 */
export function csvCell(value: string): string {
  const startsFormula = FORMULA_START.test(value);
  const shown = visible(value, { newlines: 'keep' }).replace(/\t/g, '\\x09');
  const safe = startsFormula ? `'${shown}` : shown;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/**
 * Text for a Word document: XML 1.0 cannot carry most C0 controls, so every hidden character is shown
 * as an escape; line breaks stay so the caller can split paragraphs on them.
 */
export function docxText(value: string): string {
  return visible(value, { newlines: 'keep' })
    .replace(/\t/g, '\\x09')
    .replace(XML_NONCHARACTERS, (char) => `\\u${char.charCodeAt(0).toString(16)}`);
}

/** U+FFFE and U+FFFF are not XML characters at all; `visible` shows every other character XML 1.0 forbids. */
const XML_NONCHARACTERS = /[\ufffe\uffff]/g;

/**
 * JSON text safe to print on a terminal: `JSON.stringify` escapes C0 controls but not DEL, C1 controls
 * (U+009B is a CSI on many terminals), bidirectional or other format characters. They can occur only inside
 * strings, where a `\uXXXX` escape means the same character, so the data read back is unchanged.
 */
export function jsonText(json: string): string {
  return json.replace(/[\u007f-\u009f\p{Cf}\p{Zl}\p{Zp}]/gu, (char) =>
    [...Array(char.length).keys()].map((i) => `\\u${char.charCodeAt(i).toString(16).padStart(4, '0')}`).join(''),
  );
}

/** Markup characters as entities and U+FFFE/U+FFFF shown, for text whose hidden characters are already visible. */
export function xmlEscaped(shown: string): string {
  return shown
    .replace(XML_NONCHARACTERS, (char) => `\\u${char.charCodeAt(0).toString(16)}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/**
 * XML element text (JUnit): hidden characters shown as escapes, line breaks kept, markup characters as entities,
 * so `]]>` or `<script>` from a server is text and no character makes the document ill-formed.
 */
export function xmlText(value: string): string {
  return xmlEscaped(visible(value, { newlines: 'keep' }));
}

/** An XML attribute value: one line (a parser would fold a line break into a space anyway). */
export function xmlAttribute(value: string): string {
  return xmlEscaped(visible(value, { newlines: 'space' }));
}
