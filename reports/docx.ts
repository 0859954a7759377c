import { AlignmentType, Document, Footer, Header, Packer, PageNumber, PageOrientation, Paragraph, TextRun } from 'docx';
import type { ReportRow, RunReport } from '../src/report/schema.ts';
import { DocxBody } from './docx-body.ts';
import { docxText } from './escape.ts';
import { timelineText, verdictTimeline } from './timeline.ts';
import {
  complianceLabel,
  findingBadge,
  ownerReference,
  protectiveMarking,
  readableTime,
  scorecard,
  partyLines,
  rowsBySection,
  statementColumns,
  statementText,
  statementTitle,
  targetText,
  verdictLine,
} from './view-model.ts';

/** Table text is 9 pt through one paragraph style, not a size on every run. */
const CELL_STYLE = 'CocoscanCell';

/** Cells as Word shows them: hidden characters made visible, line breaks kept (each line is a paragraph). */
function cells(rows: string[][]): string[][] {
  return rows.map((row) => row.map(docxText));
}

function statementRows(rows: ReportRow[], report: RunReport): { cells: string[][]; headings: Set<number> } {
  const headings = new Set<number>();
  const cells = rows.map((row, index) => {
    if (row.heading) {
      headings.add(index);
      return [row.ref, row.title, '', '', ''];
    }
    return [row.ref, row.title, complianceLabel(row), ownerReference(row, report), row.comment];
  });
  return { cells, headings };
}

/**
 * Rows of one evidence table in the Word statement: a statement a reader can take in, and a bounded size
 * however many findings a fleet has; past this the reader is sent to report.json and report.html, which hold
 * every finding.
 */
export const MAX_DOCX_ROWS = 400;
const STATUS_ORDER = ['fail', 'error', 'not_tested', 'pass', 'not_applicable'];

/** The findings a reader of the Word statement should see first: what falls short, then what could not be tested. */
function findingsWorthAReader(report: RunReport): RunReport['findings'] {
  const rank = (status: string) => STATUS_ORDER.indexOf(status);
  return report.findings
    .map((finding, index) => ({ finding, index }))
    .sort((a, b) => rank(a.finding.status) - rank(b.finding.status) || a.index - b.index)
    .slice(0, MAX_DOCX_ROWS)
    .map(({ finding }) => finding);
}

/**
 * The relationship ids the library gives the one section's header and footer parts (after its five fixed parts:
 * styles, numbering, footnotes, endnotes, settings). The body is ours, so its section names them; a test checks
 * that they point at the parts holding the marking.
 */
const HEADER_FOOTER_IDS = { header: 'rId6', footer: 'rId7' } as const;

function markingParagraph(marking: string): Paragraph {
  return new Paragraph({ alignment: AlignmentType.CENTER, children: [new TextRun({ text: marking, bold: true })] });
}

function pageNumberParagraph(): Paragraph {
  return new Paragraph({
    alignment: AlignmentType.RIGHT,
    children: [new TextRun({ children: ['Page ', PageNumber.CURRENT, ' of ', PageNumber.TOTAL_PAGES], size: 18 })],
  });
}

