import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/core/clock.ts';
import { totpCode } from '../../src/auth/totp.ts';
import { allAuditEntries, rejectsWith, root, useDevEngine } from './helpers.ts';
import { contextOf, enrolTotp, login, PASSWORD, person, uniqueName } from './governance-fixtures.ts';

const text = (s: string): Buffer => Buffer.from(s, 'utf8');

describe('governance: identities and login', () => {
  const engine = useDevEngine();

  it('a user logs in with a password; a wrong one is refused and audited; the token speaks for the identity', async () => {
    const name = uniqueName('ann');
    await engine().governance.identities.createUser(root, { name, password: PASSWORD, team: 'payments', email: `${name}@example.com` });
    await rejectsWith(engine().governance.identities.login({ source: '10.0.0.9' }, { username: name, password: 'wrong password here' }), 'unauthenticated');
    await rejectsWith(engine().governance.identities.login({ source: '10.0.0.9' }, { username: 'nobody-at-all', password: PASSWORD }), 'unauthenticated');
    const me = await login(engine(), name);
    assert.equal(me.ctx.principal.type, 'identity');
    assert.equal(me.ctx.principal.actor, `user:${name}`);
    assert.match(me.token, /^kwi_/);
    const entries = (await allAuditEntries(engine())).filter((e) => e.action === 'auth.login');
    const failures = entries.filter((e) => e.outcome !== 'success');
    assert.ok(failures.some((e) => e.details['reason'] === 'bad-credentials' && e.actor === `user:${name}`));
    assert.ok(failures.some((e) => e.details['reason'] === 'unknown-identity' && e.actor === 'anonymous:10.0.0.9'));
    for (const e of entries) assert.ok(!JSON.stringify(e).includes(PASSWORD), 'no password in the audit log');
  });

  it('locks a name after repeated failures (too_many_attempts), even for the right password', async () => {
    const name = uniqueName('locked');
    await engine().governance.identities.createUser(root, { name, password: PASSWORD });
    for (let i = 0; i < 5; i++) await rejectsWith(engine().governance.identities.login({ source: 't' }, { username: name, password: `nope-nope-nope-${i}` }), 'unauthenticated');
    const err = await rejectsWith(engine().governance.identities.login({ source: 't' }, { username: name, password: PASSWORD }), 'too_many_attempts');
    assert.ok(Number(err.details['retryAfterSeconds']) > 0);
  });

  it('tokens of a suspended identity stop working immediately; reactivation needs a new login', async () => {
    const bob = await person(engine(), uniqueName('bob'), [['auditor', 'all']]);
    await engine().audit.query(bob.ctx, { limit: 1 });
    await engine().governance.identities.setStatus(root, bob.name, 'suspended', 'investigation');
    await rejectsWith(engine().tokens.authenticate(bob.token, { source: 't' }), 'unauthenticated');
    await rejectsWith(engine().governance.identities.login({ source: 't' }, { username: bob.name, password: PASSWORD }), 'unauthenticated');
    await engine().governance.identities.setStatus(root, bob.name, 'active');
    await rejectsWith(engine().tokens.authenticate(bob.token, { source: 't' }), 'unauthenticated', 'old tokens stay revoked');
    const again = await login(engine(), bob.name);
    await engine().audit.query(again.ctx, { limit: 1 });
  });

  it('service accounts log in with client credentials; the secret is shown once and stored hashed', async () => {
    const name = uniqueName('ci-bot');
    const sa = await engine().governance.identities.createServiceAccount(root, { name, owner: 'platform-team' });
    assert.match(sa.clientSecret, /^kwc_/);
    const stored = await engine().store.findDocument(`identity`, name);
    assert.ok(stored && !JSON.stringify(stored.data).includes(sa.clientSecret));
    const { token } = await engine().governance.identities.loginClient({ source: 't' }, { clientId: name, clientSecret: sa.clientSecret });
    assert.equal((await contextOf(engine(), token)).principal.actor, `sa:${name}`);
    await rejectsWith(engine().governance.identities.loginClient({ source: 't' }, { clientId: name, clientSecret: 'kwc_wrong' }), 'unauthenticated');
    await rejectsWith(engine().governance.identities.createServiceAccount(root, { name: uniqueName('orphan') }), 'validation_failed', 'a service account needs an owner');
  });
});

