import type { ReportFinding, RunReport } from '../../src/report/schema.ts';
import { describeChange } from '../../src/history/diff.ts';
import { unmatchedWaiver, waiverAlarm, waiverSentence } from '../../src/waivers/wording.ts';
import {
  failingFindings,
  findingBadge,
  scorecard,
  statementColumns,
  statementText,
  statusLabel,
  targetText,
  untestedFindings,
  untestedLines,
  verdictLine,
} from '../view-model.ts';
import { verdictTimeline } from '../timeline.ts';
import { Badge, cls, Table } from './parts.tsx';
import { TimelineChart } from './timeline-chart.tsx';

/** One line per automated row, per gateway when there are several: what a signatory reads first. */
export function Scorecard({ report }: { report: RunReport }) {
  const [ref, control, compliance] = statementColumns(report);
  return (
    <section class="scorecard" id="scorecard">
      <h2>Scorecard</h2>
      {scorecard(report).map((group) => (
        <>
          {group.gateway === null ? null : <h3>Gateway {group.gateway}</h3>}
          {/* On a phone each line is a card: ref, control, verdict and reason read without their column names. */}
          <Table class="scorecard cards">
            <thead>
              <tr>
                <th>{ref}</th>
                <th>{control}</th>
                <th>{compliance}</th>
                <th>Reason</th>
              </tr>
            </thead>
            <tbody>
              {group.lines.map((l) => (
                <tr>
                  <td>
                    <a href={`#row-${l.ref}`}>{l.ref}</a>
                  </td>
                  <td>{l.title}</td>
                  <td>
                    <span class={`compliance ${cls(l.compliance)}`}>{l.compliance}</span>
                  </td>
                  <td>{l.reason}</td>
                </tr>
              ))}
            </tbody>
          </Table>
        </>
      ))}
    </section>
  );
}

/** The table of contents: every section of the page, the statement's own sections by their profile titles. */
export function Contents({ report }: { report: RunReport }) {
  const { headings } = statementText(report);
  const entries: [id: string, title: string][] = [
    ['summary', 'Summary'],
    ...(report.changes ? [['changes', 'Changes'] as [string, string]] : []),
    ...(verdictTimeline(report) ? [['timeline', 'Verdict history'] as [string, string]] : []),
    ...(hasWaivers(report) ? [['waivers', 'Waivers'] as [string, string]] : []),
    ['connection', headings.connection],
    ...report.sections.map((s): [string, string] => [`section-${s.id}`, s.title]),
    ['declaration', 'Declaration'],
    ['findings', 'Findings'],
    ['evidence', 'Evidence'],
    ['artefacts', 'Artefacts'],
  ];
  return (
    <nav class="contents" aria-label="Contents">
      <h2>Contents</h2>
      <ol>
        {entries.map(([id, title]) => (
          <li>
            <a href={`#${id}`}>{title}</a>
          </li>
        ))}
      </ol>
    </nav>
  );
}

function FindingList({ report, findings }: { report: RunReport; findings: ReportFinding[] }) {
  return (
    <ul>
      {findings.map((f) => (
        <li>
          <Badge report={report} finding={f} /> {targetText(f)}: {f.message}
        </li>
      ))}
    </ul>
  );
}

export function Summary({ report }: { report: RunReport }) {
  const failing = failingFindings(report);
  const notes = failing.filter((f) => findingBadge(report, f).tone === 'note');
  const failed = failing.filter((f) => !notes.includes(f));
  const untested = untestedFindings(report);
  return (
    <section id="summary" class={`summary ${cls(report.summary.verdict)}`}>
      <h2>Summary</h2>
      <p class="verdict">{verdictLine(report)}</p>
      {failed.length ? (
        <>
          <h3>Failed ({failed.length})</h3>
          <FindingList report={report} findings={failed} />
        </>
      ) : (
        <p>No check failed.</p>
      )}
      {notes.length ? (
        <>
          <h3>Notes ({notes.length})</h3>
          <p>These failures are named in a row's comment; they do not change its verdict.</p>
          <FindingList report={report} findings={notes} />
        </>
      ) : null}
      {untested.length ? (
        <>
          <h3>Could not be tested ({untested.length})</h3>
          <p>These checks gave no verdict; the rows they decide are Not assessed.</p>
          <ul>
            {untestedLines(report).map((line) => (
              <li>
                <span class={`badge ${cls(line.status)}`}>{statusLabel(line.status)}</span> {line.text}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}

export function Changes({ report }: { report: RunReport }) {
  if (!report.changes) return null;
  const { since, items } = report.changes;
  return (
    <section id="changes">
      <h2>Changes since {since.startedAt.slice(0, 10)}</h2>
      <p>
        Compared with the {since.kind === 'baseline' ? 'approved baseline' : 'previous run'} {since.id}.
      </p>
      {items.length === 0 ? (
        <p>Nothing changed.</p>
      ) : (
        <ul>
          {items.map((c) => (
            <li>
              {c.regression ? (
                <>
                  <strong class="fail">worse:</strong>{' '}
                </>
              ) : null}
              {describeChange(c)}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** Each automated row's verdict across the runs the history kept, as a picture (with its words in the description). */
export function Timeline({ report }: { report: RunReport }) {
  const model = verdictTimeline(report);
  if (!model) return null;
  const runs =
    model.runs.length === 1 ? 'first run kept in the history' : `last ${model.runs.length} runs kept in the history, oldest first`;
  return (
    <section id="timeline">
      <h2>Verdict history</h2>
      <p>Each automated row's verdict in the {runs}.</p>
      <figure class="timeline">
        <TimelineChart model={model} />
      </figure>
    </section>
  );
}

function hasWaivers(report: RunReport): boolean {
  return report.rows.some((r) => r.waiver) || (report.summary.waivers?.unmatched.length ?? 0) > 0;
}

type WaiverNote = NonNullable<RunReport['rows'][number]['waiver']>;

/** The shared waiver sentence, its alarm words (an expired waiver) marked. */
function WaiverText({ note }: { note: WaiverNote }) {
  const sentence = waiverSentence(note);
  const alarm = waiverAlarm(note);
  if (alarm === null || !sentence.startsWith(alarm)) return <>{sentence}</>;
  return (
    <>
      <strong class="fail">{alarm}</strong>
      {sentence.slice(alarm.length)}
    </>
  );
}

export function Waivers({ report }: { report: RunReport }) {
  if (!hasWaivers(report)) return null;
  return (
    <section id="waivers">
      <h2>Waivers</h2>
      <ul>
        {report.rows.map((r) =>
          r.waiver ? (
            <li>
              <strong>{r.ref}</strong> ({r.compliance ?? ''}): <WaiverText note={r.waiver} />
            </li>
          ) : null,
        )}
        {(report.summary.waivers?.unmatched ?? []).map((u) => (
          <li>{unmatchedWaiver(u)}</li>
        ))}
      </ul>
    </section>
  );
}
