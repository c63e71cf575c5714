import { trusted, type Markup } from './html-template.ts';

/**
 * The report's style sheet, inlined: system fonts only (no web font to fetch), colours with at
 * least 4.5:1 contrast for their text, a status never told by colour alone (each badge has a
 * word and a sign), and print rules (A4, no navigation, tables that do not split rows).
 */
export const REPORT_CSS: Markup = trusted(`
:root { --text: #1e293b; --muted: #475569; --line: #cbd5e1; --soft: #f1f5f9; --accent: #1d4ed8; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; color: var(--text); background: #ffffff; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
.page { max-width: 1120px; margin: 0 auto; padding: 0 24px 48px; }
header.masthead { background: #0f172a; color: #f8fafc; padding: 28px 0 22px; margin-bottom: 8px; }
header.masthead .page { padding-bottom: 0; }
header.masthead h1 { margin: 0 0 4px; font-size: 28px; letter-spacing: -0.01em; }
header.masthead p { margin: 0; color: #cbd5e1; }
header.masthead dl { display: grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); gap: 4px 24px; margin: 16px 0 0; }
header.masthead dt { font-size: 12px; text-transform: uppercase; letter-spacing: 0.06em; color: #94a3b8; }
header.masthead dd { margin: 0; color: #f8fafc; overflow-wrap: anywhere; }
nav.toc { border-bottom: 1px solid var(--line); padding: 10px 0; margin-bottom: 8px; }
nav.toc ol { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 4px 18px; }
nav.toc a { color: var(--accent); text-decoration: none; }
nav.toc a:hover, nav.toc a:focus { text-decoration: underline; }
h2 { font-size: 22px; margin: 36px 0 12px; padding-bottom: 6px; border-bottom: 2px solid var(--text); }
h3 { font-size: 17px; margin: 24px 0 8px; }
p.lead { color: var(--muted); margin-top: 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 12px; margin: 12px 0; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; background: #ffffff; }
.card .value { font-size: 26px; font-weight: 700; line-height: 1.1; }
.card .label { color: var(--muted); font-size: 13px; }
.card.sev-critical { border-top: 5px solid #7f1d1d; } .card.sev-high { border-top: 5px solid #b91c1c; }
.card.sev-medium { border-top: 5px solid #b45309; } .card.sev-low { border-top: 5px solid #1d4ed8; } .card.sev-info { border-top: 5px solid #475569; }
.maturity { display: grid; grid-template-columns: minmax(160px, 220px) 1fr; gap: 20px; align-items: start; border: 1px solid var(--line); border-radius: 8px; padding: 16px; }
.maturity .level { text-align: center; }
.maturity .level .value { font-size: 56px; font-weight: 800; line-height: 1; color: var(--accent); }
.maturity .level .label { font-weight: 600; }
.maturity ul { margin: 0; padding-left: 20px; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(440px, 1fr)); gap: 16px; align-items: start; }
figure.chart-box { margin: 0; border: 1px solid var(--line); border-radius: 8px; padding: 12px; break-inside: avoid; }
figure.chart-box figcaption { font-weight: 600; margin-bottom: 6px; }
svg.chart { display: block; max-width: 100%; height: auto; font-family: inherit; }
details.data { margin-top: 6px; font-size: 13px; }
details.data summary { cursor: pointer; color: var(--accent); }
table { border-collapse: collapse; width: 100%; margin: 8px 0 16px; font-size: 14px; }
caption { text-align: left; font-weight: 600; padding: 4px 0; color: var(--muted); }
th, td { border: 1px solid var(--line); padding: 6px 8px; text-align: left; vertical-align: top; overflow-wrap: break-word; }
thead th { background: var(--soft); font-weight: 600; }
tbody tr:nth-child(even) { background: #f8fafc; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 700; white-space: nowrap; color: #ffffff; border: 1px solid transparent; }
.sev-critical .badge, .badge.sev-critical { background: #7f1d1d; } .badge.sev-high { background: #b91c1c; }
.badge.sev-medium { background: #b45309; } .badge.sev-low { background: #1d4ed8; } .badge.sev-info { background: #475569; }
.badge.st-passed, .badge.cl-done { background: #15803d; }
.badge.st-failed, .badge.cl-missing { background: #b91c1c; }
.badge.cl-partial { background: #b45309; }
.badge.st-error { background: #6b21a8; }
.badge.st-not-assessed, .badge.cl-not-assessed { background: #ffffff; color: #334155; border: 1px dashed #64748b; font-style: italic; }
article.check { border: 1px solid var(--line); border-left: 5px solid #b91c1c; border-radius: 6px; padding: 4px 16px 8px; margin: 16px 0; break-inside: auto; }
article.check.sev-critical { border-left-color: #7f1d1d; } article.check.sev-medium { border-left-color: #b45309; }
article.check.sev-low { border-left-color: #1d4ed8; } article.check.sev-info { border-left-color: #475569; }
article.check h3 { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
.check-id { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 14px; color: var(--muted); }
ul.refs { display: flex; flex-wrap: wrap; gap: 6px; list-style: none; padding: 0; margin: 4px 0 8px; }
ul.refs li { background: var(--soft); border: 1px solid var(--line); border-radius: 4px; padding: 0 6px; font-size: 12px; }
ul.evidence { margin: 0; padding-left: 16px; }
.kind { display: inline-block; font-size: 11px; text-transform: uppercase; letter-spacing: 0.04em; color: var(--muted); }
.mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; overflow-wrap: anywhere; }
.unanswered { border: 1px dashed #64748b; border-radius: 8px; padding: 4px 16px; background: repeating-linear-gradient(135deg, #ffffff, #ffffff 10px, #f8fafc 10px, #f8fafc 20px); }
.muted { color: var(--muted); }
footer { margin-top: 40px; padding-top: 12px; border-top: 1px solid var(--line); color: var(--muted); font-size: 13px; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
@media (max-width: 640px) { .maturity { grid-template-columns: 1fr; } .charts { grid-template-columns: 1fr; } }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { font-size: 10.5pt; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  nav.toc, details.data { display: none; }
  header.masthead { padding: 12px 0; }
  .page { max-width: none; padding: 0; }
  h2 { break-after: avoid; }
  h3 { break-after: avoid; }
  tr, .card, figure.chart-box, .maturity { break-inside: avoid; }
  thead { display: table-header-group; }
  .charts { grid-template-columns: 1fr 1fr; }
}
`);
