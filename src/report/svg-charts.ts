import { html, type Markup } from './html-template.ts';
import { oneDecimal } from './run-facts.ts';

/**
 * Small inline SVG charts: no script, no external file, readable on paper. Each has a <title> and
 * a <desc> that say what it shows (screen readers read them; role="img"), and every mark has its
 * own <title> with the exact value. Colours are fixed here, never taken from data.
 */

export interface ChartFrame {
  /** Unique in the document; used for the title and description ids. */
  readonly id: string;
  readonly title: string;
  readonly description: string;
}

export interface Bar {
  readonly label: string;
  readonly value: number;
  /** A colour from this module's palette (or the accent when absent). */
  readonly color?: string;
}

export const PALETTE = {
  accent: '#1d4ed8',
  line: '#0f766e',
  grid: '#e2e8f0',
  axis: '#94a3b8',
  text: '#1e293b',
  muted: '#475569',
} as const;

const WIDTH = 480;
const FONT = 12;

/** Horizontal bars, one row each. `max` fixes the scale (maturity levels); by default the largest value. */
export function barChart(frame: ChartFrame, bars: readonly Bar[], options: { readonly emptyText: string; readonly max?: number; readonly valueText?: (value: number) => string }): Markup {
  if (bars.length === 0) return emptyChart(frame, options.emptyText);
  const labelWidth = 132;
  const valueRoom = 56;
  const room = WIDTH - labelWidth - valueRoom;
  const rowHeight = 28;
  const height = bars.length * rowHeight + 12;
  const max = Math.max(options.max ?? 0, ...bars.map((b) => b.value));
  const show = options.valueText ?? ((v: number) => String(v));
  const rows = bars.map((bar, i) => {
    const y = 6 + i * rowHeight;
    const width = max > 0 ? (room * Math.max(0, bar.value)) / max : 0;
    return html`<g><title>${bar.label}: ${show(bar.value)}</title>
<text x="${labelWidth - 8}" y="${n(y + 18)}" text-anchor="end" font-size="${FONT}" fill="${PALETTE.text}">${shorten(bar.label, 20)}</text>
<rect x="${labelWidth}" y="${n(y + 5)}" width="${n(width)}" height="18" rx="2" fill="${bar.color ?? PALETTE.accent}"></rect>
<text x="${n(labelWidth + width + 6)}" y="${n(y + 18)}" font-size="${FONT}" fill="${PALETTE.text}">${show(bar.value)}</text></g>`;
  });
  return svg(frame, height, html`<line x1="${labelWidth}" y1="4" x2="${labelWidth}" y2="${height - 4}" stroke="${PALETTE.axis}"></line>${rows}`);
}

export interface LinePoint {
  /** Shown under the axis (a date). */
  readonly label: string;
  readonly value: number | null;
  /** Said in the point's tooltip, after the value. */
  readonly detail: string;
}

/** A line over time on a 0–`max` scale; null values leave a gap. The last point is drawn larger (this run). */
export function lineChart(frame: ChartFrame, points: readonly LinePoint[], options: { readonly emptyText: string; readonly max: number; readonly unit: string }): Markup {
  if (!points.some((p) => p.value !== null)) return emptyChart(frame, options.emptyText);
  const left = 48;
  // Room for half a date label right of the last point.
  const right = 40;
  const top = 14;
  const plotWidth = WIDTH - left - right;
  const plotHeight = 160;
  const height = top + plotHeight + 40;
  const x = (i: number): number => left + (points.length === 1 ? plotWidth / 2 : (plotWidth * i) / (points.length - 1));
  const y = (v: number): number => top + plotHeight * (1 - Math.min(Math.max(v, 0), options.max) / options.max);
  const grid = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const v = options.max * f;
    return html`<line x1="${left}" y1="${n(y(v))}" x2="${WIDTH - right}" y2="${n(y(v))}" stroke="${PALETTE.grid}"></line><text x="${left - 6}" y="${n(y(v) + 4)}" text-anchor="end" font-size="11" fill="${PALETTE.muted}">${oneDecimal(v)}${options.unit}</text>`;
  });
  const step = Math.ceil(points.length / 6);
  const xLabels = points.map((p, i) =>
    i % step === 0 || i === points.length - 1 ? html`<text x="${n(x(i))}" y="${top + plotHeight + 18}" text-anchor="middle" font-size="11" fill="${PALETTE.muted}">${p.label}</text>` : null,
  );
  const path = linePath(points.map((p, i) => (p.value === null ? null : ([x(i), y(p.value)] as const))));
  const marks = points.map((p, i) => {
    if (p.value === null) return null;
    const last = i === points.length - 1;
    return html`<circle cx="${n(x(i))}" cy="${n(y(p.value))}" r="${last ? 5.5 : 3.5}" fill="${last ? PALETTE.line : '#ffffff'}" stroke="${PALETTE.line}" stroke-width="2"><title>${p.label}: ${oneDecimal(p.value)}${options.unit} (${p.detail})</title></circle>`;
  });
  return svg(frame, height, html`${grid}${xLabels}<path d="${path}" fill="none" stroke="${PALETTE.line}" stroke-width="2.5" stroke-linejoin="round"></path>${marks}`);
}

