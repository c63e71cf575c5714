import type { AuditRun, ChecklistStatus } from '../assess/model.ts';
import { severityBadge } from './html-findings.ts';
import { html, type Markup } from './html-template.ts';
import {
  CHECKLIST_LABEL,
  countEntries,
  displayDate,
  displayTime,
  duration,
  findingsByFingerprint,
  oneDecimal,
  percent,
  remediationPlan,
  SEVERITIES_DESC,
  SEVERITY_LABEL,
  statusCounts,
  totalFindings,
} from './run-facts.ts';

export function masthead(run: AuditRun): Markup {
  const took = duration(run.startedAt, run.finishedAt);
  return html`<header class="masthead"><div class="page"><h1>Key management audit report</h1><p>${run.scope.description}</p>
<dl><div><dt>Instance</dt><dd>${run.scope.instanceId}</dd></div><div><dt>Run</dt><dd>${run.id}</dd></div>
<div><dt>Finished</dt><dd>${displayTime(run.finishedAt)}${took === null ? null : ` (took ${took})`}</dd></div>
<div><dt>Started by</dt><dd>${run.startedBy} · ${run.trigger}</dd></div></dl></div></header>`;
}

export function summarySection(run: AuditRun): Markup {
  const m = run.maturity;
  const status = statusCounts(run);
  const counts = run.metrics.findingsBySeverity;
  const metrics = run.metrics;
  return html`<div class="maturity"><div class="level"><div class="value" aria-hidden="true">${m.level}</div><div class="label">Maturity level ${m.level} of 5</div><div>${m.label}</div></div>
<div><h3>Why this level</h3>${m.reasons.length === 0 ? html`<p class="muted">No reasons given.</p>` : html`<ul>${m.reasons.map((r) => html`<li>${r}</li>`)}</ul>`}</div></div>
<h3>Findings: ${totalFindings(run)}</h3>
<div class="cards">${SEVERITIES_DESC.map((s) => html`<div class="card sev-${s}"><div class="value">${counts[s]}</div><div class="label">${SEVERITY_LABEL[s]}</div></div>`)}</div>
<h3>Checks: ${run.results.length}</h3>
<div class="cards"><div class="card"><div class="value">${status.passed}</div><div class="label">passed</div></div>
<div class="card"><div class="value">${status.failed}</div><div class="label">failed</div></div>
<div class="card"><div class="value">${status['not-assessed']}</div><div class="label">not assessed (no data)</div></div>
<div class="card"><div class="value">${status.error}</div><div class="label">could not run (error)</div></div></div>
<h3>Key facts</h3>
<div class="cards"><div class="card"><div class="value">${metrics.keys.total}</div><div class="label">keys in scope</div></div>
<div class="card"><div class="value">${percent(metrics.rotationCompliancePct)}</div><div class="label">rotated on time</div></div>
<div class="card"><div class="value">${percent(metrics.unknownOwnerPct)}</div><div class="label">without a known owner</div></div>
<div class="card"><div class="value">${percent(metrics.orphanedPct)}</div><div class="label">orphaned</div></div>
<div class="card"><div class="value">${percent(metrics.expiredPct)}</div><div class="label">expired</div></div></div>`;
}

const CHECKLIST_SIGN: Readonly<Record<ChecklistStatus, string>> = { done: '✓', partial: '◐', missing: '✗', 'not-assessed': '?' };

export function checklistSection(run: AuditRun): Markup {
  if (run.checklist.length === 0) return html`<p>The run produced no checklist.</p>`;
  return html`<table><caption>Audit decision checklist</caption><thead><tr><th scope="col">Item</th><th scope="col">Status</th><th scope="col">What decided it</th></tr></thead>
<tbody>${run.checklist.map((item) => html`<tr><td>${item.title}</td><td><span class="badge cl-${item.status}">${CHECKLIST_SIGN[item.status]} ${CHECKLIST_LABEL[item.status]}</span></td><td>${item.basis}</td></tr>`)}</tbody></table>`;
}

