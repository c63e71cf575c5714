import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assessed, defineCheck, type Check } from '../../src/assess/check.ts';
import { CHECKS } from '../../src/assess/checks/index.ts';
import type { PolicySnapshot } from '../../src/assess/input.ts';
import { cryptoperiod, NIST_CRYPTOPERIOD_DAYS } from '../../src/assess/key-rules.ts';
import { evaluateCheck, MAX_FINDINGS_PER_CHECK } from '../../src/assess/run.ts';
import { daysAgo, key, keyRecord, snapshot, usage } from './fixtures.ts';

const check = (id: string): Check => CHECKS.find((c) => c.info.id === id) as Check;

const policy: PolicySnapshot = {
  id: 'pol_7',
  updatedAt: daysAgo(10),
  cryptoperiods: [
    { tier: null, environment: null, days: 700 },
    { tier: 1, environment: null, days: 365 },
    { tier: 1, environment: 'prod', days: 180 },
  ],
  allowedSpecs: ['AES_256_GCM', 'ECC_NIST_P256'],
  minRsaBits: 2048,
  requiredMetadata: ['owner', 'tier'],
  retentionDays: 365,
};

describe('cryptoperiods', () => {
  it('take the most specific policy rule, else NIST SP 800-57 by usage', () => {
    assert.equal(cryptoperiod(keyRecord('a', { tier: 1, environment: 'prod' }), policy).days, 180);
    assert.equal(cryptoperiod(keyRecord('a', { tier: 1, environment: 'dev' }), policy).days, 365);
    assert.equal(cryptoperiod(keyRecord('a', { tier: 3 }), policy).days, 700);
    assert.equal(cryptoperiod(keyRecord('a'), undefined).days, NIST_CRYPTOPERIOD_DAYS.other);
    assert.equal(cryptoperiod(keyRecord('a', { spec: 'ED25519', usage: 'SIGN_VERIFY' }), null).days, NIST_CRYPTOPERIOD_DAYS.signing);
  });

  it('ROT-02 applies the policy cryptoperiod when it is shorter than the key schedule', () => {
    const keys = [key('crown', { tier: 1, environment: 'prod', createdAt: daysAgo(200), rotationPeriodDays: 365 })];
    assert.equal(evaluateCheck(check('ROT-02'), snapshot({ keys })).status, 'passed', 'NIST: 730 days');
    const result = evaluateCheck(check('ROT-02'), snapshot({ keys, policy }));
    assert.equal(result.status, 'failed');
    assert.match(result.findings[0]?.message ?? '', /policy pol_7 \(tier 1, prod\) allows 180 days/);
  });
});

describe('policy-driven checks', () => {
  it('INV-02 requires the metadata the policy names instead of the default', () => {
    const keys = [key('untiered', { tier: null, purpose: null })];
    assert.deepEqual(evaluateCheck(check('INV-02'), snapshot({ keys })).findings.map((f) => f.message), ['key "untiered" has no purpose']);
    assert.deepEqual(evaluateCheck(check('INV-02'), snapshot({ keys, policy })).findings.map((f) => f.message), ['key "untiered" has no tier']);
  });

  it('ALG-01 refuses specs outside the policy list', () => {
    const result = evaluateCheck(check('ALG-01'), snapshot({ keys: [key('mac', { spec: 'HMAC_SHA256', usage: 'GENERATE_VERIFY_MAC' })], policy }));
    assert.match(result.findings[0]?.message ?? '', /HMAC_SHA256, which the policy does not allow/);
  });

  it('GOV-01 fires on a policy not reviewed within a year', () => {
    const result = evaluateCheck(check('GOV-01'), snapshot({ policy: { ...policy, updatedAt: daysAgo(400) } }));
    assert.equal(result.status, 'failed');
    assert.match(result.findings[0]?.message ?? '', /400 days ago/);
  });
});

describe('severities and edge cases', () => {
  it('INV-04 rates an orphaned tier-1 key medium and others low', () => {
    const keys = [key('crown', { tier: 1, createdAt: daysAgo(200) }), key('plain', { tier: 3, createdAt: daysAgo(200) })];
    const result = evaluateCheck(check('INV-04'), snapshot({ keys, usage: usage([]) }));
    assert.deepEqual(result.findings.map((f) => [f.subject.label, f.severity]), [['crown', 'medium'], ['plain', 'low']]);
  });

  it('LIF-02 is not assessed when no deletion carries a retention end', () => {
    const result = evaluateCheck(check('LIF-02'), snapshot({ deletions: [{ keyId: 'key_a', keyName: 'a', status: 'destroyed', scheduledAt: null, retentionEndsAt: null, destroyedAt: daysAgo(1), authorisedBy: 'root:x', approvalId: null, evidenceSeqs: [] }] }));
    assert.equal(result.status, 'not-assessed');
    assert.match(result.reason ?? '', /retention/);
  });

  it('LOG-02 fires when no checkpoint anchors a non-empty log, and not on an empty one', () => {
    const integrity = { verifiedAt: daysAgo(0), ok: true, entries: 10, firstBad: null, problems: 0, lastAnchoredAt: null, unanchoredEntries: 10, externalCopy: { configured: true, checkpoints: 0 } };
    assert.equal(evaluateCheck(check('LOG-02'), snapshot({ auditIntegrity: integrity })).findings.length, 1);
    assert.equal(evaluateCheck(check('LOG-02'), snapshot({ auditIntegrity: { ...integrity, entries: 0, unanchoredEntries: 0 } })).status, 'passed');
  });

  it('reports a check that throws as error, never as passed', () => {
    const broken = defineCheck({
      info: { ...check('INV-05').info, id: 'INV-99' },
      needs: ['keys'],
      run: () => {
        throw new Error('boom');
      },
    });
    const result = evaluateCheck(broken, snapshot({ keys: [] }));
    assert.equal(result.status, 'error');
    assert.match(result.reason ?? '', /boom/);
  });

  it('keeps at most MAX_FINDINGS_PER_CHECK findings and says how many there were', () => {
    const many = defineCheck({
      info: { ...check('INV-05').info, id: 'INV-98' },
      needs: ['keys'],
      run: () => assessed(MAX_FINDINGS_PER_CHECK + 5, Array.from({ length: MAX_FINDINGS_PER_CHECK + 5 }, (_, i) => ({ subject: { kind: 'key' as const, id: `key_${String(i).padStart(4, '0')}` }, message: 'x' }))),
    });
    const result = evaluateCheck(many, snapshot({ keys: [] }));
    assert.equal(result.findings.length, MAX_FINDINGS_PER_CHECK);
    assert.equal(result.status, 'failed');
    assert.match(result.reason ?? '', new RegExp(`${MAX_FINDINGS_PER_CHECK + 5} findings`));
  });
});
