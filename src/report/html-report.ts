import type { AuditRun } from '../assess/model.ts';
import { reportCharts } from './html-charts.ts';
import { findingsSection, passedSection, unansweredSection } from './html-findings.ts';
import { checklistSection, masthead, metricsSection, remediationSection, summarySection, trendSection } from './html-sections.ts';
import { REPORT_CSS } from './html-style.ts';
import { html, type Markup } from './html-template.ts';
import { displayDate, displayTime, failedChecks, unansweredChecks } from './run-facts.ts';

export interface HtmlReportOptions {
  /** Named in the footer, e.g. `Keyward 0.1.0`. */
  readonly generator?: string;
}

/**
 * One self-contained HTML file: inline style and SVG, no script, nothing fetched. The
 * Content-Security-Policy says so to the browser too, so even a value that escaped escaping could
 * neither run nor call out. Same run in, same bytes out (no "generated at" time).
 */
export function renderHtml(run: AuditRun, options: HtmlReportOptions = {}): string {
  const sections: readonly { readonly id: string; readonly title: string; readonly body: Markup }[] = [
    { id: 'summary', title: 'Summary', body: summarySection(run) },
    { id: 'charts', title: 'Charts', body: reportCharts(run) },
    { id: 'checklist', title: 'Decision checklist', body: checklistSection(run) },
    { id: 'remediation', title: 'Remediation plan', body: remediationSection(run) },
    { id: 'findings', title: `Findings (${failedChecks(run).length} failed ${failedChecks(run).length === 1 ? 'check' : 'checks'})`, body: findingsSection(run) },
    { id: 'not-assessed', title: `Not assessed (${unansweredChecks(run).length})`, body: unansweredSection(run) },
    { id: 'passed', title: 'Passed checks', body: passedSection(run) },
    { id: 'trend', title: 'Trend', body: trendSection(run) },
    { id: 'metrics', title: 'Metrics', body: metricsSection(run) },
  ];
  const doc = html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; base-uri 'none'">
<meta name="generator" content="${options.generator ?? 'Keyward'}">
<title>Audit report ${run.scope.instanceId} ${displayDate(run.finishedAt)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
${masthead(run)}
<div class="page">
<nav class="toc" aria-label="Contents"><ol>${sections.map((s) => html`<li><a href="#${s.id}">${s.title}</a></li>`)}</ol></nav>
<main>
${sections.map((s) => html`<section id="${s.id}" aria-labelledby="${s.id}-h"><h2 id="${s.id}-h">${s.title}</h2>
${s.body}
</section>
`)}</main>
<footer>${options.generator ?? 'Keyward'} · audit run ${run.id} · started ${displayTime(run.startedAt)}, finished ${displayTime(run.finishedAt)}</footer>
</div>
</body>
</html>
`;
  return doc.text;
}