describe('governance: TOTP second factor', () => {
  const clock = new ManualClock('2026-11-24T10:00:00.000Z');
  const engine = useDevEngine({ clock });

  it('once enrolled, login needs a valid code; a code is accepted once; a TOTP login marks the token mfa', async () => {
    const carol = await person(engine(), uniqueName('carol'), []);
    const secret = await enrolTotp(engine(), carol, clock.now());
    clock.advance(60_000);
    await rejectsWith(engine().governance.identities.login({ source: 't' }, { username: carol.name, password: PASSWORD }), 'unauthenticated', 'no code');
    await rejectsWith(engine().governance.identities.login({ source: 't' }, { username: carol.name, password: PASSWORD, totp: '000000' }), 'unauthenticated', 'wrong code');
    const code = totpCode(secret, clock.now());
    const ok = await login(engine(), carol.name, code);
    assert.equal(ok.ctx.principal.identity?.mfa, true);
    await rejectsWith(engine().governance.identities.login({ source: 't' }, { username: carol.name, password: PASSWORD, totp: code }), 'unauthenticated', 'replayed code');
    const doc = await engine().store.findDocument<{ totp: { wrapped: string } }>('identity', carol.name);
    assert.ok(doc && !JSON.stringify(doc.data).includes(secret), 'the TOTP secret is stored wrapped');
  });
});

describe('governance: roles, scopes, environments and conditions', () => {
  const engine = useDevEngine();

  it('key-user uses only the keys its scope covers; key-admin and auditor cannot use keys', async () => {
    await engine().keys.create(root, { name: 'pay-a', spec: 'AES_256_GCM', environment: 'dev', tags: { team: 'pay' } });
    await engine().keys.create(root, { name: 'hr-a', spec: 'AES_256_GCM', environment: 'dev' });
    const user = await person(engine(), uniqueName('user'), [['key-user', 'tag:team=pay']]);
    const admin = await person(engine(), uniqueName('admin'), [['key-admin', 'all']]);
    const auditor = await person(engine(), uniqueName('aud'), [['auditor', 'all']]);
    await engine().crypto.encrypt(user.ctx, { key: 'pay-a', plaintext: text('x') });
    await rejectsWith(engine().crypto.encrypt(user.ctx, { key: 'hr-a', plaintext: text('x') }), 'permission_denied');
    await rejectsWith(engine().crypto.encrypt(admin.ctx, { key: 'pay-a', plaintext: text('x') }), 'permission_denied');
    await rejectsWith(engine().crypto.encrypt(auditor.ctx, { key: 'pay-a', plaintext: text('x') }), 'permission_denied');
    await engine().keys.rotate(admin.ctx, 'hr-a');
    await rejectsWith(engine().keys.create(auditor.ctx, { name: 'nope', spec: 'AES_256_GCM' }), 'permission_denied');
    await engine().audit.query(auditor.ctx, { limit: 1 });
    await rejectsWith(engine().audit.query(user.ctx, { limit: 1 }), 'permission_denied');
  });

  it('environment separation: a dev identity bound on all keys cannot use a prod key unless bound to it explicitly', async () => {
    await engine().keys.create(root, { name: 'prod-db', spec: 'AES_256_GCM', environment: 'prod', tier: 2 });
    await engine().keys.create(root, { name: 'dev-db', spec: 'AES_256_GCM', environment: 'dev' });
    const name = uniqueName('dev-svc');
    const dev = await person(engine(), name, [['key-user', 'all']], { environment: 'dev' });
    await engine().crypto.encrypt(dev.ctx, { key: 'dev-db', plaintext: text('x') });
    await rejectsWith(engine().crypto.encrypt(dev.ctx, { key: 'prod-db', plaintext: text('x') }), 'permission_denied');
    await engine().governance.access.createBinding(root, { role: 'key-user', subject: `user:${name}`, scope: 'key:prod-db' });
    const again = await login(engine(), name);
    await engine().crypto.encrypt(again.ctx, { key: 'prod-db', plaintext: text('x') });
  });

  it('a Cedar condition on the encryption context and source network limits a binding', async () => {
    await engine().keys.create(root, { name: 'tenant-key', spec: 'AES_256_GCM' });
    const name = uniqueName('tenant-app');
    await engine().governance.identities.createUser(root, { name, password: PASSWORD });
    await engine().governance.access.createBinding(root, {
      role: 'key-user',
      subject: `user:${name}`,
      scope: 'key:tenant-key',
      condition: 'context.encryptionContext has tenant && context.encryptionContext.tenant == "acme" && context.sourceIp.isInRange(ip("127.0.0.0/8"))',
    });
    const app = await login(engine(), name);
    await engine().crypto.encrypt(app.ctx, { key: 'tenant-key', plaintext: text('x'), context: { tenant: 'acme' } });
    await rejectsWith(engine().crypto.encrypt(app.ctx, { key: 'tenant-key', plaintext: text('x'), context: { tenant: 'other' } }), 'permission_denied');
    await rejectsWith(engine().crypto.encrypt(app.ctx, { key: 'tenant-key', plaintext: text('x') }), 'permission_denied', 'no context: the condition fails closed');
    await rejectsWith(engine().crypto.encrypt({ ...app.ctx, source: '192.168.1.5' }, { key: 'tenant-key', plaintext: text('x'), context: { tenant: 'acme' } }), 'permission_denied');
    await rejectsWith(engine().governance.access.createBinding(root, { role: 'key-user', subject: `user:${name}`, scope: 'all', condition: 'context.hour >' }), 'validation_failed');
  });

  it('custom roles grant their actions; groups pass their bindings to members', async () => {
    await engine().governance.access.createRole(root, { name: 'verifier', actions: ['crypto.verify', 'key.describe'] });
    await engine().keys.create(root, { name: 'sig', spec: 'ECC_NIST_P256' });
    const group = await engine().governance.identities.createGroup(root, { name: uniqueName('verifiers') });
    await engine().governance.access.createBinding(root, { role: 'verifier', subject: `group:${group.name}`, scope: 'key:sig' });
    const name = uniqueName('gina');
    await engine().governance.identities.createUser(root, { name, password: PASSWORD, groups: [group.name] });
    const gina = await login(engine(), name);
    const { signature } = await engine().crypto.sign(root, { key: 'sig', message: text('m') });
    const verified = await engine().crypto.verify(gina.ctx, { key: 'sig', message: text('m'), signature });
    assert.equal(verified.valid, true);
    await rejectsWith(engine().crypto.sign(gina.ctx, { key: 'sig', message: text('m') }), 'permission_denied');
  });
});

