import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/core/clock.ts';
import { permissionCovered, checkPermissions } from '../../src/auth/tokens.ts';
import type { CallContext } from '../../src/auth/principal.ts';
import { allAuditEntries, lastAuditEntry, rejectsWith, root, throwsWith, useDevEngine } from './helpers.ts';

const as = (principal: CallContext['principal']): CallContext => ({ principal, source: '127.0.0.1' });
const meta = { source: '127.0.0.1', requestId: 'req_test' };

describe('token permissions are never wider than the creator’s', () => {
  const cases: [string[], string, boolean][] = [
    [['*'], 'crypto.encrypt@billing', true],
    [['*'], '*', true],
    [['crypto.*'], 'crypto.encrypt', true],
    [['crypto.*'], 'crypto.*@billing-*', true],
    [['crypto.*'], 'key.create', false],
    [['crypto.*'], '*', false],
    [['crypto.encrypt'], 'crypto.*', false],
    [['crypto.*@billing-*'], 'crypto.encrypt@billing-eu', true],
    [['crypto.*@billing-*'], 'crypto.decrypt@billing-*', true],
    [['crypto.*@billing-*'], 'crypto.encrypt', false],
    [['crypto.*@billing-*'], 'crypto.encrypt@*', false],
    [['crypto.*@billing-*'], 'crypto.encrypt@payroll', false],
    [['key.describe', 'crypto.encrypt@a'], 'crypto.encrypt@a', true],
  ];
  for (const [granted, requested, expected] of cases) {
    it(`${JSON.stringify(granted)} ${expected ? 'covers' : 'does not cover'} "${requested}"`, () => {
      assert.equal(permissionCovered(granted, requested), expected);
    });
  }

  it('refuses malformed permission patterns and empty or oversized lists', () => {
    for (const bad of ['', 'Crypto.encrypt', 'crypto encrypt', 'crypto.*@', 'crypto.*@bad name', '@billing']) {
      throwsWith(() => checkPermissions([bad]), 'validation_failed', bad);
    }
    throwsWith(() => checkPermissions([]), 'validation_failed');
    throwsWith(() => checkPermissions(Array.from({ length: 65 }, (_, i) => `crypto.encrypt@k${i}`)), 'validation_failed');
    assert.deepEqual(checkPermissions(['key.list', 'key.list']), ['key.list'], 'duplicates collapse');
  });
});

