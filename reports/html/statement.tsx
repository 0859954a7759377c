import type { ReportRow, RunReport } from '../../src/report/schema.ts';
import { portCounts } from '../ports-svg.ts';
import { complianceLabel, ownerReference, statementColumns, statementText } from '../view-model.ts';
import { cls, Table } from './parts.tsx';
import { PortsChart } from './ports-chart.tsx';

export function Connection({ report }: { report: RunReport }) {
  const c = report.connection;
  const { headings } = statementText(report);
  return (
    <section id="connection">
      <h2>{headings.connection}</h2>
      <h3>{headings.gateways}</h3>
      <Table>
        <thead>
          <tr>
            <th>Gateway</th>
            <th>Host</th>
          </tr>
        </thead>
        <tbody>
          {c.gateways.map((g) => (
            <tr>
              <td>{g.name}</td>
              <td class="mono">{g.host}</td>
            </tr>
          ))}
        </tbody>
      </Table>
      <PortsFigures report={report} />
      <h3>{headings.flows}</h3>
      <Table>
        <thead>
          <tr>
            <th>Flow</th>
            <th>Protocol</th>
            <th>Port</th>
            <th>Transport</th>
          </tr>
        </thead>
        <tbody>
          {c.flows.map((f) => (
            <tr>
              <td>{f.name}</td>
              <td>{f.protocol}</td>
              <td>{f.port}</td>
              <td>{f.transport}</td>
            </tr>
          ))}
        </tbody>
      </Table>
      <p>
        <strong>{headings.onwardConnections}:</strong> {c.onwardConnections.length === 0 ? 'none declared.' : null}
      </p>
      {c.onwardConnections.length === 0 ? null : (
        <ul>
          {c.onwardConnections.map((o) => (
            <li>
              {o.name}: {o.description}
              {o.destination ? ` (to ${o.destination})` : null}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** Per gateway, the ports swept as a picture: declared and undeclared open ports, filtered and closed ones. */
function PortsFigures({ report }: { report: RunReport }) {
  return (
    <>
      <h3>Ports swept</h3>
      <div class="ports">
        {portCounts(report).map((counts) => (
          <figure>
            <PortsChart counts={counts} />
            <figcaption>{counts.gateway} (bar lengths on a logarithmic scale)</figcaption>
          </figure>
        ))}
      </div>
    </>
  );
}

export function StatementSection({ id, title, rows, report }: { id: string; title: string; rows: ReportRow[]; report: RunReport }) {
  return (
    <section id={`section-${id}`}>
      <h2>{title}</h2>
      <Table class="statement cards">
        <thead>
          <tr>
            {statementColumns(report).map((name) => (
              <th>{name}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <StatementRow row={row} report={report} columns={statementColumns(report)} />
          ))}
        </tbody>
      </Table>
    </section>
  );
}

/** One row of the statement; `columns` names each cell for the one-card-per-row layout on a phone. */
function StatementRow({ row, report, columns }: { row: ReportRow; report: RunReport; columns: string[] }) {
  const [ref, control, compliance, owner, comments] = columns;
  if (row.heading) {
    return (
      <tr class="heading">
        <td>{row.ref}</td>
        <td colspan={4}>{row.title}</td>
      </tr>
    );
  }
  const value = complianceLabel(row);
  const source = row.source === 'measured' ? 'measured' : row.source === 'answered' ? 'answered' : 'open';
  return (
    <tr id={`row-${row.ref}`}>
      <td data-label={ref}>{row.ref}</td>
      <td data-label={control}>{row.title}</td>
      <td data-label={compliance}>
        <span class={`compliance ${cls(value)}`}>{value}</span>
        <br />
        <small>{source}</small>
      </td>
      <td data-label={owner}>{ownerReference(row, report)}</td>
      <td data-label={comments}>{row.source === 'open' ? <span class="guidance">{row.comment}</span> : row.comment}</td>
    </tr>
  );
}

/** Blanks for the person who signs the statement. */
export function Declaration({ report }: { report: RunReport }) {
  return (
    <section id="declaration" class="declaration">
      <h2>Declaration</h2>
      <p>
        Signed for {report.connection.connection.organisation}: I have read this statement and the evidence behind it, and answered the rows
        left to a person.
      </p>
      <Table>
        <tbody>
          {['Name', 'Role', 'Signature', 'Date'].map((label) => (
            <tr>
              <th>{label}</th>
              <td></td>
            </tr>
          ))}
        </tbody>
      </Table>
    </section>
  );
}
