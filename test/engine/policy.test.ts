import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { CallContext } from '../../src/auth/principal.ts';
import { allAuditEntries, lastAuditEntry, rejectsWith, root, useDevEngine } from './helpers.ts';

const POLICY = `version: 1
metadata:
  name: engine-test
rules:
  rotation:
    maxPeriodDays:
      - { tier: 1, environment: prod, days: 90 }
  keySpecs:
    allowed: [AES_256_GCM, ECC_NIST_P256, HMAC_SHA256]
  requiredMetadata:
    fields: [owner]
  environments:
    immutable: true
`;

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

describe('policy versions', () => {
  const engine = useDevEngine();

  it('has no policy at first, and then enforces nothing', async () => {
    assert.deepEqual(await engine().policy.current(root), { policy: null });
    assert.deepEqual(await engine().policy.history(root), { versions: [], next: null });
    await engine().keys.create(root, { name: 'anything', spec: 'RSA_2048', usage: 'SIGN_VERIFY' });
    const evaluation = await engine().policy.evaluate(root);
    assert.equal(evaluation.policy, null);
    assert.deepEqual(evaluation.violations, []);
  });

  it('refuses an invalid policy with the line and column of the problem, and stores nothing', async () => {
    const err = await rejectsWith(engine().policy.set(root, { text: POLICY.replace('maxPeriodDays', 'maxPeriodDay') }), 'validation_failed');
    assert.match(err.message, /^the policy is invalid: line 6, column 5: rules\.rotation\.maxPeriodDay: unknown field "maxPeriodDay"; did you mean "maxPeriodDays"\?/);
    assert.deepEqual([err.details['line'], err.details['column'], err.details['field']], [6, 5, 'text']);
    const entry = await lastAuditEntry(engine());
    assert.deepEqual([entry.action, entry.outcome, entry.errorCode], ['policy.update', 'failure', 'validation_failed']);
    assert.deepEqual((await engine().policy.history(root)).versions, []);
  });

  it('stores each new text as the next version, with author, time, hash and a summary', async () => {
    const v1 = await engine().policy.set(root, { text: POLICY, comment: 'CHG-1' });
    assert.deepEqual([v1.version, v1.name, v1.author, v1.comment, v1.sha256, v1.unchanged], [1, 'engine-test', 'root:test', 'CHG-1', sha256(POLICY), false]);
    assert.equal(v1.text, POLICY);
    assert.ok(v1.summary.includes('rotation (enforce): tier 1 prod keys ≤ 90 days'), v1.summary.join('\n'));
    const entry = await lastAuditEntry(engine());
    assert.equal(entry.action, 'policy.update');
    assert.equal(entry.outcome, 'success');
    assert.deepEqual([entry.details['version'], entry.details['previousVersion'], entry.details['sha256']], [1, null, sha256(POLICY)]);
    assert.ok(!JSON.stringify(entry.details).includes('maxPeriodDays'), 'the text itself is not in the audit entry');

    const again = await engine().policy.set(root, { text: POLICY });
    assert.deepEqual([again.version, again.unchanged], [1, true]);

    const next = POLICY.replace('days: 90', 'days: 60');
    const v2 = await engine().policy.set(root, { text: next });
    assert.deepEqual([v2.version, v2.unchanged, v2.comment], [2, false, null]);
    assert.equal((await engine().policy.current(root)).policy?.version, 2);
    assert.equal((await engine().policy.version(root, 1)).text, POLICY);
    await rejectsWith(engine().policy.version(root, 3), 'not_found');
  });

  it('lists versions oldest first, page by page', async () => {
    const first = await engine().policy.history(root, { limit: 1 });
    assert.deepEqual(first.versions.map((v) => v.version), [1]);
    assert.equal(first.next, 1);
    assert.ok(!('text' in (first.versions[0] ?? {})), 'the history leaves the texts out');
    const second = await engine().policy.history(root, { after: 1, limit: 1 });
    assert.deepEqual([second.versions.map((v) => v.version), second.next], [[2], null]);
  });

  it('refuses callers without the policy permissions', async () => {
    const keysOnly: CallContext = { principal: { type: 'token', actor: 'token:keys-only', permissions: ['key.*'], accessor: 'a'.repeat(24) } };
    await rejectsWith(engine().policy.set(keysOnly, { text: POLICY }), 'permission_denied');
    await rejectsWith(engine().policy.current(keysOnly), 'permission_denied');
    await rejectsWith(engine().policy.evaluate(keysOnly), 'permission_denied');
  });
});

