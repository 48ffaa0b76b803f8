import { formatRate } from '../logic/format';

export interface ChartSeries {
  readonly name: string;
  readonly points: ReadonlyArray<{ readonly at: number; readonly value: number }>;
}

/** Distinct on white and for common colour blindness (Okabe–Ito), with contrast ≥ 3:1 for lines. */
const COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#8a6d00', '#56B4E9', '#000000'];

export const seriesColour = (index: number) => COLOURS[index % COLOURS.length]!;

/**
 * A small line chart drawn as SVG: time on x, a value on y, one line per series.
 * Screen readers get a summary; the numbers are in the table beside it.
 */
export function LineChart({ series, title, width = 1000, height = 220, format = formatRate }: { series: readonly ChartSeries[]; title: string; width?: number; height?: number; format?: (v: number) => string }) {
  const pad = { left: 56, right: 12, top: 12, bottom: 24 };
  const all = series.flatMap((s) => s.points);
  const minAt = Math.min(...all.map((p) => p.at));
  const maxAt = Math.max(...all.map((p) => p.at));
  const maxValue = Math.max(1e-9, ...all.map((p) => p.value));
  const top = niceCeiling(maxValue);
  const x = (at: number) => pad.left + (maxAt === minAt ? 0 : ((at - minAt) / (maxAt - minAt)) * (width - pad.left - pad.right));
  const y = (value: number) => pad.top + (1 - value / top) * (height - pad.top - pad.bottom);
  const ticks = [0, top / 2, top];
  const spanSeconds = Math.round((maxAt - minAt) / 1000);
  const summary = `${title}: ${series.map((s) => `${s.name} ${format(s.points[s.points.length - 1]?.value ?? 0)}`).join(', ')} now, over the last ${spanSeconds} seconds`;
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={summary}>
        {ticks.map((t) => (
          <g key={t}>
            <line x1={pad.left} x2={width - pad.right} y1={y(t)} y2={y(t)} class="grid" />
            <text x={pad.left - 6} y={y(t) + 4} text-anchor="end" class="axis">
              {format(t)}
            </text>
          </g>
        ))}
        <text x={pad.left} y={height - 6} class="axis">
          {spanSeconds > 0 ? `${spanSeconds} s ago` : ''}
        </text>
        <text x={width - pad.right} y={height - 6} text-anchor="end" class="axis">
          now
        </text>
        {series.map((s, i) =>
          s.points.length > 1 ? (
            <polyline key={s.name} fill="none" stroke={seriesColour(i)} stroke-width={2.5} points={s.points.map((p) => `${x(p.at).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ')} />
          ) : s.points.length === 1 ? (
            <circle key={s.name} cx={x(s.points[0]!.at)} cy={y(s.points[0]!.value)} r={3} fill={seriesColour(i)} />
          ) : null,
        )}
      </svg>
      <figcaption class="legend">
        {series.map((s, i) => (
          <span key={s.name} class="legend-item">
            <span class="swatch" style={{ background: seriesColour(i) }} aria-hidden="true" />
            {s.name}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}

/** 1, 2, 5 × 10^n at or above the value, so the axis reads in round numbers. */
export function niceCeiling(value: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}
