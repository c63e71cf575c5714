import type { BreakGlassUse, IdentitySnapshot, SensitiveOperation } from '../../../src/assess/input.ts';
import { binding, daysAgo, hoursAgo, key, keyUsage, snapshot, token, usage } from '../fixtures.ts';
import type { CheckCase } from './check-case.ts';

function identity(id: string, over: Partial<IdentitySnapshot> = {}): IdentitySnapshot {
  return { id, name: id.replace('id_', ''), kind: 'user', environment: null, person: null, status: 'active', actors: [`identity:${id}`], ...over };
}

function operation(seq: number, over: Partial<SensitiveOperation> = {}): SensitiveOperation {
  return { seq, time: daysAgo(3), action: 'key.destroy', keyId: 'key_x', actor: 'user:alice', approvalId: null, breakGlassId: null, ...over };
}

function breakGlass(id: string, over: Partial<BreakGlassUse> = {}): BreakGlassUse {
  return { id, actor: 'user:alice', keyId: null, usedAt: daysAgo(5), reviewStatus: 'pending', reviewedBy: null, reviewedAt: null, ...over };
}

const departed = [{ id: 'p_alice', email: 'alice@example.com', name: 'Alice', status: 'departed' as const, team: null, manager: null, departedAt: daysAgo(30) }];

