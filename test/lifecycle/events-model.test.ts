import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KeywardError } from '../../src/core/errors.ts';
import { checkEventFilter, matchesFilter } from '../../src/lifecycle/events/event-filter.ts';
import { EVENT_TYPES, eventFromAudit, eventTypeOf } from '../../src/lifecycle/events/key-event.ts';
import { MAX_ATTEMPTS, RETRY_DELAYS_MS, retryDelayMs } from '../../src/lifecycle/events/retry-schedule.ts';
import { checkWebhookUrl, isLoopbackHostname, webhookOrigin } from '../../src/lifecycle/events/webhook-url.ts';
import type { AuditRecord } from '../../src/storage/records.ts';

function entry(action: string, more: Partial<AuditRecord> = {}): AuditRecord {
  return {
    seq: 7,
    chainHash: 'ab',
    time: '2026-01-01T00:00:00.000Z',
    actor: 'user:alice',
    action,
    keyId: 'key_0123456789abcdef01234567',
    keyVersion: 2,
    outcome: 'success',
    errorCode: null,
    requestId: 'req_1',
    correlationId: null,
    source: '127.0.0.1',
    details: { keyName: 'billing' },
    ...more,
  };
}

describe('events from audit entries', () => {
  it('maps each lifecycle action to its event type', () => {
    const cases: [string, string][] = [
      ['key.create', 'key.created'],
      ['key.import', 'key.created'],
      ['key.rotate', 'key.rotated'],
      ['key.activate', 'key.state-changed'],
      ['key.suspend', 'key.state-changed'],
      ['key.resume', 'key.state-changed'],
      ['key.deactivate', 'key.state-changed'],
      ['key.compromise', 'key.state-changed'],
      ['key.update', 'key.updated'],
      ['key.set-min-decryption-version', 'key.updated'],
      ['key.schedule-deletion', 'key.deletion-scheduled'],
      ['key.cancel-deletion', 'key.deletion-cancelled'],
      ['key.destroy', 'key.destroyed'],
      ['breakglass.use', 'breakglass.used'],
      ['approval.request', 'approval.requested'],
      ['approval.approve', 'approval.approved'],
      ['approval.deny', 'approval.denied'],
      ['approval.cancel', 'approval.cancelled'],
      ['approval.expire', 'approval.expired'],
      ['approval.complete', 'approval.executed'],
    ];
    for (const [action, type] of cases) assert.equal(eventTypeOf(entry(action)), type, action);
    assert.deepEqual(new Set(cases.map(([, type]) => type)), new Set(EVENT_TYPES.filter((t) => t !== 'policy.violation')), 'every type has an action');
  });

  it('is no event for reads, crypto, failures and refusals', () => {
    for (const action of ['key.describe', 'key.list', 'crypto.encrypt', 'audit.query', 'token.create', 'approval.list', 'breakglass.review', 'webhook.create', 'events.subscribe', 'sys.unseal']) {
      assert.equal(eventTypeOf(entry(action)), null, action);
    }
    assert.equal(eventTypeOf(entry('key.rotate', { outcome: 'failure', errorCode: 'conflict' })), null);
    assert.equal(eventTypeOf(entry('key.destroy', { outcome: 'denied', errorCode: 'permission_denied' })), null);
  });

  it('is policy.violation for any action refused by a policy', () => {
    assert.equal(eventTypeOf(entry('key.create', { outcome: 'denied', errorCode: 'policy_violation' })), 'policy.violation');
    assert.equal(eventTypeOf(entry('crypto.encrypt', { outcome: 'failure', errorCode: 'policy_violation' })), 'policy.violation');
  });

  it('carries the entry’s identity and only the listed details', () => {
    const event = eventFromAudit(entry('key.suspend', { details: { keyName: 'billing', from: 'active', to: 'suspended', reason: 'maintenance', plaintextHmac: 'ff00', binding: 'rb_1' } }));
    assert.deepEqual(event, {
      id: 'evt_7',
      type: 'key.state-changed',
      time: '2026-01-01T00:00:00.000Z',
      seq: 7,
      action: 'key.suspend',
      outcome: 'success',
      keyId: 'key_0123456789abcdef01234567',
      keyName: 'billing',
      version: 2,
      actor: 'user:alice',
      details: { from: 'active', to: 'suspended', reason: 'maintenance' },
    });
    assert.equal(eventFromAudit(entry('crypto.decrypt')), null);
  });
});

