import { daysAgo, inventoryItem, key, keyUsage, snapshot, token, usage } from '../fixtures.ts';
import type { CheckCase } from './check-case.ts';

export const rotationCases: CheckCase[] = [
  {
    id: 'ROT-01',
    fires: snapshot({ keys: [key('unscheduled', { rotationPeriodDays: null }), key('scheduled'), key('byok', { origin: 'imported', rotationPeriodDays: null })] }),
    fingerprints: ['ROT-01:key:key_unscheduled'],
    quiet: snapshot({ keys: [key('scheduled'), key('byok', { origin: 'imported', rotationPeriodDays: null })] }),
  },
  {
    id: 'ROT-02',
    fires: snapshot({
      keys: [
        key('ancient', { createdAt: daysAgo(800), rotationPeriodDays: null }),
        key('overdue', { createdAt: daysAgo(100), rotationPeriodDays: 90 }),
        key('rotated', { createdAt: daysAgo(800), currentVersion: 2, rotationPeriodDays: 90 }, [{}, { createdAt: daysAgo(10) }]),
      ],
    }),
    fingerprints: ['ROT-02:key:key_ancient', 'ROT-02:key:key_overdue'],
    messages: ['NIST SP 800-57', 'its rotation schedule allows 90 days'],
    quiet: snapshot({ keys: [key('fresh', { createdAt: daysAgo(30) }), key('rotated', { createdAt: daysAgo(800), currentVersion: 2 }, [{}, { createdAt: daysAgo(10) }])] }),
  },
  {
    id: 'ROT-03',
    fires: snapshot({
      inventory: [
        inventoryItem('off', { rotationEnabled: false }),
        inventoryItem('slow', { rotationPeriodDays: 1000 }),
        inventoryItem('cannot', { rotationEnabled: null }),
        inventoryItem('good'),
      ],
    }),
    fingerprints: ['ROT-03:inventory-item:off', 'ROT-03:inventory-item:slow'],
    quiet: snapshot({ inventory: [inventoryItem('good'), inventoryItem('cannot', { rotationEnabled: null })] }),
  },
  {
    id: 'ROT-04',
    fires: snapshot({
      keys: [key('k', { createdAt: daysAgo(100), currentVersion: 2 }, [{}, { createdAt: daysAgo(60) }])],
      usage: usage([keyUsage('key_k', { uses: 5, versions: [{ version: 1, uses: 5, lastUsedAt: daysAgo(5), lastUsedSeq: 42, lastProtectAt: null, lastProtectSeq: null }] })]),
    }),
    fingerprints: ['ROT-04:key-version:key_k/1:1'],
    messages: ['used 55 days after version 2 replaced it'],
    quiet: snapshot({
      keys: [key('k', { createdAt: daysAgo(100), currentVersion: 2 }, [{}, { createdAt: daysAgo(60) }])],
      usage: usage([keyUsage('key_k', { uses: 5, versions: [{ version: 1, uses: 5, lastUsedAt: daysAgo(59), lastUsedSeq: 42, lastProtectAt: null, lastProtectSeq: null }] })]),
    }),
  },
  {
    id: 'ROT-05',
    fires: snapshot({
      tokens: [token('aaa', { type: 'root', permissions: ['*'], expiresAt: null }), token('bbb'), token('ccc', { type: 'root', expiresAt: null, revokedAt: daysAgo(1) })],
      inventory: [inventoryItem('db-password', { type: 'secret', lastRotatedAt: daysAgo(200) }), inventoryItem('api-key', { type: 'token', lastRotatedAt: daysAgo(10) })],
    }),
    fingerprints: ['ROT-05:identity:token:aaa', 'ROT-05:inventory-item:db-password'],
    quiet: snapshot({ tokens: [token('bbb')], inventory: [inventoryItem('api-key', { type: 'token', lastRotatedAt: daysAgo(10) })] }),
  },
  {
    id: 'ROT-06',
    fires: snapshot({ keys: [key('busy', {}, [{ encryptionCount: 900, encryptionLimit: 1000 }]), key('calm', {}, [{ encryptionCount: 100, encryptionLimit: 1000 }])] }),
    fingerprints: ['ROT-06:key-version:key_busy/1:1'],
    messages: ['90.0% of its 1000 encryptions'],
    quiet: snapshot({ keys: [key('calm', {}, [{ encryptionCount: 100, encryptionLimit: 1000 }])] }),
  },
];
