import { describeChange } from '../src/history/diff.ts';
import type { ReportFinding, ReportRow, RunReport } from '../src/report/schema.ts';
import {
  complianceLabel,
  failingFindings,
  untestedFindings,
  statusLabel,
  findingBadge,
  protectiveMarking,
  readableTime,
  scorecard,
  untestedLines,
  ownerReference,
  partyLines,
  rowsBySection,
  statementColumns,
  statementText,
  statementTitle,
  targetText,
  verdictLine,
} from './view-model.ts';
import { unmatchedWaiver, waiverSentence, type WaiverMarks } from '../src/waivers/wording.ts';
import { htmlText } from './escape.ts';
import { portCounts, portsSvg } from './ports-svg.ts';
import { timelineSvg, verdictTimeline } from './timeline.ts';

/**
 * report.html: one self-contained file (no scripts, no fetches) that prints cleanly.
 * Everything that came from a target (banners, service names) is escaped: it is attacker-controlled.
 */
export function renderHtml(report: RunReport): string {
  const title = statementTitle(report);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${esc(title)}</title>
<style>${STYLE}${pageStyle(report)}</style>
</head>
<body>
<p class="marking">${esc(protectiveMarking(report))}</p>
<header>
<h1>${esc(title)}</h1>
<dl class="parties">${partyLines(report)
    .map(([label, value]) => `<dt>${esc(label)}</dt><dd>${esc(value)}</dd>`)
    .join('')}</dl>
<p class="meta">${metaLine(report)}</p>
</header>
${scorecardSection(report)}
${contents(report)}
${summary(report)}
${changesSection(report)}
${timelineSection(report)}
${waiversSection(report)}
${connectionSection(report)}
${rowsBySection(report)
  .map((section) => statementTable(section.id, section.title, section.rows, report))
  .join('\n')}
${declarationSection(report)}
${findingsTable(report)}
${evidenceSection(report)}
<section id="artefacts"><h2>Artefacts</h2>
<p>Verify with <code>sha256sum -c evidence/manifest.sha256</code> from the report folder.</p>
<table><thead><tr><th>File</th><th>SHA-256</th><th>Bytes</th></tr></thead><tbody>
${report.artefacts.map((a) => `<tr><td>${esc(a.path)}</td><td class="mono">${esc(a.sha256)}</td><td>${a.bytes}</td></tr>`).join('\n')}
</tbody></table></section>
<p class="marking">${esc(protectiveMarking(report))}</p>
</body>
</html>
`;
}

/** The table of contents: every section of the page, the statement's own sections by their profile titles. */
function contents(report: RunReport): string {
  const { headings } = statementText(report);
  const entries: [string, string][] = [
    ['summary', 'Summary'],
    ...(report.changes ? [['changes', 'Changes'] as [string, string]] : []),
    ...(verdictTimeline(report) ? [['timeline', 'Verdict history'] as [string, string]] : []),
    ...(report.rows.some((r) => r.waiver) || report.summary.waivers?.unmatched.length ? [['waivers', 'Waivers'] as [string, string]] : []),
    ['connection', headings.connection],
    ...report.sections.map((s): [string, string] => [`section-${s.id}`, s.title]),
    ['declaration', 'Declaration'],
    ['findings', 'Findings'],
    ['evidence', 'Evidence'],
    ['artefacts', 'Artefacts'],
  ];
  return `<nav class="contents" aria-label="Contents"><h2>Contents</h2><ol>${entries
    .map(([id, title]) => `<li><a href="#${esc(id)}">${esc(title)}</a></li>`)
    .join('')}</ol></nav>`;
}

/** Blanks for the person who signs the statement. */
function declarationSection(report: RunReport): string {
  const organisation = report.connection.connection.organisation;
  return `<section id="declaration" class="declaration"><h2>Declaration</h2>
<p>Signed for ${esc(organisation)}: I have read this statement and the evidence behind it, and answered the rows left to a person.</p>
<table><tbody>${['Name', 'Role', 'Signature', 'Date'].map((label) => `<tr><th>${label}</th><td></td></tr>`).join('')}</tbody></table>
</section>`;
}

/**
 * Printed pages carry the marking at the top and bottom and a page number (CSS page-margin boxes). The marking
 * comes from the connection file: it goes into a CSS string with every character but letters, digits and spaces
 * written as a CSS escape, so it can neither end the string nor the style element.
 */
function pageStyle(report: RunReport): string {
  const marking = cssString(protectiveMarking(report));
  return (
    `@page{margin:18mm 12mm;@top-center{content:${marking};font:700 10pt system-ui,sans-serif}` +
    `@bottom-center{content:${marking};font:700 10pt system-ui,sans-serif}` +
    '@bottom-right{content:"Page " counter(page) " of " counter(pages);font:9pt system-ui,sans-serif}}'
  );
}

function cssString(text: string): string {
  return `"${[...text].map((c) => (/^[A-Za-z0-9 ]$/.test(c) ? c : `\\${c.codePointAt(0)!.toString(16)} `)).join('')}"`;
}

function metaLine(report: RunReport): string {
  const { profile, tool, scanner } = report;
  return [
    `Profile ${esc(profile.title)} (${esc(profile.id)} ${esc(profile.version)})`,
    `cocoscan ${esc(tool.version)} on ${esc(scanner.hostname)}`,
    `${esc(readableTime(report.startedAt))} to ${esc(readableTime(report.finishedAt))}`,
    `${esc(scanner.scanType)} scan, nmap ${esc(scanner.nmapVersion ?? 'not used')}`,
  ].join(' · ');
}

/** A finding's badge: a failure is shown by what it does to its rows (FAIL, PARTIAL or NOTE), as the verdicts are. */
function badge(report: RunReport, finding: ReportFinding): string {
  const { label, tone } = findingBadge(report, finding);
  return `<span class="badge ${cls(tone)}">${esc(label)}</span>`;
}

/** One line per automated row, per gateway when there are several: what a signatory reads first. */
function scorecardSection(report: RunReport): string {
  const [ref, control, compliance] = statementColumns(report);
  const head = `<thead><tr><th>${esc(ref!)}</th><th>${esc(control!)}</th><th>${esc(compliance!)}</th><th>Reason</th></tr></thead>`;
  const groups = scorecard(report)
    .map((group) => {
      const lines = group.lines
        .map(
          (l) =>
            `<tr><td><a href="#row-${esc(l.ref)}">${esc(l.ref)}</a></td><td>${esc(l.title)}</td>` +
            `<td><span class="compliance ${cls(l.compliance)}">${esc(l.compliance)}</span></td><td>${esc(l.reason)}</td></tr>`,
        )
        .join('\n');
      const heading = group.gateway === null ? '' : `<h3>Gateway ${esc(group.gateway)}</h3>\n`;
      return `${heading}<table class="scorecard">${head}<tbody>\n${lines}\n</tbody></table>`;
    })
    .join('\n');
  return `<section class="scorecard" id="scorecard"><h2>Scorecard</h2>\n${groups}\n</section>`;
}

const UNTESTED_NOTE = '<p>These checks gave no verdict; the rows they decide are Not assessed.</p>';

function summary(report: RunReport): string {
  const failing = failingFindings(report);
  const notes = failing.filter((f) => findingBadge(report, f).tone === 'note');
  const failed = failing.filter((f) => !notes.includes(f));
  const untested = untestedFindings(report);
  const untestedList = `<ul>${untestedLines(report)
    .map((line) => `<li><span class="badge ${cls(line.status)}">${esc(statusLabel(line.status))}</span> ${esc(line.text)}</li>`)
    .join('')}</ul>`;
  const list = (items: ReportFinding[]) =>
    `<ul>${items.map((f) => `<li>${badge(report, f)} ${esc(targetText(f))}: ${esc(f.message)}</li>`).join('')}</ul>`;
  return `<section id="summary" class="summary ${report.summary.verdict}">
<h2>Summary</h2>
<p class="verdict">${esc(verdictLine(report))}</p>
${failed.length ? `<h3>Failed (${failed.length})</h3>${list(failed)}` : '<p>No check failed.</p>'}
${notes.length ? `<h3>Notes (${notes.length})</h3><p>These failures are named in a row's comment; they do not change its verdict.</p>${list(notes)}` : ''}
${untested.length ? `<h3>Could not be tested (${untested.length})</h3>${UNTESTED_NOTE}${untestedList}` : ''}
</section>`;
}

function changesSection(report: RunReport): string {
  if (!report.changes) return '';
  const { since, items } = report.changes;
  const item = (c: (typeof items)[number]) =>
    `<li>${c.regression ? '<strong class="fail">worse:</strong> ' : ''}${esc(describeChange(c))}</li>`;
  return `<section id="changes"><h2>Changes since ${esc(since.startedAt.slice(0, 10))}</h2>
<p>Compared with the ${since.kind === 'baseline' ? 'approved baseline' : 'previous run'} ${esc(since.id)}.</p>
${items.length === 0 ? '<p>Nothing changed.</p>' : `<ul>${items.map(item).join('')}</ul>`}
</section>`;
}

/** Each automated row's verdict across the runs the history kept, as a picture (with its words in the description). */
function timelineSection(report: RunReport): string {
  const model = verdictTimeline(report);
  if (!model) return '';
  const runs =
    model.runs.length === 1 ? 'first run kept in the history' : `last ${model.runs.length} runs kept in the history, oldest first`;
  return `<section id="timeline"><h2>Verdict history</h2>
<p>Each automated row's verdict in the ${runs}.</p>
<figure class="timeline">${timelineSvg(model)}</figure>
</section>`;
}

function waiversSection(report: RunReport): string {
  const waived = report.rows.filter((r) => r.waiver);
  const unmatched = report.summary.waivers?.unmatched ?? [];
  if (waived.length === 0 && unmatched.length === 0) return '';
  return `<section id="waivers"><h2>Waivers</h2><ul>
${waived
  .map((r) => {
    const w = r.waiver!;
    return `<li><strong>${esc(r.ref)}</strong> (${esc(r.compliance ?? '')}): ${waiverSentence(w, HTML_MARKS)}</li>`;
  })
  .join('\n')}
${unmatched.map((u) => `<li>${unmatchedWaiver(u, HTML_MARKS)}</li>`).join('\n')}
</ul></section>`;
}

function connectionSection(report: RunReport): string {
  const c = report.connection;
  const { headings } = statementText(report);
  return `<section id="connection"><h2>${esc(headings.connection)}</h2>
<h3>${esc(headings.gateways)}</h3>
<table><thead><tr><th>Gateway</th><th>Host</th></tr></thead><tbody>
${c.gateways.map((g) => `<tr><td>${esc(g.name)}</td><td class="mono">${esc(g.host)}</td></tr>`).join('\n')}
</tbody></table>
${portsFigures(report)}
<h3>${esc(headings.flows)}</h3>
<table><thead><tr><th>Flow</th><th>Protocol</th><th>Port</th><th>Transport</th></tr></thead><tbody>
${c.flows.map((f) => `<tr><td>${esc(f.name)}</td><td>${esc(f.protocol)}</td><td>${f.port}</td><td>${esc(f.transport)}</td></tr>`).join('\n')}
</tbody></table>
<p><strong>${esc(headings.onwardConnections)}:</strong> ${
    c.onwardConnections.length === 0 ? 'none declared.' : `</p><ul>${c.onwardConnections.map(onwardItem).join('')}</ul><p>`
  }</p></section>`;
}

/** Per gateway, the ports swept as a picture: declared and undeclared open ports, filtered and closed ones. */
function portsFigures(report: RunReport): string {
  const figures = portCounts(report)
    .map((c) => `<figure>${portsSvg(c)}<figcaption>${esc(c.gateway)} (bar lengths on a logarithmic scale)</figcaption></figure>`)
    .join('\n');
  return `<h3>Ports swept</h3>\n<div class="ports">${figures}</div>`;
}

function onwardItem(o: RunReport['connection']['onwardConnections'][number]): string {
  return `<li>${esc(o.name)}: ${esc(o.description)}${o.destination ? ` (to ${esc(o.destination)})` : ''}</li>`;
}

function statementTable(id: string, title: string, rows: ReportRow[], report: RunReport): string {
  const body = rows
    .map((row) => {
      if (row.heading) return `<tr class="heading"><td>${esc(row.ref)}</td><td colspan="4">${esc(row.title)}</td></tr>`;
      const value = complianceLabel(row);
      const comment = row.source === 'open' ? `<span class="guidance">${esc(row.comment)}</span>` : esc(row.comment);
      const source = row.source === 'measured' ? 'measured' : row.source === 'answered' ? 'answered' : 'open';
      const compliance = `<span class="compliance ${cls(value)}">${esc(value)}</span><br><small>${source}</small>`;
      return `<tr id="row-${esc(row.ref)}">${cells([esc(row.ref), esc(row.title), compliance, esc(ownerReference(row, report)), comment])}</tr>`;
    })
    .join('\n');
  return `<section id="section-${esc(id)}"><h2>${esc(title)}</h2>
<table class="statement"><thead><tr>${statementColumns(report)
    .map((name) => `<th>${esc(name)}</th>`)
    .join('')}</tr></thead>
<tbody>
${body}
</tbody></table></section>`;
}

/** Table cells around already-escaped HTML. */
function cells(html: string[]): string {
  return html.map((cell) => `<td>${cell}</td>`).join('');
}

function findingsTable(report: RunReport): string {
  return `<section id="findings"><h2>Findings</h2>
<table><thead><tr><th>Status</th><th>Finding</th><th>Target</th><th>Message</th></tr></thead><tbody>
${report.findings
  .map((f) => {
    const id = `<td class="mono"><a href="#${esc(anchor(f.key))}">${esc(f.id)}</a></td>`;
    return `<tr><td>${badge(report, f)}</td>${id}${cells([esc(targetText(f)), esc(f.message)])}</tr>`;
  })
  .join('\n')}
</tbody></table></section>`;
}

function evidenceSection(report: RunReport): string {
  return `<section id="evidence"><h2>Evidence</h2>
${report.findings
  .map((f) => {
    const e = f.evidence;
    return `<article class="evidence" id="${esc(anchor(f.key))}">
<h3>${badge(report, f)} <span class="mono">${esc(f.key)}</span></h3>
<dl>
<dt>Source</dt><dd>${esc(e.source)}, ${esc(readableTime(e.time))}</dd>
${e.expected ? `<dt>Expected</dt><dd>${esc(e.expected)}</dd>` : ''}
${e.actual ? `<dt>Actual</dt><dd>${esc(e.actual)}</dd>` : ''}
${e.artefacts?.length ? `<dt>Artefacts</dt><dd class="mono">${e.artefacts.map(esc).join(', ')}</dd>` : ''}
</dl>
${e.raw ? `<pre>${esc(e.raw)}</pre>` : ''}
</article>`;
  })
  .join('\n')}
</section>`;
}

const esc = htmlText;
const HTML_MARKS: WaiverMarks = { value: esc, alarm: (text) => `<strong class="fail">${text}</strong>` };

function cls(value: string): string {
  return value.toLowerCase().replace(/[^a-z]+/g, '-');
}

function anchor(key: string): string {
  return `f-${key.replace(/[^a-zA-Z0-9_-]/g, '_')}`;
}

const PRINT_STYLE =
  '@media print{body{max-width:none;padding:0;font-size:10pt}h2{break-after:avoid}tr,article,pre{break-inside:avoid}' +
  'a{color:inherit;text-decoration:none}.summary{background:none}.marking,nav.contents{display:none}}';

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1b1b1b;max-width:1200px;margin:0 auto;padding:1.5rem}
h1{font-size:1.6rem;margin:.2rem 0}h2{font-size:1.25rem;margin-top:2rem;border-bottom:2px solid #1b1b1b}
h3{font-size:1rem}.meta{color:#505050;font-size:.9rem}
table{border-collapse:collapse;width:100%;margin:.6rem 0}th,td{border:1px solid #b1b4b6;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f2f1}tr.heading td{background:#f3f2f1;font-weight:700}
.mono,pre,code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85rem}
pre{background:#f8f8f8;border:1px solid #ddd;padding:.5rem;white-space:pre-wrap;word-break:break-all}
.badge,.compliance{display:inline-block;padding:0 .4rem;border-radius:3px;font-weight:700;font-size:.8rem;border:1px solid currentColor}
.pass,.yes{color:#00703c}.fail,.no{color:#d4351c}.partial{color:#b35900}.error,.not-tested,.not_tested,.not-assessed{color:#6f3f98}
.n-a,.not_applicable,.not-applicable,.to-answer,.note{color:#505050}
.summary{border-left:6px solid #d4351c;padding:.2rem 1rem;background:#fdf3f2}.summary.compliant{border-color:#00703c;background:#f3faf6}
.verdict{font-weight:700}.guidance{color:#505050;font-style:italic}
dl{display:grid;grid-template-columns:8rem 1fr;gap:.2rem .8rem}dt{font-weight:700}dd{margin:0}
.evidence{border-top:1px solid #ddd}
.ports{display:flex;flex-wrap:wrap;gap:1rem}figure{margin:0}figcaption{font-size:.85rem;color:#505050}
svg.ports,svg.timeline{max-width:100%;height:auto;font-family:system-ui,sans-serif}figure.timeline{overflow-x:auto}
.marking{text-align:center;font-weight:700;letter-spacing:.05em;margin:.2rem 0}
.declaration th{width:10rem}.declaration td{height:2.2rem}
${PRINT_STYLE}
`;
