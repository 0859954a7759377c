import { describeChange } from '../src/history/diff.ts';
import type { ReportFinding, RunReport } from '../src/report/schema.ts';
import {
  complianceLabel,
  ownerReference,
  rowsBySection,
  STATUS_LABEL,
  targetText,
  untestedFindings,
  verdictLine,
} from './view-model.ts';

/** statement.md: the compliance statement in the standard's columns, then findings and evidence. */
export function renderMarkdown(report: RunReport): string {
  const c = report.connection;
  const out: string[] = [];
  out.push(`# Code of Connection compliance statement: ${text(c.connection.name)}`, '');
  out.push(
    `Connection of **${text(c.connection.thirdPartySystem)}** (${text(c.connection.organisation)}) to **${text(c.connection.mojSystem)}**.`,
    '',
    `Profile ${text(report.profile.title)} (${report.profile.id} ${report.profile.version}); checked by cocoscan ${report.tool.version} from ${text(report.scanner.hostname)}, ${report.startedAt} to ${report.finishedAt} (${report.scanner.scanType} scan, nmap ${report.scanner.nmapVersion ?? 'not used'}).`,
    '',
    `**${verdictLine(report)}**`,
    '',
  );

  const untested = untestedFindings(report);
  if (untested.length > 0) {
    out.push('## Could not be tested', '', 'These checks gave no verdict; the rows they decide are Not assessed.', '');
    for (const f of untested) out.push(`- ${STATUS_LABEL[f.status]} ${text(targetText(f))}: ${text(f.message)}`);
    out.push('');
  }

  out.push(...changesSection(report), ...waiversSection(report));

  out.push('## Connection (A.1.2.1)', '', '| Gateway | Host |', '|---|---|');
  for (const g of c.gateways) out.push(`| ${cell(g.name)} | ${cell(g.host)} |`);
  out.push('', '| Flow | Protocol | Port | Transport |', '|---|---|---|---|');
  for (const f of c.flows) out.push(`| ${cell(f.name)} | ${cell(f.protocol)} | ${f.port} | ${f.transport} |`);
  out.push('', '**Onward connections (CoCo-3):** ');
  if (c.onwardConnections.length === 0) out.push('none declared.');
  for (const o of c.onwardConnections) out.push(`- ${text(o.name)}: ${text(o.description)}${o.destination ? ` (to ${text(o.destination)})` : ''}`);
  out.push('');

  for (const section of rowsBySection(report)) {
    out.push(`## ${text(section.title)}`, '', '| Ref | Control | Compliance | Owner/Reference | Solution/Comments |', '|---|---|---|---|---|');
    for (const row of section.rows) {
      if (row.heading) {
        out.push(`| **${cell(row.ref)}** | **${cell(row.title)}** | | | |`);
        continue;
      }
      const comment = row.source === 'open' ? `_${cell(row.comment)}_` : cell(row.comment);
      out.push(`| ${cell(row.ref)} | ${cell(row.title)} | ${cell(complianceLabel(row))} | ${cell(ownerReference(row, report))} | ${comment} |`);
    }
    out.push('');
  }

  out.push('## Findings', '', '| Status | Finding | Target | Message |', '|---|---|---|---|');
  for (const f of report.findings) {
    out.push(`| ${STATUS_LABEL[f.status]} | ${cell(f.id)} | ${cell(targetText(f))} | ${cell(f.message)} |`);
  }
  out.push('', '## Evidence', '');
  for (const f of report.findings) out.push(...evidenceBlock(f));
  out.push('## Artefacts', '', 'Check them with `sha256sum -c evidence/manifest.sha256` from this folder.', '', '| File | SHA-256 | Bytes |', '|---|---|---|');
  for (const a of report.artefacts) out.push(`| ${cell(a.path)} | \`${a.sha256}\` | ${a.bytes} |`);
  out.push('');
  return out.join('\n');
}

function changesSection(report: RunReport): string[] {
  if (!report.changes) return [];
  const { since, items } = report.changes;
  const lines = [`## Changes since ${since.startedAt.slice(0, 10)} (${since.kind === 'baseline' ? 'approved baseline' : 'previous run'} ${text(since.id)})`, ''];
  if (items.length === 0) lines.push('Nothing changed.');
  for (const c of items) lines.push(`- ${c.regression ? '**worse:** ' : ''}${text(describeChange(c))}`);
  lines.push('');
  return lines;
}

function waiversSection(report: RunReport): string[] {
  const waived = report.rows.filter((r) => r.waiver);
  const unmatched = report.summary.waivers?.unmatched ?? [];
  if (waived.length === 0 && unmatched.length === 0) return [];
  const lines = ['## Waivers', ''];
  for (const r of waived) {
    const w = r.waiver!;
    lines.push(`- ${text(r.ref)} (${r.compliance}): ${w.status === 'active' ? `waived until ${w.expires}` : `waiver EXPIRED on ${w.expires}: counts again`}; approved by ${text(w.approvedBy)}; ${text(w.justification)}; plan: ${text(w.plan)}`);
  }
  for (const u of unmatched) lines.push(`- Matched nothing (remove it?): ${text(u)}`);
  lines.push('');
  return lines;
}

function evidenceBlock(f: ReportFinding): string[] {
  const e = f.evidence;
  const lines = [`### ${text(f.key)}`, '', `- Status: ${STATUS_LABEL[f.status]} (${f.severity})`, `- Source: ${text(e.source)}, ${e.time}`];
  if (e.expected) lines.push(`- Expected: ${text(e.expected)}`);
  if (e.actual) lines.push(`- Actual: ${text(e.actual)}`);
  if (e.artefacts?.length) lines.push(`- Artefacts: ${e.artefacts.map(text).join(', ')}`);
  if (e.raw) lines.push('', ...fenced(e.raw));
  lines.push('');
  return lines;
}

/** Text from targets and files may hold markup; Markdown viewers render HTML, so it is escaped. */
function text(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r?\n/g, ' ');
}

function cell(value: string): string {
  return text(value).replace(/\|/g, '\\|');
}

/** A fence longer than any backtick run inside, so raw data cannot close it. */
function fenced(raw: string): string[] {
  const longest = Math.max(2, ...[...raw.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return [`${fence}text`, raw, fence];
}
