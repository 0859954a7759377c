import type { RunReport } from '../src/report/schema.ts';
import { h } from 'preact';
import { renderToString } from 'preact-render-to-string';
import { PortsChart } from './html/ports-chart.tsx';
import { shownReport } from './html/shown.ts';

export interface PortCounts {
  gateway: string;
  declaredOpen: number;
  undeclaredOpen: number;
  /** Undeclared TCP ports dropped or refused with ICMP; null when the sweep's tally is not in the report. */
  filtered: number | null;
  /** Undeclared TCP ports that answered with a reset (closed, not filtered); null as above. */
  closed: number | null;
}

/**
 * What the sweep saw of each gateway, from the report's typed parts only: the open ports observed, split by
 * the connection's declared flows, and the firewall probe's tally of the undeclared TCP ports.
 */
export function portCounts(report: RunReport): PortCounts[] {
  const declared = new Set(report.connection.flows.map((f) => `${f.port}/${f.transport}`));
  const open = (report.observations ?? []).filter((o) => o.kind === 'open-port');
  return report.connection.gateways.map((g) => {
    const own = open.filter((o) => o.gateway === g.name);
    const isDeclared = (o: (typeof own)[number]) => declared.has(`${o.port}/${o.transport}`);
    const tally = report.findings.find((f) => f.id === 'firewall.filtering' && f.target.gateway === g.name)?.data;
    const count = (key: string) => (tally && typeof tally[key] === 'number' ? tally[key] : undefined);
    const dropped = count('dropped');
    const refused = count('icmp-refused');
    const reset = count('reset');
    return {
      gateway: g.name,
      declaredOpen: own.filter(isDeclared).length,
      undeclaredOpen: own.filter((o) => !isDeclared(o)).length,
      filtered: dropped === undefined || refused === undefined ? null : dropped + refused,
      closed: reset ?? null,
    };
  });
}

/** One gateway's chart as SVG markup, for callers outside report.html (the page itself renders `PortsChart`). */
export function portsSvg(counts: PortCounts): string {
  return renderToString(h(PortsChart, { counts: shownReport(counts) }));
}
