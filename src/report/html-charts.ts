import type { AuditRun, Severity } from '../assess/model.ts';
import { html, type Markup } from './html-template.ts';
import { countEntries, displayDate, oneDecimal, percent, rotationSeries, SEVERITIES_DESC, SEVERITY_LABEL, totalFindings } from './run-facts.ts';
import { barChart, lineChart, radarChart, type Bar } from './svg-charts.ts';

/** Bar colours by severity: the same as the badges of the style sheet. */
export const SEVERITY_COLOR: Readonly<Record<Severity, string>> = { critical: '#7f1d1d', high: '#b91c1c', medium: '#b45309', low: '#1d4ed8', info: '#475569' };

/** More environments than this are summed up as "other" so the chart stays legible. */
const MAX_ENVIRONMENT_BARS = 10;

/** The four charts of the report, each with its numbers in a table for readers who cannot see it. */
export function reportCharts(run: AuditRun): Markup {
  return html`<div class="charts">${[severityChart(run), rotationChart(run), environmentChart(run), maturityChart(run)]}</div>`;
}

function severityChart(run: AuditRun): Markup {
  const counts = run.metrics.findingsBySeverity;
  const bars: Bar[] = SEVERITIES_DESC.map((s) => ({ label: SEVERITY_LABEL[s], value: counts[s], color: SEVERITY_COLOR[s] }));
  const total = totalFindings(run);
  const description = `${total} findings: ${SEVERITIES_DESC.map((s) => `${counts[s]} ${s}`).join(', ')}.`;
  const chart = barChart({ id: 'chart-severity', title: 'Findings by severity', description }, bars, { emptyText: 'No findings' });
  return figure('Findings by severity', chart, ['Severity', 'Findings'], bars.map((b) => [b.label, b.value]));
}

function rotationChart(run: AuditRun): Markup {
  const series = rotationSeries(run);
  const points = series.map((p) => ({ label: displayDate(p.at), value: p.value, detail: p.runId === run.id ? 'this run' : `run ${p.runId}` }));
  const measured = series.filter((p) => p.value !== null);
  const description =
    measured.length === 0
      ? 'No run has measured rotation compliance yet.'
      : `Share of keys rotated within their period over ${series.length} runs; this run: ${percent(run.metrics.rotationCompliancePct)}.`;
  const chart = lineChart({ id: 'chart-rotation', title: 'Rotation compliance over time', description }, points, { emptyText: 'No rotation data yet', max: 100, unit: '%' });
  return figure('Rotation compliance over time', chart, ['Run', 'Date', 'Rotation compliance'], series.map((p) => [p.runId === run.id ? `${p.runId} (this run)` : p.runId, displayDate(p.at), percent(p.value)]));
}

function environmentChart(run: AuditRun): Markup {
  const entries = countEntries(run.metrics.keys.byEnvironment);
  const shown = entries.slice(0, MAX_ENVIRONMENT_BARS);
  const rest = entries.slice(MAX_ENVIRONMENT_BARS).reduce((sum, [, v]) => sum + v, 0);
  const bars: Bar[] = [...shown.map(([label, value]) => ({ label, value })), ...(rest > 0 ? [{ label: `other (${entries.length - shown.length})`, value: rest }] : [])];
  const description = entries.length === 0 ? 'No keys were found.' : `${run.metrics.keys.total} keys in ${entries.length} environments: ${entries.map(([e, v]) => `${e} ${v}`).join(', ')}.`;
  const chart = barChart({ id: 'chart-environments', title: 'Keys by environment', description }, bars, { emptyText: 'No keys' });
  return figure('Keys by environment', chart, ['Environment', 'Keys'], entries);
}

function maturityChart(run: AuditRun): Markup {
  const m = run.maturity;
  const axes = Object.entries(m.dimensions).map(([label, value]) => ({ label, value }));
  const headline = `Overall: level ${m.level} · ${m.label}`;
  const description = `Overall maturity level ${m.level} of 5 (${m.label}). By dimension: ${axes.map((a) => `${a.label} ${oneDecimal(a.value)}`).join(', ') || 'none'}.`;
  const chart = radarChart({ id: 'chart-maturity', title: 'Maturity by dimension', description }, axes, { emptyText: 'No dimensions assessed', max: 5, headline });
  return figure(`Maturity by dimension (overall level ${m.level})`, chart, ['Dimension', 'Level (1–5)'], axes.map((a) => [a.label, oneDecimal(a.value)]));
}

function figure(caption: string, chart: Markup, headers: readonly string[], rows: readonly (readonly (string | number)[])[]): Markup {
  const table = html`<table><thead><tr>${headers.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead><tbody>${rows.map(
    (row) => html`<tr>${row.map((cell) => (typeof cell === 'number' ? html`<td class="num">${cell}</td>` : html`<td>${cell}</td>`))}</tr>`,
  )}</tbody></table>`;
  return html`<figure class="chart-box"><figcaption>${caption}</figcaption>${chart}<details class="data"><summary>Data</summary>${table}</details></figure>`;
}
