import { LineCounter, parseDocument } from 'yaml';
import { describeApproval, readApprovals } from './approval-rules.ts';
import { describeDeletion, readDeletion } from './deletion-rules.ts';
import { describeEnvironments, readEnvironments } from './environment-rules.ts';
import { describeMetadata, readMetadata } from './metadata-rules.ts';
import { MAX_POLICY_BYTES } from './policy-limits.ts';
import type { Policy } from './policy-model.ts';
import { describeRetention, readRetention } from './retention-rules.ts';
import { describeRotation, readRotation } from './rotation-rules.ts';
import { describeSpecs, readSpecs } from './spec-rules.ts';
import { MAX_ISSUES, YamlReader, type Located, type PolicyIssue } from './yaml-reader.ts';

export const POLICY_FORMAT_VERSION = 1;

const SECTIONS = ['rotation', 'keySpecs', 'requiredMetadata', 'deletion', 'retention', 'approvals', 'environments'] as const;
const NAME = { re: /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,127}$/, hint: 'a name (letters, digits, space, ._-, up to 128)' };

export type ParseResult = { readonly ok: true; readonly policy: Policy } | { readonly ok: false; readonly issues: readonly PolicyIssue[] };

/**
 * Parses and validates a policy document (YAML, or JSON, which is YAML too). Every problem is
 * reported with its line and column, not just the first; unknown fields are errors (a misspelt
 * rule would otherwise be silently ignored) with a did-you-mean when a known name is close.
 *
 * @example
 * const result = parsePolicy(readFileSync('policy.yaml', 'utf8'));
 * if (!result.ok) for (const i of result.issues) console.log(`policy.yaml:${i.line}:${i.column}: ${i.message}`);
 */
export function parsePolicy(text: string): ParseResult {
  const lines = new LineCounter();
  const reader = new YamlReader(lines);
  if (Buffer.byteLength(text, 'utf8') > MAX_POLICY_BYTES) {
    return { ok: false, issues: [{ line: 1, column: 1, path: '', message: `the policy is larger than ${MAX_POLICY_BYTES} bytes` }] };
  }
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true, strict: true });
  for (const problem of [...doc.errors, ...doc.warnings]) {
    const at = problem.linePos?.[0];
    const message = (problem.message.split('\n')[0] ?? problem.message).replace(/ at line \d+, column \d+:?$/, '');
    reader.issues.push({ line: at?.line ?? 1, column: at?.col ?? 1, path: '', message });
  }
  if (reader.issues.length > 0) return { ok: false, issues: reader.issues.slice(0, MAX_ISSUES) };
  const root: Located = { node: doc.contents, path: '', offset: 0 };
  if (root.node === null) return { ok: false, issues: [{ line: 1, column: 1, path: '', message: 'the policy is empty; it needs at least `version`, `metadata` and `rules`' }] };
  const policy = readPolicy(reader, root);
  const issues = [...reader.issues].sort((a, b) => a.line - b.line || a.column - b.column);
  if (issues.length > 0 || !policy) return { ok: false, issues };
  return { ok: true, policy };
}

function readPolicy(reader: YamlReader, root: Located): Policy | null {
  const top = reader.fields(root, ['version', 'metadata', 'rules']);
  if (!top) return null;
  const versionAt = top.require('version');
  if (versionAt) reader.integer(versionAt, POLICY_FORMAT_VERSION, POLICY_FORMAT_VERSION);
  const metaAt = top.require('metadata');
  const meta = metaAt ? reader.fields(metaAt, ['name', 'description']) : null;
  const nameAt = meta?.require('name');
  const name = nameAt ? reader.text(nameAt, 128, NAME) : null;
  const descriptionAt = meta?.get('description');
  const description = descriptionAt ? reader.text(descriptionAt, 1024) : null;
  const rulesAt = top.require('rules');
  const rules = rulesAt ? reader.fields(rulesAt, SECTIONS) : null;
  const section = <T>(name: (typeof SECTIONS)[number], read: (r: YamlReader, at: Located) => T): T | null => {
    const at = rules?.get(name);
    return at ? read(reader, at) : null;
  };
  const policy: Policy = {
    version: 1,
    name: name ?? '',
    description,
    rotation: section('rotation', readRotation),
    keySpecs: section('keySpecs', readSpecs),
    requiredMetadata: section('requiredMetadata', readMetadata),
    deletion: section('deletion', readDeletion),
    retention: section('retention', readRetention),
    approvals: section('approvals', readApprovals) ?? [],
    environments: section('environments', readEnvironments),
  };
  return name === null ? null : policy;
}

/** One line per rule in force, for `policy show` and the API's summary. */
export function describePolicy(policy: Policy): string[] {
  const lines: string[] = [];
  if (policy.rotation) lines.push(describeRotation(policy.rotation));
  if (policy.keySpecs) lines.push(describeSpecs(policy.keySpecs));
  if (policy.requiredMetadata) lines.push(describeMetadata(policy.requiredMetadata));
  if (policy.deletion) lines.push(describeDeletion(policy.deletion));
  if (policy.retention) lines.push(describeRetention(policy.retention));
  for (const rule of policy.approvals) lines.push(describeApproval(rule));
  if (policy.environments) lines.push(describeEnvironments(policy.environments));
  return lines;
}

/** `file:line:column: path: message`, the form editors and CI annotate. */
export function formatIssue(file: string, issue: PolicyIssue): string {
  return `${file}:${issue.line}:${issue.column}: ${issue.path ? `${issue.path}: ` : ''}${issue.message}`;
}
