import { beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/report/schema.ts';
import { visible } from '../../reports/escape.ts';
import { renderHtml } from '../../reports/html.ts';
import { HOSTILE_SHOWN, hostileReport } from '../helpers/hostile-report.ts';

/** HOSTILE_SHOWN as report.html writes it: `<`, `&` and `"` as entities (the template engine's escaping). */
const ESCAPED = HOSTILE_SHOWN.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');

/** A control (C0 but LF and tab, DEL, C1), a bidirectional or other format character, a line separator. */
const HIDDEN = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u00ad\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u2028\u2029]/;

/** Every element and attribute the page is made of: anything else came from the data. */
const ELEMENTS = new Set(
  (
    'html head meta title style body header h1 h2 h3 p strong section ul li span table thead tbody tr th td br small a article ' +
    'dl dt dd pre code nav ol div figure figcaption svg rect text'
  ).split(' '),
);
const ATTRIBUTES = new Set(
  'lang charset name content http-equiv class id href colspan data-label aria-label role xmlns width height viewBox x y font-size fill'.split(
    ' ',
  ),
);
/** A start or end tag whose attribute values are double-quoted (a `"` in a value is always `&quot;`). */
const TAG = /<(\/?)([a-zA-Z][a-zA-Z0-9]*)((?:\s+[a-zA-Z][\w:-]*(?:="[^"]*")?)*)\s*(\/?)>/g;
const ATTRIBUTE = /([a-zA-Z][\w:-]*)(?:="([^"]*)")?/g;

let report: RunReport;
let html: string;
beforeAll(async () => {
  report = await hostileReport();
  html = renderHtml(report);
});

/** The part of the page that a section id (or `head`, `header`, the contents `nav`) names. */
function part(name: string): string {
  const open =
    name === 'head' || name === 'header' || name === 'nav'
      ? html.indexOf(`<${name}`)
      : Math.max(html.indexOf(`<section id="${name}"`), html.indexOf(`<section class="scorecard" id="${name}"`));
  expect(open, name).toBeGreaterThanOrEqual(0);
  const close = html.indexOf(name === 'head' || name === 'header' || name === 'nav' ? `</${name}>` : '</section>', open);
  return html.slice(open, close);
}

describe('report.html renders hostile text as text, in every section', () => {
  it('is made only of its own elements and attributes: every `<` in it opens one of them, every link stays on the page', () => {
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
    expect(style).not.toMatch(/[<]/);
    const body = html.replace(style, '');
    for (const match of body.matchAll(TAG)) {
      const [, , element, attributes] = match;
      expect(ELEMENTS, element).toContain(element!.toLowerCase());
      for (const [, attribute, value] of attributes!.matchAll(ATTRIBUTE)) {
        expect(ATTRIBUTES, attribute).toContain(attribute);
        if (attribute === 'href') expect(value!.startsWith('#'), value).toBe(true);
      }
    }
    // Once every tag is taken out, no `<` is left: none of the hostile text became a tag.
    expect(body.replace(/^<!doctype html>/, '').replace(TAG, '')).not.toContain('<');
    expect(html).not.toMatch(HIDDEN);
    expect(html.match(/<\/style>/g)).toHaveLength(1);
    expect(html.match(/<section /g)).toHaveLength(10 + report.sections.length - 1);
  });

  const SECTIONS = [
    'head',
    'header',
    'scorecard',
    'nav',
    'summary',
    'changes',
    'waivers',
    'connection',
    'declaration',
    'findings',
    'evidence',
    'artefacts',
  ];
  it.each(SECTIONS)('%s shows the hostile text escaped, template syntax and __proto__ as typed', (name) => {
    const text = part(name);
    // Booleans, not the strings: a failure should not print a section of the page.
    expect(text.includes(ESCAPED), `${name} carries the escaped text`).toBe(true);
    expect(text.includes('{{7*7}} ${7*7} &lt;%= 7*7 %> __proto__'), `${name} keeps template syntax as typed`).toBe(true);
    expect(/<(script|img|%)/i.test(text), `${name} has a tag from the data`).toBe(false);
    for (const element of ['table', 'pre', 'ul', 'dl', 'span', 'div']) {
      const opened = text.split(`<${element}`).length;
      expect(text.split(`</${element}>`).length, `${name}: every ${element} closed once, by the page`).toBe(opened);
    }
  });

  it('shows it in every statement section and every row', () => {
    for (const section of report.sections) {
      const text = html.slice(html.indexOf(`<section id="section-${escaped(section.id)}"`));
      expect(text.slice(0, text.indexOf('</section>'))).toContain(`<h2>${escaped(section.title)}</h2>`);
    }
    for (const row of report.rows.filter((r) => !r.heading)) expect(html).toContain(`<tr id="row-${escaped(row.ref)}">`);
  });

  it('keeps the marking from ending the CSS string or the style element', () => {
    expect(html).toContain('@top-center{content:"OFFICIAL\\2d SENSITIVE \\3c script\\3e alert\\28 1\\29 \\3c \\2f script\\3e ');
    expect(html.match(/<p class="marking">/g)).toHaveLength(2);
  });
});

/** A report value as the page writes it, in text or an attribute: hidden characters shown, then `&`, `<`, `"` as entities. */
function escaped(value: string): string {
  return visible(value, { newlines: 'keep' }).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
}