describe('governance: separation of duties', () => {
  const engine = useDevEngine();

  it('admin-and-user: nobody holds key-admin and key-user on one protected key (binding refused, naming the rule)', async () => {
    await engine().keys.create(root, { name: 'sod-prod', spec: 'AES_256_GCM', environment: 'prod', tier: 2 });
    const name = uniqueName('dual');
    await person(engine(), name, [['key-admin', 'key:sod-prod']]);
    const err = await rejectsWith(engine().governance.access.createBinding(root, { role: 'key-user', subject: `user:${name}`, scope: 'key:sod-prod' }), 'sod_violation');
    assert.equal(err.details['rule'], 'admin-and-user');
    // Not protected (dev, tier 3): allowed.
    await engine().keys.create(root, { name: 'sod-dev', spec: 'AES_256_GCM', environment: 'dev', tier: 3 });
    await engine().governance.access.createBinding(root, { role: 'key-admin', subject: `user:${name}`, scope: 'key:sod-dev' });
    await engine().governance.access.createBinding(root, { role: 'key-user', subject: `user:${name}`, scope: 'key:sod-dev' });
  });

  it('admin-and-user at use time: a key that becomes protected later refuses the dual holder', async () => {
    await engine().keys.create(root, { name: 'later-prod', spec: 'AES_256_GCM', environment: 'dev', tier: 3 });
    const name = uniqueName('later');
    const both = await person(engine(), name, [['key-admin', 'key:later-prod'], ['key-user', 'key:later-prod']]);
    await engine().crypto.encrypt(both.ctx, { key: 'later-prod', plaintext: text('x') });
    await engine().keys.update(root, 'later-prod', { tier: 1 });
    const err = await rejectsWith(engine().crypto.encrypt(both.ctx, { key: 'later-prod', plaintext: text('x') }), 'sod_violation');
    assert.equal(err.details['rule'], 'admin-and-user');
  });

  it('creator-sole-user: the creator of a protected key cannot be its only user', async () => {
    const creatorName = uniqueName('creator');
    const creator = await person(engine(), creatorName, [['key-admin', 'glob:made-*']]);
    await engine().keys.create(creator.ctx, { name: 'made-1', spec: 'AES_256_GCM', environment: 'prod', tier: 2 });
    await engine().governance.access.deleteBinding(root, (await engine().governance.access.listBindings(root, { subject: `user:${creatorName}` })).bindings[0]!.id);
    const err = await rejectsWith(engine().governance.access.createBinding(root, { role: 'key-user', subject: `user:${creatorName}`, scope: 'key:made-1' }), 'sod_violation');
    assert.equal(err.details['rule'], 'creator-sole-user');
    await person(engine(), uniqueName('other-user'), [['key-user', 'key:made-1']]);
    await engine().governance.access.createBinding(root, { role: 'key-user', subject: `user:${creatorName}`, scope: 'key:made-1' });
  });

  it('self-grant: nobody binds a role to themselves', async () => {
    const officer = await person(engine(), uniqueName('so'), [['security-officer', 'all']]);
    await engine().keys.create(root, { name: 'self-key', spec: 'AES_256_GCM', tier: 3 });
    const err = await rejectsWith(engine().governance.access.createBinding(officer.ctx, { role: 'key-user', subject: `user:${officer.name}`, scope: 'key:self-key' }), 'sod_violation');
    assert.equal(err.details['rule'], 'self-grant');
  });
});

