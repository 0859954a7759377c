import fc from 'fast-check';
import { h } from 'preact';
import { renderToString } from 'preact-render-to-string';
import { describe, expect, it } from 'vitest';
import { csvCell, jsonText, markdownFence, markdownText, terminalText, unescapeVisible, visible } from '../../reports/escape.ts';
import { shownReport } from '../../reports/html/shown.ts';

/** Controls (C0 but LF, DEL, C1), format characters (bidi, zero-width, BOM, tags…), separators, lone surrogates. */
const HIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;
const HIDDEN_BUT_LF = /(?![\n])[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;

/** Strings rich in what matters here: markup, escapes, controls, bidi marks, surrogates. */
const nasty = fc.string({
  unit: fc.oneof(
    fc.constantFrom(
      '\\',
      'x',
      'u',
      '{',
      '}',
      '0',
      '1',
      'b',
      'e',
      'f',
      '[',
      ']',
      '(',
      ')',
      '!',
      '<',
      '>',
      '&',
      '|',
      '`',
      '*',
      '_',
      '~',
      '#',
      ':',
      '/',
      '.',
      'w',
      '=',
      '+',
      '-',
      '@',
      '"',
      ',',
      ' ',
    ),
    fc.constantFrom(
      '\n',
      '\r',
      '\t',
      '\u0000',
      '\u001b',
      '\u0007',
      '\u007f',
      '\u0085',
      '\u009b',
      '\u00ad',
      '\u061c',
      '\u200b',
      '\u200e',
      '\u200f',
      '\u202a',
      '\u202e',
      '\u2028',
      '\u2066',
      '\u2069',
      '\ufeff',
      '\ud800',
      '\udfff',
      '\u{e0041}',
    ),
    fc.string({ unit: 'binary', maxLength: 1 }),
  ),
  maxLength: 80,
});

/** Undoes the Markdown layer: entity and backslash escapes. */
function unescapeMarkdown(text: string): string {
  return text.replace(
    /\\([!-/:-@[-`{-~])|&(lt|gt|amp);/g,
    (_w, punct: string | undefined, entity: string | undefined) =>
      punct ?? ({ lt: '<', gt: '>', amp: '&' } as Record<string, string>)[entity!]!,
  );
}

describe('escaping, for any string', () => {
  // "Round-trips" means: reading the escapes of the shown text gives what reading them in the original
  // gives. A backslash already in the text is shown as it is, so `\x1b` typed by a server and a real ESC look
  // alike; both are inert, and the raw bytes are in the evidence files.
  it('visible() leaves no hidden character but line breaks and tabs it was told to keep, and round-trips', () => {
    fc.assert(
      fc.property(nasty, (s) => {
        const line = visible(s, { newlines: 'space' });
        expect(line).not.toMatch(HIDDEN);
        expect(unescapeVisible(line)).toBe(unescapeVisible(s.replace(/\r?\n/g, ' ')));
        const block = visible(s, { newlines: 'keep' });
        expect(block.replace(/[\n\t]/g, '')).not.toMatch(HIDDEN);
        expect(unescapeVisible(block)).toBe(unescapeVisible(s.replace(/\r\n/g, '\n')));
      }),
      { numRuns: 500 },
    );
  });

  it('terminal text holds no control, bidi or format character, and reads back as the original', () => {
    fc.assert(
      fc.property(nasty, (s) => {
        const shown = terminalText(s);
        expect(shown).not.toMatch(HIDDEN);
        expect(unescapeVisible(shown)).toBe(unescapeVisible(s.replace(/\r?\n/g, ' ')));
      }),
      { numRuns: 500 },
    );
  });

  it('Markdown text has no hidden character, no live markup character, and reads back as the original', () => {
    fc.assert(
      fc.property(nasty, (s) => {
        const md = markdownText(s);
        expect(md).not.toMatch(HIDDEN);
        expect(md).not.toMatch(/[<>\n]/);
        expect(md).not.toMatch(/(^|[^\\])(\\\\)*[[\]`*_~|#!]/);
        expect(md).not.toMatch(/:\/\//);
        expect(md).not.toMatch(/(^|[^\\])@/);
        expect(unescapeVisible(unescapeMarkdown(md))).toBe(unescapeVisible(s.replace(/\r?\n/g, ' ')));
      }),
      { numRuns: 500 },
    );
  });

  it('a Markdown fence is never closed by the data inside it', () => {
    fc.assert(
      fc.property(nasty, (s) => {
        const [open, body, close] = markdownFence(s);
        expect(open).toBe(`${close}text`);
        expect(body!.split('\n').some((line) => line.trim().startsWith(close!))).toBe(false);
        expect(body!.replace(/[\n\t]/g, '')).not.toMatch(HIDDEN);
      }),
      { numRuns: 300 },
    );
  });

  it('HTML text and attributes, as report.html renders them, have no tag, bare ampersand, quote breakout or hidden character', () => {
    fc.assert(
      fc.property(nasty, (s) => {
        const shown = shownReport({ text: s }).text;
        const html = renderToString(h('td', { title: shown }, shown));
        // An empty value is written as a bare attribute.
        const [, attribute = '', text = ''] = /^<td title(?:="([^"]*)")?>([\s\S]*)<\/td>$/.exec(html)!;
        expect(`${attribute}${text}`).not.toMatch(/[<"]/);
        expect(`${attribute}${text}`).not.toMatch(/&(?!(amp|lt|gt|quot|#39);)/);
        expect(html.replace(/[\n\t]/g, '')).not.toMatch(HIDDEN);
      }),
      { numRuns: 300 },
    );
  });

  it('a CSV cell never starts a formula and carries no hidden character but line breaks', () => {
    fc.assert(
      fc.property(nasty, (s) => {
        const cell = csvCell(s);
        const value = cell.startsWith('"') ? cell.slice(1, -1).replace(/""/g, '"') : cell;
        expect(value).not.toMatch(/^\s*[=+\-@\t\r\uff1d\uff0b\uff0d\uff20]/);
        expect(value).not.toMatch(HIDDEN_BUT_LF);
      }),
      { numRuns: 300 },
    );
  });

  it('JSON for the terminal carries no hidden character and parses back to the same data', () => {
    fc.assert(
      fc.property(nasty, (s) => {
        const json = jsonText(JSON.stringify({ s, list: [s] }));
        expect(json).not.toMatch(HIDDEN);
        expect(JSON.parse(json)).toEqual({ s, list: [s] });
      }),
      { numRuns: 300 },
    );
  });
});
