import type { RunReport } from '../../src/report/schema.ts';
import { protectiveMarking } from '../view-model.ts';

/**
 * The page's one style element. Its text is CSS, not HTML: it is passed to the template engine as raw markup, so it
 * holds only the constants below and the protective marking written as a CSS string (`cssString`), which can end
 * neither the string nor the style element.
 */
export function pageCss(report: RunReport): string {
  return STYLE + pageStyle(report);
}

/**
 * Printed pages carry the marking at the top and bottom and a page number (CSS page-margin boxes). The marking
 * comes from the connection file: it goes into a CSS string with every character but letters, digits and spaces
 * written as a CSS escape.
 */
function pageStyle(report: RunReport): string {
  const marking = cssString(protectiveMarking(report));
  return (
    `@page{margin:18mm 12mm;@top-center{content:${marking};font:700 10pt system-ui,sans-serif}` +
    `@bottom-center{content:${marking};font:700 10pt system-ui,sans-serif}` +
    '@bottom-right{content:"Page " counter(page) " of " counter(pages);font:9pt system-ui,sans-serif}}'
  );
}

export function cssString(text: string): string {
  return `"${[...text].map((c) => (/^[A-Za-z0-9 ]$/.test(c) ? c : `\\${c.codePointAt(0)!.toString(16)} `)).join('')}"`;
}

const PRINT_STYLE =
  '@media print{body{max-width:none;padding:0;font-size:10pt}h2{break-after:avoid}tr,article,pre{break-inside:avoid}' +
  'a{color:inherit;text-decoration:none}.summary{background:none}.marking,nav.contents{display:none}.scroll{overflow:visible}}';

/**
 * A phone's width: less padding, one column for label lists, and the wide tables (scorecard, statement, findings,
 * artefacts) as one card per row, each cell under its column's name; any other table scrolls inside its own box.
 */
const NARROW_STYLE =
  '@media (max-width:40rem){body{padding:.75rem}dl{grid-template-columns:1fr;gap:0}dd{margin-bottom:.4rem}' +
  'table.cards,table.cards tbody,table.cards tr,table.cards td{display:block;width:auto}table.cards thead{display:none}' +
  'table.cards tr{border:1px solid #b1b4b6;margin-bottom:.6rem}table.cards td{border:0;border-top:1px solid #e5e5e5}' +
  'table.cards tr>td:first-child{border-top:0}table.cards td:empty{display:none}' +
  'table.cards td[data-label]::before{content:attr(data-label);display:block;font-weight:700;font-size:.8rem;color:#505050}}';

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1b1b1b;max-width:1200px;margin:0 auto;padding:1.5rem;overflow-wrap:break-word}
h1{font-size:1.6rem;margin:.2rem 0}h2{font-size:1.25rem;margin-top:2rem;border-bottom:2px solid #1b1b1b}
h3{font-size:1rem}.meta{color:#505050;font-size:.9rem}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;width:100%;margin:.6rem 0}th,td{border:1px solid #b1b4b6;padding:.35rem .5rem;text-align:left;vertical-align:top}
td{overflow-wrap:break-word}
th{background:#f3f2f1}tr.heading td{background:#f3f2f1;font-weight:700}
.mono,pre,code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85rem}
.mono{overflow-wrap:anywhere}
pre{background:#f8f8f8;border:1px solid #ddd;padding:.5rem;white-space:pre-wrap;word-break:break-all}
.badge,.compliance{display:inline-block;white-space:nowrap;padding:0 .4rem;border-radius:3px;font-weight:700;font-size:.8rem;border:1px solid currentColor}
.pass,.yes{color:#00703c}.fail,.no{color:#d4351c}.partial{color:#b35900}.error,.not-tested,.not_tested,.not-assessed{color:#6f3f98}
.n-a,.not_applicable,.not-applicable,.to-answer,.note{color:#505050}
.summary{border-left:6px solid #d4351c;padding:.2rem 1rem;background:#fdf3f2}.summary.compliant{border-color:#00703c;background:#f3faf6}
.verdict{font-weight:700}.guidance{color:#505050;font-style:italic}
dl{display:grid;grid-template-columns:8rem 1fr;gap:.2rem .8rem}dt{font-weight:700}dd{margin:0;min-width:0;overflow-wrap:anywhere}
.evidence{border-top:1px solid #ddd}
.ports{display:flex;flex-wrap:wrap;gap:1rem}figure{margin:0;max-width:100%;min-width:0}figcaption{font-size:.85rem;color:#505050;overflow-wrap:anywhere}
svg.ports,svg.timeline{max-width:100%;height:auto;font-family:system-ui,sans-serif}figure.timeline{overflow-x:auto}
.marking{text-align:center;font-weight:700;letter-spacing:.05em;margin:.2rem 0}
.declaration th{width:10rem}.declaration td{height:2.2rem}
${NARROW_STYLE}
${PRINT_STYLE}
`;