describe('event filters', () => {
  it('match by type glob and key name glob', () => {
    const filter = checkEventFilter({ types: ['key.state-changed', 'approval.*'], key: 'pay-*' });
    assert.equal(matchesFilter(filter, { type: 'key.state-changed', keyName: 'pay-1' }), true);
    assert.equal(matchesFilter(filter, { type: 'approval.approved', keyName: 'pay-2' }), true);
    assert.equal(matchesFilter(filter, { type: 'key.rotated', keyName: 'pay-1' }), false);
    assert.equal(matchesFilter(filter, { type: 'key.state-changed', keyName: 'hr-1' }), false);
    assert.equal(matchesFilter(filter, { type: 'approval.approved', keyName: null }), false, 'a key filter never matches events about no key');
    const all = checkEventFilter({});
    assert.deepEqual(all, { types: null, key: null });
    assert.equal(matchesFilter(all, { type: 'breakglass.used', keyName: null }), true);
  });

  it('refuse unknown types, and globs that match none', () => {
    for (const types of [['key.exploded'], ['nope.*'], ['KEY.created'], ['']]) {
      assert.throws(() => checkEventFilter({ types }), (e: unknown) => e instanceof KeywardError && e.code === 'validation_failed' && e.details['field'] === 'types', String(types));
    }
    assert.throws(() => checkEventFilter({ key: 'bad key' }), (e: unknown) => e instanceof KeywardError && e.details['field'] === 'key');
    assert.deepEqual(checkEventFilter({ types: ['key.*', 'key.*'] }).types, ['key.*']);
  });
});

describe('webhook URLs', () => {
  const strict = { allowInsecureLoopback: false };
  const loose = { allowInsecureLoopback: true };
  const refused = (url: string, policy = loose): void => {
    assert.throws(() => checkWebhookUrl(url, policy), (e: unknown) => e instanceof KeywardError && e.code === 'validation_failed' && e.details['field'] === 'url', url);
  };

  it('accept https anywhere and normalise it', () => {
    assert.equal(checkWebhookUrl('https://Hooks.Example.com/keyward?x=1', strict), 'https://hooks.example.com/keyward?x=1');
  });

  it('accept plain http only to loopback, and only when allowed', () => {
    for (const url of ['http://127.0.0.1:8080/h', 'http://localhost/h', 'http://[::1]:9/h', 'http://127.9.9.9/h']) {
      assert.equal(checkWebhookUrl(url, loose), new URL(url).href);
      refused(url, strict);
    }
    for (const url of ['http://example.com/h', 'http://10.0.0.1/h', 'http://192.168.1.1/h', 'http://[::2]/h', 'http://127.0.0.1.nip.io/h', 'http://localhost.example.com/h']) refused(url);
  });

  it('refuse other schemes, credentials, fragments and junk', () => {
    for (const url of ['ftp://127.0.0.1/h', 'file:///etc/passwd', 'https://u:p@example.com/h', 'https://example.com/h#frag', 'example.com/h', '', `https://example.com/${'a'.repeat(2100)}`]) refused(url);
  });

  it('name loopback hosts as URL.hostname gives them', () => {
    assert.equal(isLoopbackHostname('[::ffff:7f00:1]'), true);
    assert.equal(isLoopbackHostname('[::ffff:a00:1]'), false);
    assert.equal(webhookOrigin('https://hooks.example.com/secret-path?token=x'), 'https://hooks.example.com');
  });
});

describe('the retry schedule', () => {
  it('backs off 10 s, 30 s, 2 min, 10 min, 1 h, 3 h, 6 h with ±20 % jitter, then gives up after 8 attempts', () => {
    assert.equal(MAX_ATTEMPTS, 8);
    for (let attempts = 1; attempts < MAX_ATTEMPTS; attempts++) {
      const base = RETRY_DELAYS_MS[attempts - 1] as number;
      assert.equal(retryDelayMs(attempts, () => 0), Math.round(base * 0.8));
      assert.equal(retryDelayMs(attempts, () => 0.5), base);
      assert.ok(Math.abs((retryDelayMs(attempts, () => 0.999999) as number) - base * 1.2) <= 1 + base * 1e-6);
    }
    assert.deepEqual(RETRY_DELAYS_MS.slice(0, 3), [10_000, 30_000, 120_000]);
    assert.equal(retryDelayMs(MAX_ATTEMPTS), null);
    assert.equal(retryDelayMs(0), null);
  });
});
