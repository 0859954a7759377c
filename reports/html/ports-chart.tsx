import type { PortCounts } from '../ports-svg.ts';

const WIDTH = 520;
const LABEL = 190;
const BAR = WIDTH - LABEL - 70;
const ROW = 24;

/**
 * One gateway's ports as a bar chart in inline SVG: no script, no style element, nothing fetched, so it lives
 * under the report's content-security policy. Bars are on a logarithmic scale (a handful of open ports beside
 * sixty thousand filtered ones); every bar carries its number.
 */
export function PortsChart({ counts }: { counts: PortCounts }) {
  const bars: [label: string, value: number | null, colour: string][] = [
    ['Declared, open', counts.declaredOpen, '#00703c'],
    ['Undeclared, open', counts.undeclaredOpen, '#d4351c'],
    ['Undeclared, filtered', counts.filtered, '#505a5f'],
    ['Undeclared, closed (reset)', counts.closed, '#b35900'],
  ];
  const max = Math.max(1, ...bars.map(([, v]) => v ?? 0));
  const length = (v: number) => (v === 0 ? 0 : Math.max(2, Math.round((Math.log10(v + 1) / Math.log10(max + 1)) * BAR)));
  const summary = `${counts.gateway}: ${bars.map(([label, v]) => `${label}: ${v ?? 'not measured'}`).join('; ')}`;
  const height = bars.length * ROW + 8;
  return (
    <svg
      class="ports"
      xmlns="http://www.w3.org/2000/svg"
      width={WIDTH}
      height={height}
      viewBox={`0 0 ${WIDTH} ${height}`}
      role="img"
      aria-label={summary}
    >
      <title>{`${summary} (logarithmic scale)`}</title>
      {bars.map(([label, v, colour], i) => {
        const y = i * ROW + 4;
        const bar = v === null ? 0 : length(v);
        return (
          <>
            <text x={0} y={y + 15} font-size={12}>
              {label}
            </text>
            <rect x={LABEL} y={y + 3} width={bar} height={16} fill={colour} />
            <text x={LABEL + bar + 6} y={y + 15} font-size={12}>
              {v === null ? 'not measured' : String(v)}
            </text>
          </>
        );
      })}
    </svg>
  );
}
