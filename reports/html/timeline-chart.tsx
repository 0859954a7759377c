import { cut, markOf, summaryOf, VERDICT_MARKS, type TimelineModel } from '../timeline.ts';

const LABEL = 300;
const CELL = 22;
const STEP = 24;
const HEAD = 100;
const LEGEND = 34;
const DASHED = { stroke: '#b1b4b6', 'stroke-dasharray': '3 2' };

/**
 * The verdict timeline as inline SVG: no script, no style element, nothing fetched, so it lives under the report's
 * content-security policy. Each cell is a coloured square with the verdict's letter and a title naming row, run
 * and verdict; the description gives every row's verdicts in words. The engine escapes every text.
 */
export function TimelineChart({ model }: { model: TimelineModel }) {
  // Room on the right for the last column's slanted date.
  const width = LABEL + model.runs.length * STEP + 80;
  const height = HEAD + model.rows.length * STEP + LEGEND;
  const legendY = HEAD + model.rows.length * STEP + 12;
  let legendX = 0;
  const legend = Object.values(VERDICT_MARKS).map((mark) => {
    const x = legendX;
    legendX += 34 + mark.word.length * 7;
    return { mark, x };
  });
  const fullWidth = Math.max(width, legendX);
  const desc = model.rows.map((row) => `${row.ref} ${row.title}: ${row.cells.map((c) => markOf(c).word).join(', ')}.`).join(' ');
  return (
    <svg
      class="timeline"
      xmlns="http://www.w3.org/2000/svg"
      width={fullWidth}
      height={height}
      viewBox={`0 0 ${fullWidth} ${height}`}
      role="img"
      aria-labelledby="timeline-title timeline-desc"
    >
      <title id="timeline-title">{summaryOf(model)}</title>
      <desc id="timeline-desc">{desc}</desc>
      {model.runs.map((run, i) => {
        const x = LABEL + i * STEP + CELL / 2 + 4;
        const current = i === model.runs.length - 1;
        return (
          <text x={x} y={HEAD - 6} font-size={11} transform={`rotate(-60 ${x} ${HEAD - 6})`} {...(current ? { 'font-weight': 700 } : {})}>
            {run.label}
          </text>
        );
      })}
      {model.rows.map((row, r) => {
        const y = HEAD + r * STEP;
        return (
          <>
            <text x={0} y={y + 15} font-size={12}>
              <tspan font-weight={700}>{cut(row.ref, 16)}</tspan> {cut(row.title, 32)}
            </text>
            {row.cells.map((cell, i) => {
              const mark = markOf(cell);
              const x = LABEL + i * STEP;
              return (
                <g>
                  <title>{`${row.ref}, ${model.runs[i]!.label}: ${mark.word}`}</title>
                  <rect x={x} y={y} width={CELL} height={CELL} rx={3} fill={mark.fill} {...(cell === null ? DASHED : {})} />
                  <text x={x + CELL / 2} y={y + 15} font-size={12} font-weight={700} text-anchor="middle" fill={mark.ink}>
                    {mark.letter}
                  </text>
                </g>
              );
            })}
          </>
        );
      })}
      {legend.map(({ mark, x }) => (
        <>
          <rect x={x} y={legendY} width={16} height={16} rx={3} fill={mark.fill} {...(mark.fill === '#ffffff' ? DASHED : {})} />
          <text x={x + 8} y={legendY + 12} font-size={11} font-weight={700} text-anchor="middle" fill={mark.ink}>
            {mark.letter}
          </text>
          <text x={x + 20} y={legendY + 12} font-size={11}>
            {mark.word}
          </text>
        </>
      ))}
    </svg>
  );
}
