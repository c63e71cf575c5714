import type { ApprovalSnapshot, DeletionRecord } from '../../../src/assess/input.ts';
import { daysAgo, key, keyUsage, snapshot, usage } from '../fixtures.ts';
import type { CheckCase } from './check-case.ts';

function deletion(keyId: string, over: Partial<DeletionRecord> = {}): DeletionRecord {
  return { keyId, keyName: keyId.replace('key_', ''), status: 'destroyed', scheduledAt: daysAgo(10), retentionEndsAt: null, destroyedAt: daysAgo(3), authorisedBy: 'root:admin', approvalId: null, evidenceSeqs: [17], ...over };
}

function approval(id: string, over: Partial<ApprovalSnapshot> = {}): ApprovalSnapshot {
  return { id, action: 'key.destroy', keyId: 'key_ok', requester: 'user:alice', approvers: ['user:bob'], status: 'executed', createdAt: daysAgo(12), decidedAt: daysAgo(11), ...over };
}

const approved = approval('ap_ok');

export const lifecycleCases: CheckCase[] = [
  {
    id: 'LIF-01',
    fires: snapshot({
      deletions: [deletion('key_none'), deletion('key_ok', { approvalId: 'ap_ok' }), deletion('key_pending', { approvalId: 'ap_pending' }), deletion('key_other', { approvalId: 'ap_ok' })],
      approvals: [approved, approval('ap_pending', { keyId: 'key_pending', status: 'pending', decidedAt: null })],
    }),
    fingerprints: ['LIF-01:key:key_none', 'LIF-01:key:key_other', 'LIF-01:key:key_pending'],
    messages: ['without an approval request', 'of another key or action', 'which is pending'],
    quiet: snapshot({ deletions: [deletion('key_ok', { approvalId: 'ap_ok' })], approvals: [approved] }),
  },
  {
    id: 'LIF-02',
    fires: snapshot({
      deletions: [
        deletion('key_early', { retentionEndsAt: daysAgo(-30), destroyedAt: daysAgo(1) }),
        deletion('key_lingering', { status: 'scheduled', destroyedAt: null, retentionEndsAt: daysAgo(30) }),
        deletion('key_fine', { retentionEndsAt: daysAgo(10), destroyedAt: daysAgo(5) }),
      ],
    }),
    fingerprints: ['LIF-02:key:key_early', 'LIF-02:key:key_lingering'],
    messages: ['destroyed 31 days before its retention ended', 'still pending 30 days after'],
    quiet: snapshot({ deletions: [deletion('key_fine', { retentionEndsAt: daysAgo(10), destroyedAt: daysAgo(5) }), deletion('key_waiting', { status: 'scheduled', destroyedAt: null, retentionEndsAt: daysAgo(2) })] }),
  },
  {
    id: 'LIF-03',
    fires: snapshot({ deletions: [deletion('key_anon', { authorisedBy: null, evidenceSeqs: [] }), deletion('key_named')] }),
    fingerprints: ['LIF-03:key:key_anon'],
    quiet: snapshot({ deletions: [deletion('key_named'), deletion('key_later', { status: 'scheduled', authorisedBy: null, destroyedAt: null })] }),
  },
  {
    id: 'LIF-04',
    fires: snapshot({
      keys: [key('retired', { state: 'deactivated' })],
      usage: usage([
        keyUsage('key_retired', {
          uses: 2,
          inactiveStateUses: [
            { seq: 50, time: daysAgo(2), action: 'crypto.decrypt', kind: 'process', version: 1, actor: 'token:app', state: 'deactivated' },
            { seq: 51, time: daysAgo(1), action: 'crypto.encrypt', kind: 'protect', version: 1, actor: 'token:app', state: 'deactivated' },
          ],
          inactiveStateUseCount: 2,
        }),
      ]),
    }),
    fingerprints: ['LIF-04:key:key_retired'],
    messages: ['crypto.encrypt while deactivated (entry 51)'],
    quiet: snapshot({
      usage: usage([
        keyUsage('key_retired', { uses: 1, inactiveStateUses: [{ seq: 50, time: daysAgo(2), action: 'crypto.decrypt', kind: 'process', version: 1, actor: 'token:app', state: 'deactivated' }], inactiveStateUseCount: 1 }),
      ]),
    }),
  },
  {
    id: 'LIF-05',
    fires: snapshot({
      keys: [key('leaked', { state: 'compromised', compromisedAt: daysAgo(10) })],
      usage: usage([
        keyUsage('key_leaked', {
          uses: 3,
          lastUsedAt: daysAgo(2),
          lastUsedSeq: 90,
          inactiveStateUses: [{ seq: 90, time: daysAgo(2), action: 'crypto.decrypt', kind: 'process', version: 1, actor: 'token:app', state: 'compromised' }],
          inactiveStateUseCount: 1,
        }),
      ]),
    }),
    fingerprints: ['LIF-05:key:key_leaked'],
    quiet: snapshot({
      keys: [key('leaked', { state: 'compromised', compromisedAt: daysAgo(10) })],
      usage: usage([keyUsage('key_leaked', { uses: 3, lastUsedAt: new Date(Date.parse(daysAgo(10)) + 3_600_000).toISOString(), lastUsedSeq: 80 })]),
    }),
  },
  {
    id: 'LIF-06',
    fires: snapshot({
      keys: [key('old', { createdAt: daysAgo(800) })],
      usage: usage([keyUsage('key_old', { uses: 1, versions: [{ version: 1, uses: 1, lastUsedAt: daysAgo(5), lastUsedSeq: 9, lastProtectAt: daysAgo(5), lastProtectSeq: 9 }] })]),
    }),
    fingerprints: ['LIF-06:key:key_old:1'],
    quiet: snapshot({
      keys: [key('old', { createdAt: daysAgo(800) })],
      usage: usage([keyUsage('key_old', { uses: 1, versions: [{ version: 1, uses: 1, lastUsedAt: daysAgo(5), lastUsedSeq: 9, lastProtectAt: daysAgo(100), lastProtectSeq: 8 }] })]),
    }),
  },
];
