import { daysAgo, inventoryItem, key, keyUsage, snapshot, usage, usedKey } from '../fixtures.ts';
import type { CheckCase } from './check-case.ts';

const directory = [
  { id: 'p_alice', email: 'alice@example.com', name: 'Alice', status: 'departed' as const, team: 'payments', manager: null, departedAt: daysAgo(20) },
  { id: 'p_bob', email: 'bob@example.com', name: 'Bob', status: 'active' as const, team: 'team-pay', manager: null, departedAt: null },
];

export const inventoryCases: CheckCase[] = [
  {
    id: 'INV-01',
    fires: snapshot({ inventory: [inventoryItem('found', { status: 'discovered' }), inventoryItem('known')] }),
    fingerprints: ['INV-01:inventory-item:found'],
    quiet: snapshot({ inventory: [inventoryItem('known'), inventoryItem('retired', { status: 'gone' })] }),
  },
  {
    id: 'INV-02',
    fires: snapshot({ keys: [key('bare', { owner: null, purpose: null }), key('full')], inventory: [inventoryItem('loose', { owner: null })] }),
    fingerprints: ['INV-02:inventory-item:loose', 'INV-02:key:key_bare'],
    messages: ['has no owner', 'has no owner, purpose'],
    quiet: snapshot({ keys: [key('full'), key('gone', { state: 'destroyed', owner: null })] }),
  },
  {
    id: 'INV-03',
    fires: snapshot({
      keys: [key('a', { owner: 'alice@example.com' }), key('b', { owner: 'bob@example.com' }), key('c', { owner: 'team-pay' }), key('d', { owner: 'ghost' })],
      directory,
    }),
    fingerprints: ['INV-03:key:key_a', 'INV-03:key:key_d'],
    messages: ['Alice, who is departed', 'not in the directory'],
    quiet: snapshot({ keys: [key('b', { owner: 'Bob' }), key('c', { owner: 'team-pay' })], directory }),
  },
  {
    id: 'INV-04',
    fires: snapshot({
      keys: [
        key('never', { createdAt: daysAgo(200) }),
        key('idle', { createdAt: daysAgo(200), tier: 1 }),
        key('readonly', { createdAt: daysAgo(200) }),
        key('busy', { createdAt: daysAgo(200) }),
        key('young', { createdAt: daysAgo(10) }),
      ],
      usage: usage([
        usedKey('key_idle', 'token:app', daysAgo(100)),
        keyUsage('key_readonly', { uses: 3, firstUsedAt: daysAgo(5), lastUsedAt: daysAgo(2), lastUsedSeq: 7 }),
        usedKey('key_busy'),
      ]),
    }),
    fingerprints: ['INV-04:key:key_idle', 'INV-04:key:key_never', 'INV-04:key:key_readonly'],
    messages: ['last used 100 days ago', 'has never been used', 'never protected data'],
    quiet: snapshot({ keys: [key('busy', { createdAt: daysAgo(200) }), key('young')], usage: usage([usedKey('key_busy')]) }),
  },
  {
    id: 'INV-05',
    fires: snapshot({ keys: [key('unclassified', { tier: null }), key('classified')], inventory: [inventoryItem('ext', { tier: null })] }),
    fingerprints: ['INV-05:inventory-item:ext', 'INV-05:key:key_unclassified'],
    quiet: snapshot({ keys: [key('classified', { tier: 1 })], inventory: [inventoryItem('ext')] }),
  },
];