export function remediationSection(run: AuditRun): Markup {
  const plan = remediationPlan(run);
  if (plan.length === 0) return html`<p>Nothing to remediate.</p>`;
  const severityOf = new Map(run.results.map((r) => [r.check.id, r.check.severity]));
  return html`<p class="lead">In the order to work through it: most impact for the least effort first.</p>
<table><caption>Remediation plan (${plan.length} ${plan.length === 1 ? 'item' : 'items'})</caption><thead><tr><th scope="col" class="num">#</th><th scope="col">Check</th><th scope="col">Action</th><th scope="col" class="num">Findings</th><th scope="col" class="num">Impact</th><th scope="col">Effort</th><th scope="col">What to do</th></tr></thead>
<tbody>${plan.map((item, i) => {
    const severity = severityOf.get(item.checkId);
    return html`<tr><td class="num">${i + 1}</td><td><span class="mono">${item.checkId}</span>${severity ? html` ${severityBadge(severity)}` : null}</td><td>${item.title}</td><td class="num">${item.findings}</td><td class="num">${oneDecimal(item.impact)}</td><td>${item.effort}</td><td>${item.remediation}</td></tr>`;
  })}</tbody></table>`;
}

export function trendSection(run: AuditRun): Markup {
  const t = run.trend;
  if (t.previousRunId === null) return html`<p>This is the first audit run of this instance: there is nothing to compare with yet.</p>`;
  const known = findingsByFingerprint(run);
  const list = (fingerprints: readonly string[], empty: string): Markup =>
    fingerprints.length === 0
      ? html`<p class="muted">${empty}</p>`
      : html`<ul>${fingerprints.map((fp) => {
          const f = known.get(fp);
          return f ? html`<li><span class="mono">${f.checkId}</span> ${f.title}: ${f.subject.label ?? f.subject.id}</li>` : html`<li class="mono">${fp}</li>`;
        })}</ul>`;
  const history = [...t.history.filter((h) => h.runId !== run.id), { runId: run.id, at: run.finishedAt, rotationCompliancePct: run.metrics.rotationCompliancePct, findings: totalFindings(run) }];
  return html`<p class="lead">Compared with run <span class="mono">${t.previousRunId}</span>.</p>
<div class="cards"><div class="card"><div class="value">${t.newFindings.length}</div><div class="label">new findings</div></div>
<div class="card"><div class="value">${t.fixedFindings.length}</div><div class="label">fixed since then</div></div>
<div class="card"><div class="value">${t.stillOpen.length}</div><div class="label">still open</div></div></div>
<h3>New</h3>${list(t.newFindings, 'No new findings.')}
<h3>Fixed</h3>${list(t.fixedFindings, 'Nothing was fixed.')}
<h3>Still open</h3>${list(t.stillOpen, 'Nothing is still open.')}
<table><caption>Run history</caption><thead><tr><th scope="col">Run</th><th scope="col">Date</th><th scope="col" class="num">Rotation compliance</th><th scope="col" class="num">Findings</th></tr></thead>
<tbody>${history.map((h) => html`<tr><td class="mono">${h.runId}${h.runId === run.id ? ' (this run)' : ''}</td><td>${displayDate(h.at)}</td><td class="num">${percent(h.rotationCompliancePct)}</td><td class="num">${h.findings}</td></tr>`)}</tbody></table>`;
}

export function metricsSection(run: AuditRun): Markup {
  const m = run.metrics;
  const breakdown = (counts: Readonly<Record<string, number>>): string => countEntries(counts).map(([k, v]) => `${k}: ${v}`).join(' · ') || 'none';
  const rows: [string, string | number][] = [
    ['Keys in scope', m.keys.total],
    ['Keys by state', breakdown(m.keys.byState)],
    ['Keys by algorithm', breakdown(m.keys.bySpec)],
    ['Keys by environment', breakdown(m.keys.byEnvironment)],
    ['Keys by source', breakdown(m.keys.bySource)],
    ['Rotated within their period', percent(m.rotationCompliancePct)],
    ['Orphaned (no owner, no use)', percent(m.orphanedPct)],
    ['Owner unknown', percent(m.unknownOwnerPct)],
    ['Expired', percent(m.expiredPct)],
    ['Median time to decide an approval', m.medianApprovalHours === null ? 'n/a' : `${oneDecimal(m.medianApprovalHours)} h`],
    ['Approvals pending', m.approvalsPending ?? 'n/a'],
    ['Findings by severity', SEVERITIES_DESC.map((s) => `${s}: ${m.findingsBySeverity[s]}`).join(' · ')],
  ];
  return html`<table><caption>Metrics of this run (n/a: nothing to measure)</caption><thead><tr><th scope="col">Metric</th><th scope="col">Value</th></tr></thead>
<tbody>${rows.map(([label, value]) => html`<tr><th scope="row">${label}</th><td${typeof value === 'number' ? html` class="num"` : null}>${value}</td></tr>`)}</tbody></table>`;
}