/** statement.docx: the submission in the standard's layout, for an Accreditor who works in Word. */
export async function renderDocx(report: RunReport): Promise<Buffer> {
  const c = report.connection;
  const { headings } = statementText(report);
  const title = statementTitle(report);
  const marking = docxText(protectiveMarking(report)).replace(/\n/g, ' ');
  const body = new DocxBody();
  const table = (header: string[], rows: string[][], widths: number[], headingRows?: Set<number>) =>
    body.table(cells([header])[0]!, cells(rows), { widths, headingRows, cellStyle: CELL_STYLE });
  body
    .paragraph(docxText(title), { style: 'Title' })
    .paragraph(docxText(verdictLine(report)), { bold: true })
    .paragraph(
      docxText(
        `Profile ${report.profile.title} (${report.profile.id} ${report.profile.version}); checked by cocoscan ` +
          `${report.tool.version} from ${report.scanner.hostname}, ${readableTime(report.startedAt)} to ${readableTime(report.finishedAt)}.`,
      ),
    )
    .paragraph('Scorecard', { style: 'Heading1' });
  const [refColumn, controlColumn, complianceColumn] = statementColumns(report);
  for (const group of scorecard(report)) {
    if (group.gateway !== null) body.paragraph(docxText(`Gateway ${group.gateway}`), { style: 'Heading2' });
    table(
      [refColumn!, controlColumn!, complianceColumn!, 'Reason'],
      group.lines.map((l) => [l.ref, l.title, l.compliance, l.reason]),
      [10, 30, 12, 48],
    );
  }
  const timeline = verdictTimeline(report);
  if (timeline) {
    const { intro, rows } = timelineText(timeline);
    body.paragraph('Verdict history', { style: 'Heading1' }).paragraph(docxText(intro));
    table(['Ref', 'Row', 'Verdicts, oldest first'], rows, [10, 40, 50]);
  }
  body.paragraph(docxText(headings.connection), { style: 'Heading1' });
  table(
    ['Item', 'Value'],
    [
      ...partyLines(report),
      [headings.gateways, c.gateways.map((g) => `${g.name} (${g.host})`).join('\n')],
      [headings.flows, c.flows.map((f) => `${f.name}: ${f.protocol} ${f.port}/${f.transport}`).join('\n')],
      [headings.onwardConnections, c.onwardConnections.map((o) => `${o.name}: ${o.description}`).join('\n') || 'none declared'],
    ],
    [30, 70],
  );
  for (const section of rowsBySection(report)) {
    const { cells: rows, headings: headingRows } = statementRows(section.rows, report);
    body.paragraph(docxText(section.title), { style: 'Heading1' });
    table(statementColumns(report), rows, [9, 26, 10, 20, 35], headingRows);
  }
  body
    .paragraph('Declaration', { style: 'Heading1' })
    .paragraph(
      docxText(
        `Signed for ${c.connection.organisation}: I have read this statement and the evidence behind it, ` +
          'and answered the rows left to a person.',
      ),
    );
  table(
    ['Signatory', ''],
    ['Name', 'Role', 'Signature', 'Date'].map((label) => [label, '']),
    [20, 80],
  );
  body.paragraph('Evidence summary', { style: 'Heading1' });
  const shown = findingsWorthAReader(report);
  table(
    ['Status', 'Finding', 'Target', 'Message'],
    shown.map((f) => [findingBadge(report, f).label, f.id, targetText(f), f.message]),
    [10, 18, 22, 50],
  );
  const left = report.findings.length - shown.length;
  if (left > 0) body.paragraph(`${left} more finding(s), passes last, are in report.json and report.html.`);
  body.paragraph('Artefacts (verify with: cocoscan verify <folder>, or sha256sum -c evidence/manifest.sha256):');
  table(
    ['File', 'SHA-256'],
    report.artefacts.slice(0, MAX_DOCX_ROWS).map((a) => [a.path, a.sha256]),
    [40, 60],
  );
  if (report.artefacts.length > MAX_DOCX_ROWS)
    body.paragraph(`${report.artefacts.length - MAX_DOCX_ROWS} more artefact(s) are listed in evidence/manifest.sha256.`);
  // The library makes the package (styles with the cell style, properties, relationships); the body is ours.
  const document = new Document({
    creator: docxText(`cocoscan ${report.tool.version}`).replace(/\n/g, ' '),
    title: docxText(title).replace(/\n/g, ' '),
    description: 'Compliance statement with evidence',
    styles: { paragraphStyles: [{ id: CELL_STYLE, name: 'Table text', basedOn: 'Normal', run: { size: 18 } }] },
    sections: [
      {
        properties: { page: { size: { orientation: PageOrientation.LANDSCAPE } } },
        headers: { default: new Header({ children: [markingParagraph(marking)] }) },
        footers: { default: new Footer({ children: [markingParagraph(marking), pageNumberParagraph()] }) },
        children: [],
      },
    ],
  });
  return Packer.toBuffer(document, undefined, [{ path: 'word/document.xml', data: body.toXml(HEADER_FOOTER_IDS) }]);
}
