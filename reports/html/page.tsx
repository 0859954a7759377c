import type { RunReport } from '../../src/report/schema.ts';
import { partyLines, protectiveMarking, readableTime, rowsBySection, statementTitle } from '../view-model.ts';
import { Artefacts, Evidence, Findings } from './evidence.tsx';
import { Changes, Contents, Scorecard, Summary, Timeline, Waivers } from './overview.tsx';
import { Connection, Declaration, StatementSection } from './statement.tsx';
import { pageCss } from './style.ts';

/** The content-security policy of the page: no script, nothing fetched, only the one inline style element. */
const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'";

/** The whole page. Every value is text to preact-render-to-string, which escapes it; the CSS is the one raw part. */
export function ReportPage({ report }: { report: RunReport }) {
  const title = statementTitle(report);
  const marking = protectiveMarking(report);
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta http-equiv="Content-Security-Policy" content={REPORT_CSP} />
        <title>{title}</title>
        <style dangerouslySetInnerHTML={{ __html: pageCss(report) }} />
      </head>
      <body>
        <p class="marking">{marking}</p>
        <header>
          <h1>{title}</h1>
          <dl class="parties">
            {partyLines(report).map(([label, value]) => (
              <>
                <dt>{label}</dt>
                <dd>{value}</dd>
              </>
            ))}
          </dl>
          <p class="meta">{metaLine(report)}</p>
        </header>
        <Scorecard report={report} />
        <Contents report={report} />
        <Summary report={report} />
        <Changes report={report} />
        <Timeline report={report} />
        <Waivers report={report} />
        <Connection report={report} />
        {rowsBySection(report).map((section) => (
          <StatementSection id={section.id} title={section.title} rows={section.rows} report={report} />
        ))}
        <Declaration report={report} />
        <Findings report={report} />
        <Evidence report={report} />
        <Artefacts report={report} />
        <p class="marking">{marking}</p>
      </body>
    </html>
  );
}

function metaLine(report: RunReport): string {
  const { profile, tool, scanner } = report;
  return [
    `Profile ${profile.title} (${profile.id} ${profile.version})`,
    `cocoscan ${tool.version} on ${scanner.hostname}`,
    `${readableTime(report.startedAt)} to ${readableTime(report.finishedAt)}`,
    `${scanner.scanType} scan, nmap ${scanner.nmapVersion ?? 'not used'}`,
  ].join(' · ');
}
