import type { RunReport } from '../src/report/schema.ts';
import { htmlText } from './escape.ts';

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

const WIDTH = 520;
const LABEL = 190;
const BAR = WIDTH - LABEL - 70;
const ROW = 24;

/**
 * One gateway's ports as a bar chart in inline SVG: no script, no style element, nothing fetched, so it lives
 * under the report's content-security policy. Bars are on a logarithmic scale (a handful of open ports beside
 * sixty thousand filtered ones); every bar carries its number.
 */
export function portsSvg(counts: PortCounts): string {
  const bars: [label: string, value: number | null, colour: string][] = [
    ['Declared, open', counts.declaredOpen, '#00703c'],
    ['Undeclared, open', counts.undeclaredOpen, '#d4351c'],
    ['Undeclared, filtered', counts.filtered, '#505a5f'],
    ['Undeclared, closed (reset)', counts.closed, '#b35900'],
  ];
  const max = Math.max(1, ...bars.map(([, v]) => v ?? 0));
  const length = (v: number) => (v === 0 ? 0 : Math.max(2, Math.round((Math.log10(v + 1) / Math.log10(max + 1)) * BAR)));
  const summary = bars.map(([label, v]) => `${label}: ${v ?? 'not measured'}`).join('; ');
  const name = htmlText(counts.gateway);
  const rows = bars
    .map(([label, v, colour], i) => {
      const y = i * ROW + 4;
      const bar = v === null ? 0 : length(v);
      return (
        `<text x="0" y="${y + 15}" font-size="12">${label}</text>` +
        `<rect x="${LABEL}" y="${y + 3}" width="${bar}" height="16" fill="${colour}"/>` +
        `<text x="${LABEL + bar + 6}" y="${y + 15}" font-size="12">${v === null ? 'not measured' : v}</text>`
      );
    })
    .join('');
  return (
    `<svg class="ports" xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${bars.length * ROW + 8}" ` +
    `viewBox="0 0 ${WIDTH} ${bars.length * ROW + 8}" role="img" aria-label="${name}: ${htmlText(summary)}">` +
    `<title>${name}: ${htmlText(summary)} (logarithmic scale)</title>${rows}</svg>`
  );
}
