import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describePolicy, formatIssue, parsePolicy } from '../../src/policy/parse-policy.ts';
import { MAX_POLICY_BYTES } from '../../src/policy/policy-limits.ts';
import type { Policy } from '../../src/policy/policy-model.ts';
import type { PolicyIssue } from '../../src/policy/yaml-reader.ts';

function issues(text: string): PolicyIssue[] {
  const result = parsePolicy(text);
  assert.equal(result.ok, false, 'expected the policy to be invalid');
  return result.ok ? [] : [...result.issues];
}

function valid(text: string): Policy {
  const result = parsePolicy(text);
  assert.ok(result.ok, result.ok ? '' : result.issues.map((i) => formatIssue('policy', i)).join('\n'));
  return result.policy;
}

/** A minimal valid document with `rules` given as indented YAML lines. */
function withRules(rules: string): string {
  return `version: 1\nmetadata:\n  name: test\nrules:\n${rules}`;
}

describe('parsePolicy', () => {
  it('accepts the example policy and summarises every section', () => {
    const policy = valid(readFileSync(new URL('../../examples/policy.yaml', import.meta.url), 'utf8'));
    assert.equal(policy.name, 'acme-payments');
    assert.equal(policy.rotation?.limits.length, 5);
    assert.deepEqual(policy.deletion, { minDays: 14, maxDays: 30, defaultDays: 30 });
    assert.equal(policy.approvals.length, 3);
    const summary = describePolicy(policy);
    assert.ok(summary.some((l) => l.startsWith('rotation (enforce): tier 1 prod keys ≤ 90 days')), summary.join('\n'));
    assert.ok(summary.includes("environments (enforce): a key's environment cannot change once set"), summary.join('\n'));
  });

  it('accepts an empty rules section and JSON, which is YAML too', () => {
    const policy = valid('{"version": 1, "metadata": {"name": "json"}, "rules": {}}');
    assert.equal(policy.rotation, null);
    assert.deepEqual(policy.approvals, []);
    assert.deepEqual(describePolicy(policy), []);
  });

  it('reports an unknown field with its line, column and a did-you-mean', () => {
    const [issue, ...rest] = issues(withRules('  rotaton:\n    maxPeriodDays: [{ days: 90 }]\n'));
    assert.deepEqual(rest, []);
    assert.deepEqual(issue, { line: 5, column: 3, path: 'rules.rotaton', message: 'unknown field "rotaton"; did you mean "rotation"?' });
  });

  it('suggests the camelCase name for a snake_case field', () => {
    const found = issues(withRules('  rotation:\n    max_period_days: [{ days: 90 }]\n'));
    assert.ok(found.some((i) => i.line === 6 && i.message === 'unknown field "max_period_days"; did you mean "maxPeriodDays"?'), JSON.stringify(found));
    assert.ok(found.some((i) => i.message === 'missing required field "maxPeriodDays"'));
  });

  it('reports a value of the wrong type where it is', () => {
    const [issue] = issues(withRules('  retention:\n    holds:\n      - { tag: data-class=financial, days: "seven years" }\n'));
    assert.equal(formatIssue('p.yaml', issue!), 'p.yaml:7:44: rules.retention.holds[0].days: expected a whole number of days, got text "seven years"');
  });

  it('refuses a deletion waiting period outside 7–30 days, and min above max', () => {
    const [low] = issues(withRules('  deletion:\n    minWaitingDays: 3\n'));
    assert.deepEqual([low?.line, low?.column, low?.message], [6, 21, 'must be from 7 to 30 days, got 3']);
    const [crossed] = issues(withRules('  deletion: { minWaitingDays: 20, maxWaitingDays: 10 }\n'));
    assert.equal(crossed?.message, 'minWaitingDays (20) is above maxWaitingDays (10)');
    const [outside] = issues(withRules('  deletion: { minWaitingDays: 10, maxWaitingDays: 20, defaultWaitingDays: 30 }\n'));
    assert.equal(outside?.message, 'defaultWaitingDays (30) must be from minWaitingDays (10) to maxWaitingDays (20)');
  });

  it('refuses an unknown key spec, curve, operation and metadata field, suggesting the close ones', () => {
    const found = issues(
      withRules(
        [
          '  keySpecs:',
          '    allowed: [AES_256_GCM, RSA_2049]',
          '    curves: [P-521]',
          '  requiredMetadata:',
          '    fields: [owner, ownr]',
          '  approvals:',
          '    - { operations: [key.destory], quorum: 2, approverRole: security-officer }',
          '',
        ].join('\n'),
      ),
    );
    const at = (line: number): string => found.filter((i) => i.line === line).map((i) => `${i.column} ${i.path}: ${i.message}`).join(' | ');
    assert.match(at(6), /^28 rules\.keySpecs\.allowed\[1\]: unknown key spec "RSA_2049"; expected one of .*; did you mean "RSA_2048"\?$/);
    assert.match(at(7), /^14 rules\.keySpecs\.curves\[0\]: unknown curve "P-521"; expected one of P-256, P-384, Ed25519$/);
    assert.match(at(9), /unknown metadata field "ownr".*did you mean "owner"\?$/);
    assert.match(at(11), /^22 rules\.approvals\[0\]\.operations\[0\]: unknown operation "key\.destory"; did you mean "key\.destroy"\?$/);
    assert.equal(found.length, 4, JSON.stringify(found));
  });

  it('lists every problem, in document order', () => {
    const found = issues(withRules('  deletion: { minWaitingDays: 1 }\n  approvals:\n    - { operations: [key.destroy], quorum: 0, approverRole: "Security Officer" }\n  environments: { immutable: yes }\n'));
    assert.deepEqual(
      found.map((i) => [i.line, i.path]),
      [
        [5, 'rules.deletion.minWaitingDays'],
        [7, 'rules.approvals[0].quorum'],
        [7, 'rules.approvals[0].approverRole'],
        [8, 'rules.environments.immutable'],
      ],
    );
  });

  it('refuses a spec that is both allowed and below the minimum size, at the list item', () => {
    const [issue] = issues(withRules('  keySpecs:\n    allowed: [AES_256_GCM, RSA_2048]\n    minRsaBits: 3072\n'));
    assert.deepEqual([issue?.line, issue?.column, issue?.path], [6, 28, 'rules.keySpecs.allowed[1]']);
    assert.match(issue?.message ?? '', /allowed, but RSA_2048 has 2048-bit keys, below the minimum of 3072/);
  });

  it('refuses two limits for the same tier and environment', () => {
    const [issue] = issues(withRules('  rotation:\n    maxPeriodDays:\n      - { tier: 1, days: 90 }\n      - { tier: 1, environment: "*", days: 30 }\n'));
    assert.equal(issue?.line, 8);
    assert.match(issue?.message ?? '', /a second limit for tier 1 keys/);
  });

  it('needs version 1, a name and rules', () => {
    assert.deepEqual(
      issues('version: 2\nmetadata: {}\n').map((i) => [i.line, i.message]),
      [
        [1, 'missing required field "rules"'],
        [1, 'must be from 1 to 1, got 2'],
        [2, 'missing required field "name"'],
      ],
    );
    assert.match(issues('')[0]?.message ?? '', /the policy is empty/);
    assert.match(issues('- a\n- b\n')[0]?.message ?? '', /expected a mapping/);
  });

  it('passes on the YAML parser\'s own errors with their positions (duplicate keys, bad syntax, several documents)', () => {
    const [dup] = issues('version: 1\nversion: 1\n');
    assert.deepEqual([dup?.line, dup?.message], [2, 'Map keys must be unique']);
    const [syntax] = issues('version: 1\nrules: [1, 2\nmetadata: {}\n');
    assert.ok(syntax !== undefined && syntax.line >= 2, JSON.stringify(syntax));
    assert.match(issues('version: 1\n---\nversion: 1\n')[0]?.message ?? '', /multiple documents/);
  });

  it('refuses aliases and YAML tags rather than expand them', () => {
    const found = issues(withRules('  rotation:\n    maxPeriodDays:\n      - &limit { days: 90 }\n      - *limit\n  deletion: { minWaitingDays: !!int "9" }\n'));
    assert.ok(found.some((i) => i.line === 8 && /aliases \(\*name\) are not supported/.test(i.message)), JSON.stringify(found));
    assert.ok(found.some((i) => i.line === 9 && /YAML tags .* are not supported/.test(i.message)), JSON.stringify(found));
  });

  it('refuses a policy larger than the limit before parsing it', () => {
    const [issue] = issues(`# ${'x'.repeat(MAX_POLICY_BYTES)}\n`);
    assert.match(issue?.message ?? '', /larger than 65536 bytes/);
  });

  it('reads selectors: "*" and a missing field both mean any', () => {
    const policy = valid(withRules('  rotation:\n    maxPeriodDays:\n      - { tier: "*", environment: prod, days: 90 }\n      - { days: 365 }\n'));
    assert.deepEqual(policy.rotation?.limits, [
      { tier: null, environment: 'prod', days: 90 },
      { tier: null, environment: null, days: 365 },
    ]);
  });
});
