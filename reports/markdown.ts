import { describeChange } from '../src/history/diff.ts';
import type { ReportFinding, RunReport } from '../src/report/schema.ts';
import { unmatchedWaiver, waiverSentence, type WaiverMarks } from '../src/waivers/wording.ts';
import { markdownFence, markdownText } from './escape.ts';
import { timelineMarkdown, verdictTimeline } from './timeline.ts';
import {
  complianceLabel,
  findingBadge,
  ownerReference,
  protectiveMarking,
  readableTime,
  scorecard,
  untestedLines,
  partyLines,
  rowsBySection,
  statementColumns,
  statementText,
  statementTitle,
  statusLabel,
  targetText,
  untestedFindings,
  verdictLine,
} from './view-model.ts';

/** statement.md: the compliance statement in the standard's columns, then findings and evidence. */
function metaLine(report: RunReport): string {
  const { profile, tool, scanner } = report;
  return (
    `Profile ${text(profile.title)} (${text(profile.id)} ${text(profile.version)}); ` +
    `checked by cocoscan ${text(tool.version)} from ${text(scanner.hostname)}, ` +
    `${text(readableTime(report.startedAt))} to ${text(readableTime(report.finishedAt))} ` +
    `(${text(scanner.scanType)} scan, nmap ${text(scanner.nmapVersion ?? 'not used')}).`
  );
}

export function renderMarkdown(report: RunReport): string {
  const c = report.connection;
  const out: string[] = [];
  const words = statementText(report);
  const marking = `**${text(protectiveMarking(report))}**`;
  out.push(marking, '', `# ${text(statementTitle(report))}`, '');
  for (const [label, value] of partyLines(report)) out.push(`- **${text(label)}:** ${text(value)}`);
  out.push('', metaLine(report), '', `**${text(verdictLine(report))}**`, '');
  out.push(...scorecardSection(report), ...contents(report));

  const untested = untestedFindings(report);
  if (untested.length > 0) {
    out.push('## Could not be tested', '', 'These checks gave no verdict; the rows they decide are Not assessed.', '');
    for (const line of untestedLines(report)) out.push(`- ${statusLabel(line.status)} ${text(line.text)}`);
    out.push('');
  }

  out.push(...changesSection(report), ...timelineSection(report), ...waiversSection(report));

  out.push(`## ${text(words.headings.connection)}`, '', `**${text(words.headings.gateways)}**`, '', '| Gateway | Host |', '|---|---|');
  for (const g of c.gateways) out.push(`| ${cell(g.name)} | ${cell(g.host)} |`);
  out.push('', `**${text(words.headings.flows)}**`, '', '| Flow | Protocol | Port | Transport |', '|---|---|---|---|');
  for (const f of c.flows) out.push(`| ${cell(f.name)} | ${cell(f.protocol)} | ${f.port} | ${cell(f.transport)} |`);
  out.push('', `**${text(words.headings.onwardConnections)}:** `);
  if (c.onwardConnections.length === 0) out.push('none declared.');
  for (const o of c.onwardConnections)
    out.push(`- ${text(o.name)}: ${text(o.description)}${o.destination ? ` (to ${text(o.destination)})` : ''}`);
  out.push('');

  for (const section of rowsBySection(report)) {
    out.push(`## ${text(section.title)}`, '', `| ${statementColumns(report).map(cell).join(' | ')} |`, '|---|---|---|---|---|');
    for (const row of section.rows) {
      if (row.heading) {
        out.push(`| **${cell(row.ref)}** | **${cell(row.title)}** | | | |`);
        continue;
      }
      const comment = row.source === 'open' ? `_${cell(row.comment)}_` : cell(row.comment);
      out.push(
        `| ${cell(row.ref)} | ${cell(row.title)} | ${cell(complianceLabel(row))} | ${cell(ownerReference(row, report))} | ${comment} |`,
      );
    }
    out.push('');
  }

  out.push(...declaration(report));
  out.push('## Findings', '', '| Status | Finding | Target | Message |', '|---|---|---|---|');
  for (const f of report.findings) {
    out.push(`| ${cell(findingBadge(report, f).label)} | ${cell(f.id)} | ${cell(targetText(f))} | ${cell(f.message)} |`);
  }
  out.push('', '## Evidence', '');
  for (const f of report.findings) out.push(...evidenceBlock(report, f));
  out.push(
    '## Artefacts',
    '',
    'Check them with `sha256sum -c evidence/manifest.sha256` from this folder.',
    '',
    '| File | SHA-256 | Bytes |',
    '|---|---|---|',
  );
  for (const a of report.artefacts) out.push(`| ${cell(a.path)} | ${cell(a.sha256)} | ${a.bytes} |`);
  out.push('', marking, '');
  return out.join('\n');
}

