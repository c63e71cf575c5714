import type { AuditRun, CheckResult, EvidenceRef, Finding } from '../assess/model.ts';
import { html, type Markup } from './html-template.ts';
import { failedChecks, passedChecks, refText, SEVERITY_LABEL, STATUS_LABEL, trendMark, unansweredChecks, worstSeverity } from './run-facts.ts';

/** The findings, one block per failed check (worst first), each finding a row with its evidence. */
export function findingsSection(run: AuditRun): Markup {
  const failed = failedChecks(run);
  const body =
    failed.length === 0
      ? html`<p>No check failed.</p>`
      : failed.map(({ result, findings }, i) => {
          const severity = worstSeverity(result);
          const c = result.check;
          const captionText = `${findings.length} ${findings.length === 1 ? 'finding' : 'findings'} of ${c.id}`;
          return html`<article class="check sev-${severity}" id="check-${i + 1}" aria-labelledby="check-${i + 1}-h">
<h3 id="check-${i + 1}-h">${severityBadge(severity)} <span class="check-id">${c.id}</span> ${c.title}</h3>
<p>${c.detects}</p>
${refList(result)}
<p><strong>Remediation:</strong> ${c.remediation}</p>
<table><caption>${captionText}</caption><thead><tr><th scope="col">Severity</th><th scope="col">Subject</th><th scope="col">Finding</th><th scope="col">Evidence</th><th scope="col">Trend</th></tr></thead>
<tbody>${findings.map((f) => findingRow(run, f))}</tbody></table></article>`;
        });
  return html`<p class="lead">Grouped by check, the most severe first. Evidence names records (keys, identities, audit entries, files) to look up; no secret is ever shown.</p>${body}`;
}

/** Checks that gave no answer: shown apart from passed ones, with why. */
export function unansweredSection(run: AuditRun): Markup {
  const checks = unansweredChecks(run);
  if (checks.length === 0) return html`<p>Every check was assessed.</p>`;
  return html`<div class="unanswered"><p><strong>These checks did not pass: they could not be assessed.</strong> A check without the data it needs is reported here, never counted as passed.</p>
<table><caption>${checks.length} ${checks.length === 1 ? 'check' : 'checks'} not assessed</caption><thead><tr><th scope="col">Check</th><th scope="col">Title</th><th scope="col">Status</th><th scope="col">Reason</th></tr></thead>
<tbody>${checks.map((r) => html`<tr><td class="mono">${r.check.id}</td><td>${r.check.title}</td><td>${statusBadge(r)}</td><td>${r.reason ?? 'no reason given'}</td></tr>`)}</tbody></table></div>`;
}

export function passedSection(run: AuditRun): Markup {
  const checks = passedChecks(run);
  if (checks.length === 0) return html`<p>No check passed.</p>`;
  return html`<table><caption>${checks.length} ${checks.length === 1 ? 'check' : 'checks'} passed</caption><thead><tr><th scope="col">Check</th><th scope="col">Title</th><th scope="col">Status</th><th scope="col" class="num">Subjects examined</th><th scope="col">Frameworks</th></tr></thead>
<tbody>${checks.map(
    (r) => html`<tr><td class="mono">${r.check.id}</td><td>${r.check.title}</td><td>${statusBadge(r)}</td><td class="num">${r.examined}</td><td>${r.check.refs.map(refText).join('; ')}</td></tr>`,
  )}</tbody></table>`;
}

export function severityBadge(severity: Finding['severity']): Markup {
  return html`<span class="badge sev-${severity}">${SEVERITY_LABEL[severity]}</span>`;
}

const STATUS_SIGN: Readonly<Record<CheckResult['status'], string>> = { passed: '✓', failed: '✗', 'not-assessed': '?', error: '!' };

export function statusBadge(result: CheckResult): Markup {
  return html`<span class="badge st-${result.status}">${STATUS_SIGN[result.status]} ${STATUS_LABEL[result.status]}</span>`;
}

function findingRow(run: AuditRun, f: Finding): Markup {
  const mark = trendMark(run, f.fingerprint);
  return html`<tr><td>${severityBadge(f.severity)}</td><td>${evidence(f.subject)}</td><td><strong>${f.title}</strong><br>${f.message}</td>
<td>${f.evidence.length === 0 ? html`<span class="muted">none</span>` : html`<ul class="evidence">${f.evidence.map((e) => html`<li>${evidence(e)}</li>`)}</ul>`}</td><td>${mark ?? '–'}</td></tr>`;
}

function evidence(ref: EvidenceRef): Markup {
  const name = ref.label ?? ref.id;
  // The id too when the label does not already say it (an audit entry's label names its seq).
  const id = ref.label !== undefined && !ref.label.includes(ref.id) && ref.kind !== 'file' ? html` <span class="mono muted">${ref.id}</span>` : null;
  return html`<span class="kind">${ref.kind}</span> ${ref.kind === 'file' ? html`<span class="mono">${name}</span>` : name}${id}`;
}

function refList(result: CheckResult): Markup | null {
  if (result.check.refs.length === 0) return null;
  return html`<ul class="refs" aria-label="Framework references">${result.check.refs.map((r) => html`<li>${refText(r)}</li>`)}</ul>`;
}
