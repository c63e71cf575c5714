import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { approvalRequirement } from '../../src/policy/approval-rules.ts';
import { closestName } from '../../src/policy/closest-name.ts';
import { checkCreate, checkUpdate, evaluateKey } from '../../src/policy/evaluate-policy.ts';
import { parsePolicy } from '../../src/policy/parse-policy.ts';
import type { Policy, PolicySubject, Violation } from '../../src/policy/policy-model.ts';
import { retentionEnd, retentionEndDate } from '../../src/policy/retention-rules.ts';

const NOW = new Date('2026-06-01T00:00:00.000Z');

function policy(rules: string): Policy {
  const result = parsePolicy(`version: 1\nmetadata: { name: unit }\nrules:\n${rules}`);
  if (!result.ok) throw new Error(result.issues.map((i) => `${i.line}:${i.column} ${i.message}`).join('\n'));
  return result.policy;
}

function key(overrides: Partial<PolicySubject> = {}): PolicySubject {
  return {
    id: 'key_000000000000000000000001',
    name: 'billing',
    spec: 'AES_256_GCM',
    state: 'active',
    owner: 'team-pay',
    purpose: 'card data',
    environment: 'prod',
    tier: 1,
    tags: {},
    description: null,
    rotationPeriodDays: 90,
    createdAt: '2026-05-01T00:00:00.000Z',
    lastRotatedAt: null,
    stateChangedAt: '2026-05-01T00:00:00.000Z',
    destroyedAt: null,
    ...overrides,
  };
}

const rules = (violations: readonly Violation[]): string[] => violations.map((v) => `${v.ruleId} ${v.field}`);

const ROTATION = policy(`  rotation:
    maxPeriodDays:
      - { tier: 1, environment: prod, days: 90 }
      - { tier: 1, days: 180 }
      - { environment: prod, days: 365 }
      - { days: 730 }
`);

describe('rotation rules', () => {
  it('applies the most specific limit: tier and environment, then one of them, then the default', () => {
    assert.deepEqual(rules(evaluateKey(ROTATION, key({ rotationPeriodDays: 90 }), NOW)), []);
    const [tooLong] = evaluateKey(ROTATION, key({ rotationPeriodDays: 91 }), NOW);
    assert.equal(tooLong?.ruleId, 'rotation.max-period');
    assert.equal(tooLong?.message, 'rotation period of 91 days is longer than the 90 days allowed for tier 1 prod keys');
    assert.deepEqual(rules(evaluateKey(ROTATION, key({ environment: 'dev', rotationPeriodDays: 180 }), NOW)), []);
    assert.deepEqual(rules(evaluateKey(ROTATION, key({ environment: 'dev', rotationPeriodDays: 181 }), NOW)), ['rotation.max-period rotationPeriodDays']);
    assert.deepEqual(rules(evaluateKey(ROTATION, key({ tier: 3, rotationPeriodDays: 365 }), NOW)), []);
    assert.deepEqual(rules(evaluateKey(ROTATION, key({ tier: null, environment: null, rotationPeriodDays: 730 }), NOW)), []);
    assert.deepEqual(rules(evaluateKey(ROTATION, key({ tier: null, environment: null, rotationPeriodDays: 731 }), NOW)), ['rotation.max-period rotationPeriodDays']);
  });

  it('takes the strictest of equally specific limits', () => {
    const p = policy('  rotation:\n    maxPeriodDays:\n      - { tier: 2, days: 200 }\n      - { environment: staging, days: 100 }\n');
    assert.deepEqual(rules(evaluateKey(p, key({ tier: 2, environment: 'staging', rotationPeriodDays: 150 }), NOW)), ['rotation.max-period rotationPeriodDays']);
    assert.deepEqual(rules(evaluateKey(p, key({ tier: 2, environment: 'dev', rotationPeriodDays: 150 }), NOW)), []);
  });

  it('requires a rotation period once a limit applies, and none when no entry matches', () => {
    const [missing] = evaluateKey(ROTATION, key({ rotationPeriodDays: null }), NOW);
    assert.equal(missing?.message, 'no rotation period is set; at most 90 days is allowed for tier 1 prod keys');
    const prodOnly = policy('  rotation:\n    maxPeriodDays: [{ environment: prod, days: 90 }]\n');
    assert.deepEqual(evaluateKey(prodOnly, key({ environment: 'dev', rotationPeriodDays: null }), NOW), []);
  });

  it('flags an active key not rotated within its limit, and no key that is not in use', () => {
    const old = key({ createdAt: '2026-01-01T00:00:00.000Z' });
    const [overdue] = evaluateKey(ROTATION, old, NOW);
    assert.equal(overdue?.ruleId, 'rotation.overdue');
    assert.match(overdue?.message ?? '', /^created and never rotated 151 days ago .*must rotate every 90 days \(due 2026-04-01T00:00:00.000Z\)$/);
    assert.deepEqual(evaluateKey(ROTATION, { ...old, lastRotatedAt: '2026-04-01T00:00:00.000Z' }, NOW), []);
    assert.deepEqual(rules(evaluateKey(ROTATION, { ...old, lastRotatedAt: '2026-02-01T00:00:00.000Z' }, NOW)), ['rotation.overdue lastRotatedAt']);
    for (const state of ['deactivated', 'compromised', 'destroyed'] as const) {
      assert.deepEqual(evaluateKey(ROTATION, { ...old, state, rotationPeriodDays: null }, NOW), [], state);
    }
  });
});