describe('governance: approvals', () => {
  const clock = new ManualClock('2026-11-24T09:00:00.000Z');
  const engine = useDevEngine({ clock });

  it('destroying a key makes a request; it runs once two distinct officers approve; self-approval and double votes are refused', async () => {
    await engine().keys.create(root, { name: 'to-destroy', spec: 'AES_256_GCM', environment: 'prod', tier: 1 });
    await engine().keys.changeState(root, 'to-destroy', 'deactivate');
    const admin = await person(engine(), uniqueName('kadmin'), [['key-admin', 'all']]);
    const o1 = await person(engine(), uniqueName('officer'), [['security-officer', 'all']]);
    const o2 = await person(engine(), uniqueName('officer'), [['security-officer', 'all']]);
    const err = await rejectsWith(engine().keys.changeState(admin.ctx, 'to-destroy', 'destroy', 'retired service'), 'approval_required');
    const id = String(err.details['approvalId']);
    assert.equal((await engine().keys.describe(root, 'to-destroy')).state, 'deactivated', 'nothing happened yet');
    assert.equal((await rejectsWith(engine().governance.approvals.approve(admin.ctx, id), 'permission_denied')).code, 'permission_denied', 'the requester lacks the approver role');
    await engine().governance.access.createBinding(root, { role: 'security-officer', subject: `user:${admin.name}`, scope: 'all' });
    const adminAsOfficer = await login(engine(), admin.name);
    assert.equal((await rejectsWith(engine().governance.approvals.approve(adminAsOfficer.ctx, id), 'sod_violation')).details['rule'], 'self-approval');
    const first = await engine().governance.approvals.approve(o1.ctx, id, 'checked the ticket');
    assert.equal(first.status, 'pending');
    assert.equal((await rejectsWith(engine().governance.approvals.approve(o1.ctx, id), 'sod_violation')).details['rule'], 'distinct-approvers');
    const done = await engine().governance.approvals.approve(o2.ctx, id);
    assert.equal(done.status, 'executed', done.outcome ?? '');
    assert.equal((await engine().keys.describe(root, 'to-destroy')).state, 'destroyed');
    const entries = await allAuditEntries(engine());
    const destroy = entries.find((e) => e.action === 'key.destroy' && e.outcome === 'success');
    assert.equal(destroy?.actor, `user:${admin.name}`);
    assert.equal(destroy?.details['approvalId'], id);
    const complete = entries.find((e) => e.action === 'approval.complete' && e.details['approvalId'] === id);
    assert.deepEqual(complete?.details['approvers'], [`user:${o1.name}`, `user:${o2.name}`]);
    assert.ok(entries.some((e) => e.action === 'approval.request' && e.details['approvalId'] === id && e.details['requestedAction'] === 'key.destroy'));
  });

  it('any approver can deny; a denied request never runs', async () => {
    await engine().keys.create(root, { name: 'keep-me', spec: 'AES_256_GCM' });
    const admin = await person(engine(), uniqueName('kadmin'), [['key-admin', 'all']]);
    const officer = await person(engine(), uniqueName('officer'), [['security-officer', 'all']]);
    const id = String((await rejectsWith(engine().keys.changeState(admin.ctx, 'keep-me', 'suspend'), 'approval_required')).details['approvalId']);
    const denied = await engine().governance.approvals.deny(officer.ctx, id, 'no ticket');
    assert.equal(denied.status, 'denied');
    await rejectsWith(engine().governance.approvals.approve(officer.ctx, id), 'conflict');
    assert.equal((await engine().keys.describe(root, 'keep-me')).state, 'active');
  });

  it('requests expire (default 24 h) and then cannot be approved', async () => {
    await engine().keys.create(root, { name: 'expiring', spec: 'AES_256_GCM' });
    const admin = await person(engine(), uniqueName('kadmin'), [['key-admin', 'all']]);
    const officer = await person(engine(), uniqueName('officer'), [['security-officer', 'all']]);
    const id = String((await rejectsWith(engine().keys.changeState(admin.ctx, 'expiring', 'compromise'), 'approval_required')).details['approvalId']);
    clock.advance(25 * 3600_000);
    await rejectsWith(engine().governance.approvals.approve(officer.ctx, id), 'conflict');
    assert.equal((await engine().governance.approvals.get(root, id)).status, 'expired');
    assert.equal((await engine().keys.describe(root, 'expiring')).state, 'active');
  });

  it('a grant on a tier-1 key needs approval; root is not gated', async () => {
    await engine().keys.create(root, { name: 'crown-jewel', spec: 'AES_256_GCM', tier: 1 });
    const officer = await person(engine(), uniqueName('officer'), [['security-officer', 'all']]);
    const o2 = await person(engine(), uniqueName('officer'), [['security-officer', 'all']]);
    const o3 = await person(engine(), uniqueName('officer'), [['security-officer', 'all']]);
    const appName = uniqueName('app');
    await engine().governance.identities.createUser(root, { name: appName, password: PASSWORD });
    const id = String((await rejectsWith(engine().governance.access.createBinding(officer.ctx, { role: 'key-user', subject: `user:${appName}`, scope: 'key:crown-jewel' }), 'approval_required')).details['approvalId']);
    await engine().governance.approvals.approve(o2.ctx, id);
    const done = await engine().governance.approvals.approve(o3.ctx, id);
    assert.equal(done.status, 'executed', done.outcome ?? '');
    const app = await login(engine(), appName);
    await engine().crypto.encrypt(app.ctx, { key: 'crown-jewel', plaintext: text('x') });
  });
});