describe('policy enforcement on key creation and updates', () => {
  const engine = useDevEngine();
  before(async () => {
    // Created before any policy: a legacy key that breaks the rules set below.
    await engine().keys.create(root, { name: 'legacy', spec: 'AES_256_GCM', tier: 1, environment: 'prod', rotationPeriodDays: 365 });
    await engine().policy.set(root, { text: POLICY });
  });

  it('refuses a create that breaks rules with policy_violation naming every rule, audited, and creates nothing', async () => {
    const err = await rejectsWith(engine().keys.create(root, { name: 'bad', spec: 'RSA_2048', usage: 'SIGN_VERIFY', tier: 1, environment: 'prod' }), 'policy_violation');
    assert.match(err.message, /^key "bad" breaks policy "engine-test" \(version 1\): \[specs\.allowed\] spec RSA_2048 is not allowed/);
    assert.match(err.message, /\[metadata\.required\] owner is required/);
    assert.match(err.message, /\[rotation\.max-period\] no rotation period is set; at most 90 days is allowed for tier 1 prod keys/);
    assert.deepEqual([err.details['rule'], err.details['rules'], err.details['policyVersion']], ['specs.allowed', 'specs.allowed,metadata.required,rotation.max-period', 1]);
    assert.equal(await engine().store.getKeyByName('bad'), null);
    const entry = await lastAuditEntry(engine());
    assert.deepEqual([entry.action, entry.errorCode, entry.keyId], ['key.create', 'policy_violation', null]);
    assert.deepEqual(entry.details['policyRules'], ['specs.allowed', 'metadata.required', 'rotation.max-period']);
  });

  it('creates a compliant key and records the policy version it was checked against', async () => {
    const key = await engine().keys.create(root, { name: 'good', spec: 'AES_256_GCM', tier: 1, environment: 'prod', owner: 'team-pay', rotationPeriodDays: 90 });
    assert.equal(key.state, 'active');
    const entry = await lastAuditEntry(engine());
    assert.deepEqual([entry.action, entry.outcome, entry.details['policyVersion']], ['key.create', 'success', 1]);
  });

  it('refuses an import of a spec the policy does not allow', async () => {
    const material = Buffer.alloc(32, 7);
    await engine().keys.import(root, { name: 'byok', spec: 'AES_256_GCM', owner: 'x', material });
    // HMAC_SHA512 is a symmetric spec import accepts, but not one this policy allows.
    const err = await rejectsWith(engine().keys.import(root, { name: 'byok-mac', spec: 'HMAC_SHA512', owner: 'x', material: Buffer.alloc(64, 7) }), 'policy_violation');
    assert.equal(err.details['rule'], 'specs.allowed');
  });

  it('refuses an update that sets a field against a rule, and lets unrelated updates of a legacy key through', async () => {
    const tooLong = await rejectsWith(engine().keys.update(root, 'good', { rotationPeriodDays: 120 }), 'policy_violation');
    assert.equal(tooLong.details['rule'], 'rotation.max-period');
    const unowned = await rejectsWith(engine().keys.update(root, 'good', { owner: null }), 'policy_violation');
    assert.equal(unowned.details['rule'], 'metadata.required');
    const moved = await rejectsWith(engine().keys.update(root, 'good', { environment: 'dev' }), 'policy_violation');
    assert.equal(moved.details['rule'], 'environment.immutable');
    assert.equal((await engine().keys.describe(root, 'good')).rotationPeriodDays, 90, 'nothing changed');

    // The legacy key lacks an owner and rotates too slowly; a description change touches neither.
    const updated = await engine().keys.update(root, 'legacy', { description: 'payments' });
    assert.equal(updated.description, 'payments');
    await rejectsWith(engine().keys.update(root, 'legacy', { rotationPeriodDays: 200 }), 'policy_violation');
    const fixed = await engine().keys.update(root, 'legacy', { owner: 'team-pay', rotationPeriodDays: 90 });
    assert.deepEqual([fixed.owner, fixed.rotationPeriodDays], ['team-pay', 90]);
  });

  it('lets report-mode findings through, noting them in the audit entry', async () => {
    await engine().policy.set(root, { text: POLICY.replace('  requiredMetadata:\n', '  requiredMetadata:\n    mode: report\n') });
    await engine().keys.create(root, { name: 'unowned', spec: 'AES_256_GCM' });
    const entry = await lastAuditEntry(engine());
    assert.deepEqual([entry.outcome, entry.details['policyVersion'], entry.details['policyWarnings']], ['success', 2, ['metadata.required']]);
  });
});

