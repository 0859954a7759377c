import { xmlEscaped } from './escape.ts';

/**
 * The body of statement.docx (word/document.xml) written as text. The docx library holds three copies of a
 * document tree while it serialises one, tens of kilobytes a table row; a statement of 32 gateways cost 75 MB
 * that way. This writes the same WordprocessingML straight into one string; the library still makes the rest
 * of the package (styles, properties, relationships).
 */

const W = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main';
const R = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
/** A4 landscape with one-inch margins, in twentieths of a point; the text is this wide. */
const PAGE = { width: 16838, height: 11906, margin: 1440 } as const;
const TEXT_WIDTH = PAGE.width - 2 * PAGE.margin;
const BORDER = 'w:val="single" w:color="999999" w:sz="4"';
const TABLE_BORDERS = ['top', 'left', 'bottom', 'right', 'insideH', 'insideV'].map((edge) => `<w:${edge} ${BORDER}/>`).join('');

export interface RunOptions {
  bold?: boolean;
  /** A paragraph style of the package's styles.xml (Title, Heading1, or one the renderer defines). */
  style?: string;
}

function paragraphXml(text: string, options: RunOptions = {}): string {
  const style = options.style ? `<w:pPr><w:pStyle w:val="${options.style}"/></w:pPr>` : '';
  const bold = options.bold ? '<w:rPr><w:b/><w:bCs/></w:rPr>' : '';
  return `<w:p>${style}<w:r>${bold}<w:t xml:space="preserve">${xmlEscaped(text)}</w:t></w:r></w:p>`;
}

export interface TableOptions {
  /** Column widths in per cent of the text width. */
  widths: number[];
  /** Rows (by index in `rows`) drawn like the header: bold on grey. */
  headingRows?: Set<number>;
  /** The paragraph style of every cell's text. */
  cellStyle: string;
}

/** A document body, built part by part and joined once. */
export class DocxBody {
  readonly #parts: string[] = [];

  paragraph(text: string, options?: RunOptions): this {
    this.#parts.push(paragraphXml(text, options));
    return this;
  }

  /** A table with a header row repeated on every page; a cell's text is split into paragraphs on line breaks. */
  table(header: string[], rows: string[][], options: TableOptions): this {
    const { widths, cellStyle } = options;
    const grid = widths.map((w) => `<w:gridCol w:w="${Math.round((TEXT_WIDTH * w) / 100)}"/>`).join('');
    const parts = this.#parts;
    parts.push(`<w:tbl><w:tblPr><w:tblW w:type="pct" w:w="5000"/><w:tblBorders>${TABLE_BORDERS}</w:tblBorders></w:tblPr>`);
    parts.push(`<w:tblGrid>${grid}</w:tblGrid>`);
    const row = (cells: string[], heading: boolean, repeat: boolean) => {
      parts.push(repeat ? '<w:tr><w:trPr><w:tblHeader/></w:trPr>' : '<w:tr>');
      cells.forEach((text, i) => {
        const width = widths[i] === undefined ? '' : `<w:tcW w:type="pct" w:w="${widths[i] * 50}"/>`;
        const shade = heading ? '<w:shd w:fill="E7E7E7" w:color="auto" w:val="clear"/>' : '';
        const lines = text.split('\n').map((line) => paragraphXml(line, { style: cellStyle, bold: heading }));
        parts.push(`<w:tc><w:tcPr>${width}${shade}</w:tcPr>${lines.join('')}</w:tc>`);
      });
      parts.push('</w:tr>');
    };
    row(header, true, true);
    rows.forEach((cells, index) => row(cells, options.headingRows?.has(index) ?? false, false));
    parts.push('</w:tbl>');
    return this;
  }

  /**
   * word/document.xml: the body on A4 landscape pages. `references` are the relationship ids of the header and
   * footer parts the library made for the section (see renderDocx).
   */
  toXml(references?: { header: string; footer: string }): string {
    const parts = references
      ? `<w:headerReference w:type="default" r:id="${references.header}"/><w:footerReference w:type="default" r:id="${references.footer}"/>`
      : '';
    const section =
      `<w:sectPr>${parts}<w:pgSz w:w="${PAGE.width}" w:h="${PAGE.height}" w:orient="landscape"/>` +
      `<w:pgMar w:top="${PAGE.margin}" w:right="${PAGE.margin}" w:bottom="${PAGE.margin}" w:left="${PAGE.margin}" ` +
      `w:header="708" w:footer="708" w:gutter="0"/></w:sectPr>`;
    return (
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="${W}" xmlns:r="${R}"><w:body>` +
      `${this.#parts.join('')}${section}</w:body></w:document>`
    );
  }
}