describe('governance: break-glass', () => {
  const engine = useDevEngine();

  it('an officer runs a sensitive operation without the quorum; it is flagged and stays open until two other officers review', async () => {
    await engine().keys.create(root, { name: 'leaked', spec: 'AES_256_GCM', environment: 'prod', tier: 1 });
    const o1 = await person(engine(), uniqueName('officer'), [['security-officer', 'all']]);
    const o2 = await person(engine(), uniqueName('officer'), [['security-officer', 'all']]);
    const o3 = await person(engine(), uniqueName('officer'), [['security-officer', 'all']]);
    const user = await person(engine(), uniqueName('user'), [['key-user', 'all']]);
    await rejectsWith(engine().governance.breakGlass.use(user.ctx, { action: 'key.compromise', key: 'leaked', justification: 'the key was pasted into a public chat channel' }), 'permission_denied');
    await rejectsWith(engine().governance.breakGlass.use(o1.ctx, { action: 'key.compromise', key: 'leaked', justification: 'too short' }), 'validation_failed');
    const use = await engine().governance.breakGlass.use(o1.ctx, { action: 'key.compromise', key: 'leaked', justification: 'the key was pasted into a public chat channel at 02:10' });
    assert.equal(use.succeeded, true, use.outcome);
    assert.equal(use.status, 'open');
    assert.equal((await engine().keys.describe(root, 'leaked')).state, 'compromised');
    const entries = await allAuditEntries(engine());
    const flagged = entries.find((e) => e.action === 'breakglass.use' && e.outcome === 'success');
    assert.equal(flagged?.details['flagged'], true);
    assert.equal(entries.find((e) => e.action === 'key.compromise' && e.outcome === 'success')?.details['breakGlassId'], use.id);
    assert.equal((await rejectsWith(engine().governance.breakGlass.review(o1.ctx, use.id, { verdict: 'justified' }), 'sod_violation')).details['rule'], 'self-review');
    assert.equal((await engine().governance.breakGlass.review(o2.ctx, use.id, { verdict: 'justified' })).status, 'open');
    assert.equal((await engine().governance.breakGlass.review(o3.ctx, use.id, { verdict: 'justified', comment: 'incident INC-7' })).status, 'reviewed');
    assert.deepEqual((await engine().governance.breakGlass.list(root, { status: 'open' })).uses, []);
  });
});

