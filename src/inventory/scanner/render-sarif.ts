import { pathToFileURL } from 'node:url';
import type { Log, ReportingDescriptor, Result } from 'sarif';
import type { RuleSpec } from './rule-spec.ts';
import type { ScanFinding, ScanReport, Severity, SuppressedFinding } from './scan-types.ts';

/** Where SARIF consumers find the schema this log follows (the OASIS 2.1.0 standard, errata 01). */
const SARIF_SCHEMA = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

const LEVEL: Readonly<Record<Severity, 'error' | 'warning' | 'note'>> = { critical: 'error', high: 'error', medium: 'warning', low: 'note' };
/** GitHub code scanning's `security-severity` (a CVSS-like score) ranks secrets with other alerts. */
const SECURITY_SEVERITY: Readonly<Record<Severity, string>> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0' };

const CHECK_TITLES: Readonly<Record<string, string>> = {
  'STO-01': 'STO-01 private keys outside a key manager',
  'STO-02': 'STO-02 cloud and service credentials in code or history',
  'STO-03': 'STO-03 signing and generic secrets in code or history',
};

/**
 * A SARIF 2.1.0 log of a scan: the rules in `tool.driver.rules` (with help text), each finding a
 * result with its location (relative to `%SRCROOT%`), a `partialFingerprints` entry that stays
 * the same while the secret does, and the commit for history findings. Findings a baseline
 * accepted are included with an external, accepted suppression, as SARIF viewers expect.
 */
export function renderSarif(report: ScanReport, rules: readonly RuleSpec[], toolVersion: string): string {
  const ruleIndex = new Map(rules.map((r, i) => [r.id, i]));
  const log: Log = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'keyward-scan',
            fullName: 'Keyward secret scanner',
            version: toolVersion,
            semanticVersion: toolVersion,
            rules: rules.map(descriptor),
          },
        },
        invocations: [{ executionSuccessful: true, startTimeUtc: report.startedAt, endTimeUtc: report.finishedAt }],
        originalUriBaseIds: { SRCROOT: { uri: directoryUri(report.root) } },
        columnKind: 'utf16CodeUnits',
        results: [...report.findings.map((f) => result(f, ruleIndex, null)), ...report.suppressed.map((f) => result(f, ruleIndex, f))],
        properties: { target: report.target, kind: report.kind, stats: report.stats },
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

function descriptor(rule: RuleSpec): ReportingDescriptor {
  const how = rule.detector === 'pkcs12' ? 'recognised by the PKCS#12 DER header' : `matched by a regular expression${rule.entropy === undefined ? '' : ` with a minimum entropy of ${rule.entropy} bits per character`}`;
  const help = [
    `${rule.description}.`,
    `Feeds audit check ${CHECK_TITLES[rule.check] ?? rule.check}.`,
    'Remediate: revoke or rotate the credential first (it is exposed as long as the history exists), then remove it from the code and keep it in a secret store or key manager. Deleting the line does not remove it from git history.',
    'If the finding is a test value or was already revoked, accept it in a baseline (keyward scan --write-baseline) with a reason and an expiry.',
  ];
  return {
    id: rule.id,
    name: pascalCase(rule.id),
    shortDescription: { text: rule.description },
    fullDescription: { text: `${rule.description}; ${how}.` },
    help: { text: help.join(' '), markdown: help.map((line) => `- ${line}`).join('\n') },
    defaultConfiguration: { level: LEVEL[rule.severity] },
    properties: { tags: ['security', 'secret', rule.check], precision: rule.detector === 'pkcs12' ? 'very-high' : 'high', 'security-severity': SECURITY_SEVERITY[rule.severity], check: rule.check, severity: rule.severity },
  };
}

function result(finding: ScanFinding, ruleIndex: ReadonlyMap<string, number>, accepted: SuppressedFinding | null): Result {
  const where = finding.commit === null ? '' : `; introduced in commit ${finding.commit.id.slice(0, 12)} by ${finding.commit.author} on ${finding.commit.date}`;
  const out: Result = {
    ruleId: finding.ruleId,
    level: LEVEL[finding.severity],
    kind: 'fail',
    message: { text: `${finding.description}: ${finding.preview} (fingerprint ${finding.fingerprint})${where}` },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: relativeUri(finding.file), uriBaseId: 'SRCROOT' },
          region: { startLine: finding.line, startColumn: finding.column, endLine: finding.endLine, endColumn: Math.max(finding.endColumn, 1) },
        },
      },
    ],
    partialFingerprints: { 'secretFingerprint/v1': finding.fingerprint },
    properties: { check: finding.check, severity: finding.severity, preview: finding.preview, ...(finding.commit === null ? {} : { commit: finding.commit }) },
  };
  const index = ruleIndex.get(finding.ruleId);
  if (index !== undefined) out.ruleIndex = index;
  if (accepted !== null) {
    // No `status`: a suppression without one counts as accepted, and the property was named
    // `state` before the 2.1.0 errata, so leaving it out keeps the log valid for both schema texts.
    out.suppressions = [
      {
        kind: 'external',
        justification: accepted.reason,
        properties: { acceptedBy: accepted.acceptedBy, expires: accepted.expires },
      },
    ];
  }
  return out;
}

/** A `/`-separated relative path as a URI reference: each segment percent-encoded. */
function relativeUri(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

function directoryUri(path: string): string {
  const href = pathToFileURL(path).href;
  return href.endsWith('/') ? href : `${href}/`;
}

function pascalCase(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]?.toUpperCase() + w.slice(1))
    .join('');
}
