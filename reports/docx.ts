import {
  BorderStyle,
  Document,
  HeadingLevel,
  Packer,
  PageOrientation,
  Paragraph,
  ShadingType,
  Table,
  TableCell,
  TableRow,
  TextRun,
  WidthType,
} from 'docx';
import type { ReportRow, RunReport } from '../src/report/schema.ts';
import { docxText } from './escape.ts';
import {
  complianceLabel,
  ownerReference,
  partyLines,
  rowsBySection,
  statementColumns,
  statementText,
  statementTitle,
  statusLabel,
  targetText,
  verdictLine,
} from './view-model.ts';

/** Table text is 9 pt through one paragraph style, not a size on every run: each run's own properties cost memory. */
const CELL_STYLE = 'CocoscanCell';
const BORDER = { style: BorderStyle.SINGLE, size: 4, color: '999999' };
const BORDERS = { top: BORDER, bottom: BORDER, left: BORDER, right: BORDER, insideHorizontal: BORDER, insideVertical: BORDER };

function cell(text: string, options: { bold?: boolean; shade?: boolean; width?: number } = {}): TableCell {
  return new TableCell({
    width: options.width ? { size: options.width, type: WidthType.PERCENTAGE } : undefined,
    shading: options.shade ? { type: ShadingType.CLEAR, color: 'auto', fill: 'E7E7E7' } : undefined,
    children: docxText(text)
      .split('\n')
      .map((line) => new Paragraph({ style: CELL_STYLE, children: [new TextRun(options.bold ? { text: line, bold: true } : line)] })),
  });
}

function table(header: string[], rows: string[][], widths: number[], headingRows: Set<number> = new Set()): Table {
  return new Table({
    borders: BORDERS,
    width: { size: 100, type: WidthType.PERCENTAGE },
    rows: [
      new TableRow({ tableHeader: true, children: header.map((h, i) => cell(h, { bold: true, shade: true, width: widths[i] })) }),
      ...rows.map(
        (r, index) =>
          new TableRow({
            children: r.map((text, i) => cell(text, { bold: headingRows.has(index), shade: headingRows.has(index), width: widths[i] })),
          }),
      ),
    ],
  });
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
 * Rows of one evidence table in the Word statement. Word tables cost the docx library tens of kilobytes a row,
 * so a gateway with thousands of findings would decide the run's memory; past this the reader is sent to
 * report.json and report.html, which hold every finding.
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

/** statement.docx: the submission in the standard's layout, for an Accreditor who works in Word. */
export async function renderDocx(report: RunReport): Promise<Buffer> {
  const c = report.connection;
  const { headings } = statementText(report);
  const title = statementTitle(report);
  const children: (Paragraph | Table)[] = [
    new Paragraph({ heading: HeadingLevel.TITLE, children: [new TextRun(docxText(title))] }),
    new Paragraph({ children: [new TextRun({ text: docxText(verdictLine(report)), bold: true })] }),
    new Paragraph({
      children: [
        new TextRun(
          docxText(
            `Profile ${report.profile.title} (${report.profile.id} ${report.profile.version}); checked by cocoscan ` +
              `${report.tool.version} from ${report.scanner.hostname}, ${report.startedAt} to ${report.finishedAt}.`,
          ),
        ),
      ],
    }),
    new Paragraph({ heading: HeadingLevel.HEADING_1, children: [new TextRun(docxText(headings.connection))] }),
    table(
      ['Item', 'Value'],
      [
        ...partyLines(report),
        [headings.gateways, c.gateways.map((g) => `${g.name} (${g.host})`).join('\n')],
        [headings.flows, c.flows.map((f) => `${f.name}: ${f.protocol} ${f.port}/${f.transport}`).join('\n')],
        [headings.onwardConnections, c.onwardConnections.map((o) => `${o.name}: ${o.description}`).join('\n') || 'none declared'],
      ],
      [30, 70],
    ),
  ];
  for (const section of rowsBySection(report)) {
    const { cells, headings } = statementRows(section.rows, report);
    children.push(new Paragraph({ heading: HeadingLevel.HEADING_1, children: [new TextRun(docxText(section.title))] }));
    children.push(table(statementColumns(report), cells, [9, 26, 10, 20, 35], headings));
  }
  children.push(new Paragraph({ heading: HeadingLevel.HEADING_1, children: [new TextRun('Evidence summary')] }));
  const shown = findingsWorthAReader(report);
  children.push(
    table(
      ['Status', 'Finding', 'Target', 'Message'],
      shown.map((f) => [statusLabel(f.status), f.id, targetText(f), f.message]),
      [10, 18, 22, 50],
    ),
  );
  const left = report.findings.length - shown.length;
  if (left > 0)
    children.push(new Paragraph({ children: [new TextRun(`${left} more finding(s), passes last, are in report.json and report.html.`)] }));
  children.push(
    new Paragraph({
      children: [new TextRun('Artefacts (verify with: cocoscan verify <folder>, or sha256sum -c evidence/manifest.sha256):')],
    }),
  );
  children.push(
    table(
      ['File', 'SHA-256'],
      report.artefacts.slice(0, MAX_DOCX_ROWS).map((a) => [a.path, a.sha256]),
      [40, 60],
    ),
  );
  if (report.artefacts.length > MAX_DOCX_ROWS) {
    children.push(
      new Paragraph({
        children: [new TextRun(`${report.artefacts.length - MAX_DOCX_ROWS} more artefact(s) are listed in evidence/manifest.sha256.`)],
      }),
    );
  }
  const document = new Document({
    creator: docxText(`cocoscan ${report.tool.version}`).replace(/\n/g, ' '),
    title: docxText(title).replace(/\n/g, ' '),
    description: 'Compliance statement with evidence',
    styles: { paragraphStyles: [{ id: CELL_STYLE, name: 'Table text', basedOn: 'Normal', run: { size: 18 } }] },
    sections: [{ properties: { page: { size: { orientation: PageOrientation.LANDSCAPE } } }, children }],
  });
  return Packer.toBuffer(document);
}