describe('tokens through the engine', () => {
  const clock = new ManualClock('2026-03-01T00:00:00.000Z');
  const engine = useDevEngine({ clock, tokenDefaultTtlSeconds: 3600, tokenMaxTtlSeconds: 4 * 3600, tokenCacheTtlMs: 60_000 });

  it('creates a token whose principal has exactly the asked permissions, named by accessor, audited without the token', async () => {
    const { token, info } = await engine().tokens.create(root, { permissions: ['crypto.*@billing-*', 'key.describe'], description: 'ci' });
    assert.match(token, /^kwt_[A-Za-z0-9_-]{43}$/);
    assert.match(info.accessor, /^[0-9a-f]{24}$/);
    assert.deepEqual([info.type, info.ttlSeconds, info.renewable, info.expiresAt, info.createdBy], ['service', 3600, false, '2026-03-01T01:00:00.000Z', 'root:test']);
    const principal = await engine().tokens.authenticate(token, meta);
    assert.deepEqual(principal, { type: 'token', actor: `token:${info.accessor}`, permissions: ['crypto.*@billing-*', 'key.describe'], accessor: info.accessor });
    const entry = await lastAuditEntry(engine());
    assert.deepEqual([entry.action, entry.outcome, entry.details['accessor'], entry.details['ttlSeconds']], ['token.create', 'success', info.accessor, 3600]);
    assert.ok(!JSON.stringify(await allAuditEntries(engine())).includes(token), 'the token never enters the audit log');
  });

  it('a token can use only what it was granted', async () => {
    await engine().keys.create(root, { name: 'billing-eu', spec: 'AES_256_GCM' });
    await engine().keys.create(root, { name: 'payroll', spec: 'AES_256_GCM' });
    const { token } = await engine().tokens.create(root, { permissions: ['crypto.encrypt@billing-*'] });
    const ctx = as(await engine().tokens.authenticate(token, meta));
    await engine().crypto.encrypt(ctx, { key: 'billing-eu', plaintext: Buffer.from('x') });
    await rejectsWith(engine().crypto.encrypt(ctx, { key: 'payroll', plaintext: Buffer.from('x') }), 'permission_denied');
    await rejectsWith(engine().keys.create(ctx, { name: 'mine', spec: 'AES_256_GCM' }), 'permission_denied');
    const denied = await lastAuditEntry(engine());
    assert.equal(denied.actor, ctx.principal.actor);
    assert.equal(denied.outcome, 'denied');
  });

  it('refuses to create a token with more than its creator holds', async () => {
    const { token } = await engine().tokens.create(root, { permissions: ['token.create', 'crypto.*@billing-*'] });
    const ctx = as(await engine().tokens.authenticate(token, meta));
    await engine().tokens.create(ctx, { permissions: ['crypto.encrypt@billing-eu'] });
    await rejectsWith(engine().tokens.create(ctx, { permissions: ['crypto.encrypt@payroll'] }), 'permission_denied');
    await rejectsWith(engine().tokens.create(ctx, { permissions: ['*'] }), 'permission_denied');
  });

  it('bounds the TTL by the server maximum', async () => {
    await rejectsWith(engine().tokens.create(root, { permissions: ['key.list'], ttlSeconds: 4 * 3600 + 1 }), 'validation_failed');
    await rejectsWith(engine().tokens.create(root, { permissions: ['key.list'], ttlSeconds: 0 }), 'validation_failed');
    const { info } = await engine().tokens.create(root, { permissions: ['key.list'], ttlSeconds: 4 * 3600 });
    assert.equal(info.expiresAt, new Date(clock.now().getTime() + 4 * 3600_000).toISOString());
  });

  it('refuses an expired token, audited by accessor', async () => {
    const { token, info } = await engine().tokens.create(root, { permissions: ['key.list'], ttlSeconds: 60 });
    await engine().tokens.authenticate(token, meta);
    clock.advance(60_000);
    const err = await rejectsWith(engine().tokens.authenticate(token, meta), 'unauthenticated');
    assert.match(err.message, /expired/);
    const entry = await lastAuditEntry(engine());
    assert.deepEqual(
      [entry.action, entry.outcome, entry.actor, entry.details['reason'], entry.requestId, entry.source],
      ['auth.authenticate', 'denied', `token:${info.accessor}`, 'expired', 'req_test', '127.0.0.1'],
    );
  });

  it('refuses missing, malformed and unknown tokens, and audits each refusal', async () => {
    for (const [presented, reason] of [
      [null, 'missing'],
      ['not-a-token', 'unknown'],
      ['kwt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'unknown'],
    ] as const) {
      await rejectsWith(engine().tokens.authenticate(presented, meta), 'unauthenticated');
      const entry = await lastAuditEntry(engine());
      assert.equal(entry.details['reason'], reason);
      if (presented !== 'kwt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA') assert.equal(entry.actor, 'anonymous:127.0.0.1');
    }
  });

  it('revocation takes effect at once on this node, even with a cached lookup', async () => {
    const { token, info } = await engine().tokens.create(root, { permissions: ['key.list'] });
    await engine().tokens.authenticate(token, meta); // now cached
    const revoked = await engine().tokens.revoke(root, info.accessor);
    assert.equal(revoked.revokedAt, clock.now().toISOString());
    const err = await rejectsWith(engine().tokens.authenticate(token, meta), 'unauthenticated');
    assert.match(err.message, /revoked/);
    await rejectsWith(engine().tokens.revoke(root, 'f'.repeat(24)), 'token_not_found');
  });

  it('every token may look up, renew (if renewable) and revoke itself, and nothing else about tokens', async () => {
    const { token, info } = await engine().tokens.create(root, { permissions: ['key.list'], ttlSeconds: 600, renewable: true });
    const ctx = as(await engine().tokens.authenticate(token, meta));
    assert.equal((await engine().tokens.lookupSelf(ctx)).accessor, info.accessor);
    await rejectsWith(engine().tokens.lookup(ctx, info.accessor), 'permission_denied');
    await rejectsWith(engine().tokens.list(ctx), 'permission_denied');
    clock.advance(300_000);
    const renewed = await engine().tokens.renewSelf(ctx);
    assert.equal(renewed.expiresAt, new Date(clock.now().getTime() + 600_000).toISOString(), 'renewed by its own TTL from now');
    // Never past created + max TTL (4 h).
    const capped = await engine().tokens.renewSelf(ctx, 4 * 3600);
    assert.equal(capped.expiresAt, new Date(Date.parse(info.createdAt) + 4 * 3600_000).toISOString());
    await engine().tokens.revokeSelf(ctx);
    await rejectsWith(engine().tokens.authenticate(token, meta), 'unauthenticated');
  });

  it('a token created without renewable cannot renew', async () => {
    const { token } = await engine().tokens.create(root, { permissions: ['key.list'] });
    const ctx = as(await engine().tokens.authenticate(token, meta));
    await rejectsWith(engine().tokens.renewSelf(ctx), 'token_not_renewable');
  });

  it('lists tokens by accessor with pagination, never with their hashes', async () => {
    const first = await engine().tokens.list(root, { limit: 2 });
    assert.equal(first.tokens.length, 2);
    assert.ok(first.next);
    const rest = await engine().tokens.list(root, { after: first.next, limit: 1000 });
    const all = [...first.tokens, ...rest.tokens];
    assert.deepEqual(all.map((t) => t.accessor), [...all.map((t) => t.accessor)].sort());
    assert.ok(all.some((t) => t.type === 'root'), 'the root token from init is listed');
    for (const t of all) assert.ok(!('hash' in t));
  });
});