export const accessCases: CheckCase[] = [
  {
    id: 'ACC-01',
    fires: snapshot({ roleBindings: [binding('b_all', { subject: '*', subjectKind: 'everyone' }), binding('b_one')] }),
    fingerprints: ['ACC-01:binding:b_all'],
    quiet: snapshot({ roleBindings: [binding('b_one')] }),
  },
  {
    id: 'ACC-02',
    fires: snapshot({
      tokens: [token('wide', { permissions: ['crypto.*'] }), token('star', { permissions: ['*@*'] }), token('scoped'), token('root', { type: 'root', permissions: ['*'], expiresAt: null })],
      roleBindings: [binding('b_wide', { keyScope: '*' }), binding('b_admin', { keyScope: '*', grantsUse: false, grantsAdmin: true })],
    }),
    fingerprints: ['ACC-02:binding:b_wide', 'ACC-02:identity:token:star', 'ACC-02:identity:token:wide'],
    quiet: snapshot({ tokens: [token('scoped'), token('audit', { permissions: ['audit.*'] })], roleBindings: [binding('b_one')] }),
  },
  {
    id: 'ACC-03',
    fires: snapshot({
      keys: [key('billing'), key('other')],
      roleBindings: [binding('b1', { role: 'key-admin', grantsAdmin: true, grantsUse: false }), binding('b2', { keyScope: 'bill*' }), binding('b3', { subject: 'id_bob', keyScope: 'other' })],
    }),
    fingerprints: ['ACC-03:key:key_billing:id_alice'],
    quiet: snapshot({ keys: [key('billing')], roleBindings: [binding('b1', { role: 'key-admin', grantsAdmin: true, grantsUse: false }), binding('b2', { subject: 'id_bob' })] }),
  },
  {
    id: 'ACC-04',
    fires: snapshot({
      keys: [key('solo', { createdBy: 'root:admin' }), key('shared', { createdBy: 'root:admin' })],
      usage: usage([
        keyUsage('key_solo', { uses: 4, lastUsedSeq: 12, principals: [{ actor: 'root:admin', uses: 4, lastUsedAt: daysAgo(1), lastUsedSeq: 12 }] }),
        keyUsage('key_shared', { uses: 4, principals: [{ actor: 'root:admin', uses: 1, lastUsedAt: daysAgo(1), lastUsedSeq: 12 }, { actor: 'token:app', uses: 3, lastUsedAt: daysAgo(1), lastUsedSeq: 13 }] }),
      ]),
    }),
    fingerprints: ['ACC-04:key:key_solo'],
    quiet: snapshot({
      keys: [key('shared', { createdBy: 'root:admin' })],
      usage: usage([keyUsage('key_shared', { uses: 3, principals: [{ actor: 'token:app', uses: 3, lastUsedAt: daysAgo(1), lastUsedSeq: 13 }] })]),
    }),
  },
  {
    id: 'ACC-05',
    fires: snapshot({ accessReview: { lastCompletedAt: daysAgo(120) } }),
    fingerprints: ['ACC-05:system:access-review'],
    messages: ['completed 120 days ago'],
    quiet: snapshot({ accessReview: { lastCompletedAt: daysAgo(10) } }),
  },
  {
    id: 'ACC-06',
    fires: snapshot({
      keys: [key('crown', { tier: 1 }), key('plain', { tier: 2 })],
      roleBindings: ['a', 'b', 'c', 'd'].map((s) => binding(`b_${s}`, { subject: `id_${s}`, grantsAdmin: true, grantsUse: false, keyScope: '*' })),
    }),
    fingerprints: ['ACC-06:key:key_crown'],
    messages: ['has 4 administrators (at most 3)'],
    quiet: snapshot({ keys: [key('crown', { tier: 1 })], roleBindings: ['a', 'b', 'c'].map((s) => binding(`b_${s}`, { subject: `id_${s}`, grantsAdmin: true, keyScope: '*' })) }),
  },
  {
    id: 'ACC-07',
    fires: snapshot({
      sensitiveOperations: [
        operation(10),
        operation(11, { approvalId: 'ap_self' }),
        operation(12, { approvalId: 'ap_ok' }),
        operation(13, { breakGlassId: 'bg_1' }),
        operation(14, { action: 'key.compromise' }),
      ],
      approvals: [
        { id: 'ap_self', action: 'key.destroy', keyId: 'key_x', requester: 'user:alice', approvers: ['user:alice'], status: 'executed', createdAt: daysAgo(4), decidedAt: daysAgo(4) },
        { id: 'ap_ok', action: 'key.destroy', keyId: 'key_x', requester: 'user:alice', approvers: ['user:bob'], status: 'executed', createdAt: daysAgo(4), decidedAt: daysAgo(4) },
      ],
    }),
    fingerprints: ['ACC-07:audit-entry:10', 'ACC-07:audit-entry:11'],
    quiet: snapshot({ sensitiveOperations: [operation(12, { approvalId: 'ap_ok' }), operation(14, { action: 'key.compromise' })] }),
  },
  {
    id: 'ACC-08',
    fires: snapshot({ breakGlass: [breakGlass('bg_old'), breakGlass('bg_self', { reviewStatus: 'completed', reviewedBy: 'user:alice', reviewedAt: daysAgo(4) }), breakGlass('bg_new', { usedAt: hoursAgo(5) })] }),
    fingerprints: ['ACC-08:breakglass:bg_old', 'ACC-08:breakglass:bg_self'],
    quiet: snapshot({ breakGlass: [breakGlass('bg_new', { usedAt: hoursAgo(5) }), breakGlass('bg_done', { reviewStatus: 'completed', reviewedBy: 'user:bob', reviewedAt: daysAgo(4) })] }),
  },
  {
    id: 'ACC-09',
    fires: snapshot({
      keys: [key('billing', { environment: 'prod' }), key('shared', { environment: 'staging' })],
      identities: [identity('id_ci', { kind: 'service', environment: 'ci' }), identity('id_api', { kind: 'service', environment: 'prod' }), identity('id_stage', { kind: 'service', environment: 'staging' })],
      roleBindings: [binding('b_ci', { subject: 'id_ci', keyScope: 'billing' })],
      usage: usage([
        keyUsage('key_shared', {
          uses: 2,
          principals: [
            { actor: 'identity:id_api', uses: 1, lastUsedAt: daysAgo(1), lastUsedSeq: 3 },
            { actor: 'identity:id_stage', uses: 1, lastUsedAt: daysAgo(1), lastUsedSeq: 4 },
          ],
        }),
      ]),
    }),
    fingerprints: ['ACC-09:key:key_billing', 'ACC-09:key:key_shared'],
    messages: ['ci identity ci may use it', 'used by identities of prod and staging'],
    quiet: snapshot({
      keys: [key('billing', { environment: 'prod' })],
      identities: [identity('id_api', { kind: 'service', environment: 'prod' })],
      roleBindings: [binding('b_api', { subject: 'id_api', keyScope: 'billing' })],
      usage: usage([keyUsage('key_billing', { uses: 1, principals: [{ actor: 'identity:id_api', uses: 1, lastUsedAt: daysAgo(1), lastUsedSeq: 3 }] })]),
    }),
  },
  {
    id: 'ACC-10',
    fires: snapshot({
      directory: departed,
      identities: [identity('id_alice', { person: 'alice@example.com' }), identity('id_old', { person: 'p_alice', status: 'disabled' })],
      roleBindings: [binding('b_old', { subject: 'id_old' })],
      tokens: [token('t_alice', { type: 'identity', identityId: 'id_alice' })],
    }),
    fingerprints: ['ACC-10:identity:id_alice', 'ACC-10:identity:id_old'],
    messages: ['an enabled identity, 1 live token(s)', '1 role binding(s)'],
    quiet: snapshot({ directory: departed, identities: [identity('id_old', { person: 'p_alice', status: 'disabled' })], roleBindings: [], tokens: [] }),
  },
];