describe('key spec rules', () => {
  const SPECS = policy(`  keySpecs:
    allowed: [AES_256_GCM, RSA_3072, RSA_4096, ECC_NIST_P256, ECC_NIST_P384, HMAC_SHA256]
    minRsaBits: 3072
    environments:
      prod: { minRsaBits: 4096 }
`);

  it('flags a spec that is not allowed', () => {
    const [v] = evaluateKey(SPECS, key({ spec: 'HMAC_SHA512', environment: 'dev' }), NOW);
    assert.equal(v?.ruleId, 'specs.allowed');
    assert.match(v?.message ?? '', /^spec HMAC_SHA512 is not allowed \(allowed: AES_256_GCM, /);
  });

  it('applies the environment\'s minimum size over the base one', () => {
    assert.deepEqual(evaluateKey(SPECS, key({ spec: 'RSA_3072', environment: 'dev' }), NOW), []);
    const [v] = evaluateKey(SPECS, key({ spec: 'RSA_3072', environment: 'prod' }), NOW);
    assert.equal(v?.ruleId, 'specs.min-size');
    assert.equal(v?.message, 'RSA_3072 has 3072-bit keys, below the minimum of 4096 for RSA for prod keys');
    assert.deepEqual(evaluateKey(SPECS, key({ spec: 'RSA_4096', environment: 'prod' }), NOW), []);
  });

  it('flags a curve that is not allowed', () => {
    const p = policy('  keySpecs: { curves: [P-256, P-384] }\n');
    assert.deepEqual(rules(evaluateKey(p, key({ spec: 'ED25519' }), NOW)), ['specs.curve spec']);
    assert.deepEqual(evaluateKey(p, key({ spec: 'ECC_NIST_P384' }), NOW), []);
  });

  it('applies minimum symmetric sizes to HMAC keys', () => {
    const p = policy('  keySpecs: { minSymmetricBits: 512 }\n');
    assert.deepEqual(rules(evaluateKey(p, key({ spec: 'HMAC_SHA256' }), NOW)), ['specs.min-size spec']);
    assert.deepEqual(evaluateKey(p, key({ spec: 'HMAC_SHA512' }), NOW), []);
  });
});

describe('required metadata', () => {
  const META = policy(`  requiredMetadata:
    fields: [owner, purpose]
    tags: [cost-center]
    when:
      - { tier: 1, fields: [description], tags: [data-class] }
`);

  it('flags missing and blank fields and tags, naming each', () => {
    const found = evaluateKey(META, key({ owner: '  ', purpose: null, tags: { 'cost-center': '' } }), NOW);
    assert.deepEqual(rules(found), [
      'metadata.required owner',
      'metadata.required purpose',
      'metadata.required tags.cost-center',
      'metadata.required description',
      'metadata.required tags.data-class',
    ]);
    assert.equal(found[3]?.message, 'description is required for tier 1 keys');
  });

  it('is quiet when everything is there, and asks tier-1 extras only of tier-1 keys', () => {
    assert.deepEqual(evaluateKey(META, key({ description: 'cards', tags: { 'cost-center': '42', 'data-class': 'cardholder' } }), NOW), []);
    assert.deepEqual(evaluateKey(META, key({ tier: 2, tags: { 'cost-center': '42' } }), NOW), []);
  });

  it('reports only, without refusing, in report mode', () => {
    const p = policy('  requiredMetadata: { mode: report, fields: [owner] }\n');
    const [v] = evaluateKey(p, key({ owner: null }), NOW);
    assert.equal(v?.severity, 'warning');
  });
});

describe('retention', () => {
  const RET = policy('  retention:\n    holds:\n      - { tag: data-class=financial, days: 100 }\n      - { tag: legal-hold, days: 1000 }\n');

  it('holds an active key open-ended, and a stopped key until its period ends', () => {
    const active = key({ tags: { 'data-class': 'financial' } });
    assert.deepEqual(retentionEnd(RET, active), { tag: 'data-class=financial', days: 100, endsAt: null, mode: 'enforce' });
    assert.equal(retentionEndDate(RET, active, NOW)?.toISOString(), '2026-09-09T00:00:00.000Z');
    const stopped = { ...active, state: 'deactivated' as const, stateChangedAt: '2026-03-01T00:00:00.000Z' };
    assert.equal(retentionEnd(RET, stopped)?.endsAt, '2026-06-09T00:00:00.000Z');
    assert.equal(retentionEnd(RET, { ...active, tags: { 'data-class': 'public' } }), null);
    assert.equal(retentionEnd(RET, { ...active, state: 'pre-activation' }), null, 'a key never activated protected nothing');
  });

  it('takes the longest hold among matching tags; a tag without value matches any value', () => {
    assert.equal(retentionEnd(RET, key({ tags: { 'data-class': 'financial', 'legal-hold': 'case-7' } }))?.days, 1000);
  });

  it('flags a destroyed key that cannot have kept its hold', () => {
    const destroyed = key({ state: 'destroyed', tags: { 'data-class': 'financial' }, createdAt: '2026-05-01T00:00:00.000Z', destroyedAt: '2026-05-20T00:00:00.000Z' });
    assert.deepEqual(rules(evaluateKey(RET, destroyed, NOW)), ['retention.tag tags']);
    assert.deepEqual(evaluateKey(RET, { ...destroyed, destroyedAt: '2026-08-10T00:00:00.000Z' }, NOW), []);
  });

  it('refuses a retag that drops or shortens a running hold, and allows it once the hold ended', () => {
    const held = key({ tags: { 'legal-hold': 'case-7' } });
    assert.deepEqual(rules(checkUpdate(RET, held, { tags: {} }, NOW)), ['retention.tag tags']);
    assert.deepEqual(rules(checkUpdate(RET, held, { tags: { 'data-class': 'financial' } }, NOW)), ['retention.tag tags']);
    assert.deepEqual(checkUpdate(RET, held, { tags: { 'legal-hold': 'case-7', team: 'x' } }, NOW), []);
    const ended = { ...held, state: 'deactivated' as const, stateChangedAt: '2020-01-01T00:00:00.000Z' };
    assert.deepEqual(checkUpdate(RET, ended, { tags: {} }, NOW), []);
  });
});

describe('enforcement checks', () => {
  const P = policy(`  rotation:
    maxPeriodDays: [{ tier: 1, days: 90 }]
  requiredMetadata:
    fields: [owner]
  environments:
    immutable: true
`);

  it('checks a key about to be created against its spec, metadata and rotation period', () => {
    assert.deepEqual(rules(checkCreate(P, { name: 'new', spec: 'AES_256_GCM', tier: 1 }, NOW)), ['metadata.required owner', 'rotation.max-period rotationPeriodDays']);
    assert.deepEqual(checkCreate(P, { name: 'new', spec: 'AES_256_GCM', tier: 1, owner: 'me', rotationPeriodDays: 30 }, NOW), []);
  });

  it('lets an update leave an old violation alone, but not touch it badly or bring a new one', () => {
    const legacy = key({ owner: null, rotationPeriodDays: 365 });
    assert.deepEqual(checkUpdate(P, legacy, { description: 'x' }, NOW), [], 'unrelated field');
    assert.deepEqual(checkUpdate(P, legacy, { owner: 'team', rotationPeriodDays: 60 }, NOW), [], 'a fix');
    assert.deepEqual(rules(checkUpdate(P, legacy, { rotationPeriodDays: 200 }, NOW)), ['rotation.max-period rotationPeriodDays'], 'touched and still wrong');
    const tier3 = key({ tier: 3, rotationPeriodDays: null });
    assert.deepEqual(rules(checkUpdate(P, tier3, { tier: 1 }, NOW)), ['rotation.max-period rotationPeriodDays'], 'a new violation');
  });

  it('lets an environment be set once but not changed', () => {
    assert.deepEqual(checkUpdate(P, key({ environment: null }), { environment: 'prod' }, NOW), []);
    const [v] = checkUpdate(P, key({ environment: 'prod' }), { environment: 'dev' }, NOW);
    assert.equal(v?.ruleId, 'environment.immutable');
    assert.deepEqual(checkUpdate(P, key({ environment: 'prod' }), { environment: 'prod' }, NOW), []);
  });
});

describe('approvalRequirement', () => {
  const A = policy(`  approvals:
    - { operations: [key.destroy], quorum: 1, approverRole: key-admin }
    - { operations: [key.destroy, key.export], quorum: 2, approverRole: security-officer, appliesTo: { tiers: [1], environments: [prod] } }
    - { operations: [policy.update], quorum: 3, approverRole: security-officer, appliesTo: { tiers: [1] } }
`);

  it('answers with the largest quorum among the entries that cover the key', () => {
    assert.deepEqual(approvalRequirement(A, 'key.destroy', { tier: 1, environment: 'prod' }), { quorum: 2, approverRole: 'security-officer' });
    assert.deepEqual(approvalRequirement(A, 'key.destroy', { tier: 2, environment: 'prod' }), { quorum: 1, approverRole: 'key-admin' });
    assert.equal(approvalRequirement(A, 'key.export', { tier: 1, environment: 'dev' }), null);
    assert.equal(approvalRequirement(A, 'key.rotate', { tier: 1, environment: 'prod' }), null);
    assert.equal(approvalRequirement(null, 'key.destroy', null), null);
  });

  it('applies every entry naming an action that is about no key', () => {
    assert.deepEqual(approvalRequirement(A, 'policy.update', null), { quorum: 3, approverRole: 'security-officer' });
  });
});

describe('helpers', () => {
  it('suggests close names only', () => {
    assert.equal(closestName('rotaton', ['rotation', 'retention']), 'rotation');
    assert.equal(closestName('MIN_RSA_BITS', ['minRsaBits', 'curves']), 'minRsaBits');
    assert.equal(closestName('zzz', ['rotation', 'retention']), null);
  });
});