function changesHeading(report: RunReport): string {
  const since = report.changes!.since;
  return `Changes since ${since.startedAt.slice(0, 10)} (${since.kind === 'baseline' ? 'approved baseline' : 'previous run'} ${since.id})`;
}

function changesSection(report: RunReport): string[] {
  if (!report.changes) return [];
  const { items } = report.changes;
  const lines = [`## ${text(changesHeading(report))}`, ''];
  if (items.length === 0) lines.push('Nothing changed.');
  for (const c of items) lines.push(`- ${c.regression ? '**worse:** ' : ''}${text(describeChange(c))}`);
  lines.push('');
  return lines;
}

function timelineSection(report: RunReport): string[] {
  const model = verdictTimeline(report);
  return model ? ['## Verdict history', '', ...timelineMarkdown(model), ''] : [];
}

function waiversSection(report: RunReport): string[] {
  const waived = report.rows.filter((r) => r.waiver);
  const unmatched = report.summary.waivers?.unmatched ?? [];
  if (waived.length === 0 && unmatched.length === 0) return [];
  const lines = ['## Waivers', ''];
  for (const r of waived) {
    const w = r.waiver!;
    lines.push(`- ${text(r.ref)} (${text(r.compliance ?? '')}): ${waiverSentence(w, MARKDOWN_MARKS)}`);
  }
  for (const u of unmatched) lines.push(`- ${unmatchedWaiver(u, MARKDOWN_MARKS)}`);
  lines.push('');
  return lines;
}

/** One line per automated row, per gateway when there are several: what a signatory reads first. */
function scorecardSection(report: RunReport): string[] {
  const [ref, control, compliance] = statementColumns(report).map(cell);
  const lines = ['## Scorecard', ''];
  for (const group of scorecard(report)) {
    if (group.gateway !== null) lines.push(`### Gateway ${text(group.gateway)}`, '');
    lines.push(`| ${ref} | ${control} | ${compliance} | Reason |`, '|---|---|---|---|');
    for (const l of group.lines) lines.push(`| ${cell(l.ref)} | ${cell(l.title)} | ${cell(l.compliance)} | ${cell(l.reason)} |`);
    lines.push('');
  }
  return lines;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function slug(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

/** The table of contents: links to the sections below, by the anchors a Markdown viewer gives their headings. */
function contents(report: RunReport): string[] {
  const words = statementText(report);
  const titles = [
    ...(untestedFindings(report).length > 0 ? ['Could not be tested'] : []),
    ...(report.changes ? [changesHeading(report)] : []),
    ...(verdictTimeline(report) ? ['Verdict history'] : []),
    ...(report.rows.some((r) => r.waiver) || report.summary.waivers?.unmatched.length ? ['Waivers'] : []),
    words.headings.connection,
    ...report.sections.map((s) => s.title),
    'Declaration',
    'Findings',
    'Evidence',
    'Artefacts',
  ];
  return ['## Contents', '', ...titles.map((t, i) => `${i + 1}. [${text(t)}](#${slug(t)})`), ''];
}

/** Blanks for the person who signs the statement. */
function declaration(report: RunReport): string[] {
  return [
    '## Declaration',
    '',
    `Signed for ${text(report.connection.connection.organisation)}: I have read this statement and the evidence behind it, ` +
      'and answered the rows left to a person.',
    '',
    '| | |',
    '|---|---|',
    ...['Name', 'Role', 'Signature', 'Date'].map((label) => `| ${label} | |`),
    '',
  ];
}

function evidenceBlock(report: RunReport, f: ReportFinding): string[] {
  const e = f.evidence;
  const lines = [
    `### ${text(f.key)}`,
    '',
    `- Status: ${text(findingBadge(report, f).label)} (${text(f.severity)})`,
    `- Source: ${text(e.source)}, ${text(readableTime(e.time))}`,
  ];
  if (e.expected) lines.push(`- Expected: ${text(e.expected)}`);
  if (e.actual) lines.push(`- Actual: ${text(e.actual)}`);
  if (e.artefacts?.length) lines.push(`- Artefacts: ${e.artefacts.map(text).join(', ')}`);
  if (e.raw) lines.push('', ...markdownFence(e.raw));
  lines.push('');
  return lines;
}

const text = markdownText;
const MARKDOWN_MARKS: WaiverMarks = { value: text, alarm: (words) => `**${words}**` };
const cell = markdownText;