describe('policy evaluation', () => {
  const engine = useDevEngine();
  before(async () => {
    await engine().keys.create(root, { name: 'a-ok', spec: 'AES_256_GCM', owner: 'o' });
    await engine().keys.create(root, { name: 'b-rsa', spec: 'RSA_2048', usage: 'SIGN_VERIFY', owner: 'o' });
    await engine().keys.create(root, { name: 'c-unowned', spec: 'AES_256_GCM', tier: 1, environment: 'prod', rotationPeriodDays: 30 });
  });

  it('evaluates a candidate against every key without storing it', async () => {
    const result = await engine().policy.evaluate(root, { text: POLICY });
    assert.deepEqual(result.policy, { version: null, name: 'engine-test', sha256: sha256(POLICY) });
    assert.equal(result.keysEvaluated, 3);
    assert.deepEqual(result.violations.map((v) => `${v.keyName} ${v.ruleId}`), ['b-rsa specs.allowed', 'c-unowned metadata.required']);
    assert.deepEqual([result.errors, result.warnings, result.truncated], [2, 0, false]);
    const entry = await lastAuditEntry(engine());
    assert.deepEqual([entry.action, entry.details['candidateSha256'], entry.details['keys'], entry.details['errors']], ['policy.evaluate', sha256(POLICY), 3, 2]);
    assert.equal((await engine().policy.current(root)).policy, null);
  });

  it('evaluates the policy in force, including the retention of keys destroyed before it', async () => {
    await engine().keys.create(root, { name: 'd-held', spec: 'AES_256_GCM', owner: 'o', tags: { 'legal-hold': 'case-7' } });
    await engine().keys.changeState(root, 'd-held', 'deactivate');
    await engine().keys.changeState(root, 'd-held', 'destroy');
    await engine().policy.set(root, { text: `${POLICY}  retention:\n    holds: [{ tag: legal-hold, days: 365 }]\n` });
    const result = await engine().policy.evaluate(root);
    assert.equal(result.policy?.version, 1);
    assert.deepEqual(result.violations.map((v) => `${v.keyName} ${v.ruleId}`), ['b-rsa specs.allowed', 'c-unowned metadata.required', 'd-held retention.tag']);
    assert.match(result.violations[2]?.message ?? '', /^destroyed .*, before the 365-day hold of tag legal-hold could have ended/);
  });

  it('refuses an invalid candidate', async () => {
    const err = await rejectsWith(engine().policy.evaluate(root, { text: 'version: 1\n' }), 'validation_failed');
    assert.match(err.message, /missing required field "metadata"/);
  });
});

describe('the policy\'s retention holds and deletion rules', () => {
  const engine = useDevEngine();

  it('keeps a held key from being destroyed until its period after deactivation has passed', async () => {
    await engine().policy.set(root, { text: 'version: 1\nmetadata: { name: hold }\nrules:\n  retention:\n    holds: [{ tag: data-class=financial, days: 30 }]\n' });
    await engine().keys.create(root, { name: 'ledger', spec: 'AES_256_GCM', tags: { 'data-class': 'financial' } });
    await engine().keys.changeState(root, 'ledger', 'deactivate');
    const err = await rejectsWith(engine().keys.changeState(root, 'ledger', 'destroy'), 'retention_active');
    assert.equal(err.details['source'], 'policy');
    // Without the tag's hold (another value), destruction goes ahead.
    await engine().keys.create(root, { name: 'scratch', spec: 'AES_256_GCM', tags: { 'data-class': 'public' } });
    await engine().keys.changeState(root, 'scratch', 'deactivate');
    assert.equal((await engine().keys.changeState(root, 'scratch', 'destroy')).state, 'destroyed');
  });

  it('refuses retagging a held key to drop its hold', async () => {
    const err = await rejectsWith(engine().keys.update(root, 'ledger', { tags: {} }), 'policy_violation');
    assert.equal(err.details['rule'], 'retention.tag');
    const entries = await allAuditEntries(engine());
    assert.equal(entries.filter((e) => e.errorCode === 'policy_violation').length, 1);
  });
});