describe('governance: access review', () => {
  const engine = useDevEngine();

  it('reconciles against a directory: departed but active, unknown people; one step suspends the departed and revokes their tokens', async () => {
    await engine().keys.create(root, { name: 'pay-key', spec: 'AES_256_GCM', tags: { team: 'payments' } });
    const stays = await person(engine(), 'dana', [['key-user', 'key:pay-key']], { email: 'dana@example.com', team: 'payments' });
    const leaves = await person(engine(), 'eve', [['key-user', 'key:pay-key']], { email: 'eve@example.com', team: 'payments' });
    await person(engine(), 'mallory', [['key-user', 'key:pay-key']], { email: 'mallory@example.com', team: 'marketing' });
    await person(engine(), 'stranger', [], { email: 'stranger@elsewhere.org' });
    const csv = ['id,email,name,team,status,manager', 'e1,dana@example.com,Dana,payments,active,boss@example.com', 'e2,eve@example.com,Eve,payments,terminated,boss@example.com', 'e3,mallory@example.com,Mallory,marketing,active,'].join('\n');
    const imported = await engine().governance.reviews.importDirectory(root, csv, 'csv');
    assert.deepEqual(imported, { people: 3, active: 2, departed: 1, removed: 0 });
    const review = await engine().governance.reviews.run(root);
    const of = (type: string): string[] => review.findings.filter((f) => f.type === type).map((f) => f.identity).sort();
    assert.deepEqual(of('departed-active'), ['eve']);
    assert.deepEqual(of('not-in-directory'), ['stranger']);
    assert.deepEqual(of('beyond-team'), ['mallory']);
    const applied = await engine().governance.reviews.apply(root, review.id);
    assert.deepEqual(applied.suspended, ['eve']);
    await rejectsWith(engine().tokens.authenticate(leaves.token, { source: 't' }), 'unauthenticated');
    await engine().crypto.encrypt(stays.ctx, { key: 'pay-key', plaintext: text('x') });
    const done = await engine().governance.reviews.complete(root, review.id, 'quarterly review');
    assert.ok(done.completedAt);
    await rejectsWith(engine().governance.reviews.importDirectory(root, 'id,email\n,\n', 'csv'), 'validation_failed');
  });
});

describe('governance: TOTP required for sensitive steps (requireMfa)', () => {
  const clock = new ManualClock('2026-11-24T12:00:00.000Z');
  const engine = useDevEngine({ clock });

  it('with requireMfa, approving needs a TOTP login; the same officer after a TOTP login may approve', async () => {
    await engine().governance.access.updateSettings(root, { requireMfa: true });
    await engine().keys.create(root, { name: 'mfa-key', spec: 'AES_256_GCM' });
    const admin = await person(engine(), uniqueName('kadmin'), [['key-admin', 'all']]);
    const officer = await person(engine(), uniqueName('officer'), [['security-officer', 'all']]);
    // The request itself needs a TOTP login too.
    await rejectsWith(engine().keys.changeState(admin.ctx, 'mfa-key', 'suspend'), 'mfa_required');
    const adminSecret = await enrolTotp(engine(), admin, clock.now());
    clock.advance(60_000);
    const adminMfa = await login(engine(), admin.name, totpCode(adminSecret, clock.now()));
    const id = String((await rejectsWith(engine().keys.changeState(adminMfa.ctx, 'mfa-key', 'suspend'), 'approval_required')).details['approvalId']);
    await rejectsWith(engine().governance.approvals.approve(officer.ctx, id), 'mfa_required');
    const secret = await enrolTotp(engine(), officer, clock.now());
    clock.advance(60_000);
    const withTotp = await login(engine(), officer.name, totpCode(secret, clock.now()));
    assert.equal((await engine().governance.approvals.approve(withTotp.ctx, id)).status, 'pending');
  });
});