export interface RadarAxis {
  readonly label: string;
  readonly value: number;
}

/**
 * A radar of values on a 0–`max` scale (maturity dimensions, 1–5), with a headline in the corner.
 * Fewer than three axes make no polygon: those are drawn as bars on the same scale.
 */
export function radarChart(frame: ChartFrame, axes: readonly RadarAxis[], options: { readonly emptyText: string; readonly max: number; readonly headline: string }): Markup {
  if (axes.length < 3) {
    return barChart(frame, axes, { emptyText: options.emptyText, max: options.max, valueText: (v) => `${oneDecimal(v)} / ${options.max}` });
  }
  const height = 320;
  const cx = WIDTH / 2;
  const cy = 172;
  const radius = 100;
  const angle = (i: number): number => -Math.PI / 2 + (2 * Math.PI * i) / axes.length;
  const at = (i: number, r: number): readonly [number, number] => [cx + r * Math.cos(angle(i)), cy + r * Math.sin(angle(i))];
  const polygon = (r: (i: number) => number): string => axes.map((_, i) => at(i, r(i)).map(n).join(',')).join(' ');
  const rings = Array.from({ length: options.max }, (_, k) => html`<polygon points="${polygon(() => (radius * (k + 1)) / options.max)}" fill="none" stroke="${PALETTE.grid}"></polygon>`);
  const spokes = axes.map((_, i) => {
    const [x2, y2] = at(i, radius);
    return html`<line x1="${cx}" y1="${cy}" x2="${n(x2)}" y2="${n(y2)}" stroke="${PALETTE.grid}"></line>`;
  });
  const scale = Array.from({ length: options.max }, (_, k) => html`<text x="${cx + 3}" y="${n(cy - (radius * (k + 1)) / options.max + 3)}" font-size="9" fill="${PALETTE.muted}">${k + 1}</text>`);
  const labels = axes.map((axis, i) => {
    const [lx, ly] = at(i, radius + 16);
    const cos = Math.cos(angle(i));
    const anchor = cos > 0.3 ? 'start' : cos < -0.3 ? 'end' : 'middle';
    const dy = Math.sin(angle(i)) > 0.5 ? 10 : Math.sin(angle(i)) < -0.5 ? -2 : 4;
    return html`<text x="${n(lx)}" y="${n(ly + dy)}" text-anchor="${anchor}" font-size="${FONT}" fill="${PALETTE.text}">${shorten(axis.label, 18)} (${oneDecimal(axis.value)})</text>`;
  });
  const clamp = (v: number): number => Math.min(Math.max(v, 0), options.max);
  const points = axes.map((axis, i) => {
    const [px, py] = at(i, (radius * clamp(axis.value)) / options.max);
    return html`<circle cx="${n(px)}" cy="${n(py)}" r="3.5" fill="${PALETTE.accent}"><title>${axis.label}: ${oneDecimal(axis.value)} of ${options.max}</title></circle>`;
  });
  const shape = html`<polygon points="${polygon((i) => (radius * clamp(axes[i]?.value ?? 0)) / options.max)}" fill="${PALETTE.accent}" fill-opacity="0.22" stroke="${PALETTE.accent}" stroke-width="2"></polygon>`;
  const headline = html`<text x="8" y="20" font-size="14" font-weight="600" fill="${PALETTE.text}">${options.headline}</text>`;
  return svg(frame, height, html`${headline}${rings}${spokes}${scale}${shape}${points}${labels}`);
}

function svg(frame: ChartFrame, height: number, body: Markup): Markup {
  return html`<svg class="chart" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-labelledby="${frame.id}-title ${frame.id}-desc"><title id="${frame.id}-title">${frame.title}</title><desc id="${frame.id}-desc">${frame.description}</desc>
${body}</svg>`;
}

function emptyChart(frame: ChartFrame, text: string): Markup {
  return svg(frame, 64, html`<text x="${WIDTH / 2}" y="38" text-anchor="middle" font-size="13" fill="${PALETTE.muted}">${text}</text>`);
}

/** `M x y L x y …`, starting a new segment after each gap. */
function linePath(points: readonly (readonly [number, number] | null)[]): string {
  let d = '';
  let drawing = false;
  for (const p of points) {
    if (p === null) {
      drawing = false;
      continue;
    }
    d += `${drawing ? 'L' : d ? ' M' : 'M'}${n(p[0])} ${n(p[1])} `;
    drawing = true;
  }
  return d.trim();
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Coordinates to 0.1 px: short, and the same on every machine. */
function n(value: number): number {
  return Math.round(value * 10) / 10;
}
