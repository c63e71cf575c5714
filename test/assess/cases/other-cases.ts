import type { AuditIntegrity, DailyUse, ScanFinding, ScanSnapshot } from '../../../src/assess/input.ts';
import { daysAgo, hoursAgo, inventoryItem, key, keyUsage, NOW, snapshot, usage } from '../fixtures.ts';
import type { CheckCase } from './check-case.ts';

function scan(findings: ScanFinding[]): ScanSnapshot {
  return { scannedAt: daysAgo(1), targets: ['git@example.com:shop/api.git'], findings };
}

function scanFinding(id: string, checkId: ScanFinding['checkId'], over: Partial<ScanFinding> = {}): ScanFinding {
  return { id, checkId, rule: 'rule', file: `src/${id}.ts`, line: 3, commit: 'abcdef0123456789', fingerprint: `fp_${id}`, ...over };
}

function integrity(over: Partial<AuditIntegrity> = {}): AuditIntegrity {
  return { verifiedAt: NOW, ok: true, entries: 500, firstBad: null, problems: 0, lastAnchoredAt: hoursAgo(1), unanchoredEntries: 3, externalCopy: { configured: true, checkpoints: 12 }, ...over };
}

/** `perDay` operations by `actor` on each of the `days` days before now (day 1 = yesterday). */
function dailyRun(actor: string, perDay: number, days: number): DailyUse[] {
  return Array.from({ length: days }, (_, i) => ({ day: daysAgo(i + 1).slice(0, 10), actor, protect: perDay, process: 0, lastSeq: 1000 - i }));
}

const scannerCases: CheckCase[] = (['STO-01', 'STO-02', 'STO-03'] as const).map((id, i) => ({
  id,
  fires: snapshot({ scans: scan([scanFinding(`hit${i}`, id), scanFinding('other', id === 'STO-01' ? 'STO-02' : 'STO-01')]) }),
  fingerprints: [`${id}:file:src/hit${i}.ts:3:fp_hit${i}`],
  quiet: snapshot({ scans: scan([scanFinding('other', id === 'STO-01' ? 'STO-02' : 'STO-01')]) }),
}));

export const otherCases: CheckCase[] = [
  ...scannerCases,
  {
    id: 'STO-04',
    fires: snapshot({
      inventory: [inventoryItem('prod-key', { fingerprint: 'fp1' }), inventoryItem('dev-key', { fingerprint: 'fp1', environment: 'dev', source: 'vault' }), inventoryItem('alone', { fingerprint: 'fp2' })],
    }),
    fingerprints: ['STO-04:inventory-item:fingerprint:fp1'],
    quiet: snapshot({ inventory: [inventoryItem('prod-a', { fingerprint: 'fp1' }), inventoryItem('prod-b', { fingerprint: 'fp1', source: 'gcp' })] }),
  },
  {
    id: 'ALG-01',
    fires: snapshot({
      keys: [key('rsa', { spec: 'RSA_2048', usage: 'SIGN_VERIFY' }), key('aes')],
      policy: { id: 'pol_1', updatedAt: daysAgo(10), cryptoperiods: [], allowedSpecs: null, minRsaBits: 3072, requiredMetadata: [], retentionDays: null },
      inventory: [inventoryItem('tdes', { algorithm: '3DES', bits: 168 }), inventoryItem('rsa1k', { type: 'asymmetric', algorithm: 'RSA_1024', bits: 1024 }), inventoryItem('aes', { algorithm: 'AES_256' })],
    }),
    fingerprints: ['ALG-01:inventory-item:rsa1k', 'ALG-01:inventory-item:tdes', 'ALG-01:key:key_rsa'],
    messages: ['RSA 1024 bits is below 3072', '3DES is disallowed', 'below the 3072-bit RSA minimum'],
    quiet: snapshot({ keys: [key('rsa', { spec: 'RSA_3072', usage: 'SIGN_VERIFY' }), key('aes')], inventory: [inventoryItem('aes')] }),
  },
  {
    id: 'ALG-02',
    fires: snapshot({ keys: [key('signer', { spec: 'ECC_NIST_P256', usage: 'SIGN_VERIFY' }), key('aes')], inventory: [inventoryItem('ext-rsa', { type: 'asymmetric', algorithm: 'RSA_4096', bits: 4096 })] }),
    fingerprints: ['ALG-02:inventory-item:ext-rsa', 'ALG-02:key:key_signer'],
    quiet: snapshot({ keys: [key('aes'), key('mac', { spec: 'HMAC_SHA256', usage: 'GENERATE_VERIFY_MAC' })] }),
  },
  {
    id: 'LOG-01',
    fires: snapshot({ auditIntegrity: integrity({ ok: false, problems: 2, firstBad: { seq: 41, reason: 'modified' } }) }),
    fingerprints: ['LOG-01:system:audit-log'],
    messages: ['first at entry 41 (modified)'],
    quiet: snapshot({ auditIntegrity: integrity() }),
  },
  {
    id: 'LOG-02',
    fires: snapshot({ auditIntegrity: integrity({ lastAnchoredAt: hoursAgo(30), externalCopy: { configured: false, checkpoints: 0 } }) }),
    fingerprints: ['LOG-02:system:audit-log:checkpoint', 'LOG-02:system:audit-log:external'],
    messages: ['30 hours old', 'no checkpoint file'],
    quiet: snapshot({ auditIntegrity: integrity() }),
  },
  {
    id: 'BAK-01',
    fires: snapshot({ backups: [{ id: 'bk_old', createdAt: daysAgo(10), verifiedAt: daysAgo(10), ok: true }, { id: 'bk_new', createdAt: daysAgo(1), verifiedAt: null, ok: true }] }),
    fingerprints: ['BAK-01:system:backups'],
    messages: ['10 days old'],
    quiet: snapshot({ backups: [{ id: 'bk', createdAt: daysAgo(2), verifiedAt: daysAgo(2), ok: true }] }),
  },
  {
    id: 'BAK-02',
    fires: snapshot({ drills: [{ id: 'dr_1', at: daysAgo(10), ok: false, description: null }] }),
    fingerprints: ['BAK-02:system:dr-drill'],
    messages: ['none of 1 drill(s) succeeded'],
    quiet: snapshot({ drills: [{ id: 'dr_1', at: daysAgo(10), ok: false, description: null }, { id: 'dr_2', at: daysAgo(5), ok: true, description: 'restore to scratch' }] }),
  },
  {
    id: 'ANO-01',
    fires: snapshot({
      keys: [key('k', { createdAt: daysAgo(90) })],
      usage: usage([keyUsage('key_k', { uses: 1000, firstUsedAt: daysAgo(60), daily: [...dailyRun('token:app', 20, 30).map((d, i) => (i === 0 ? { ...d, protect: 500 } : d)), ...dailyRun('token:batch', 20, 30)] })]),
    }),
    fingerprints: ['ANO-01:key:key_k:token:app'],
    messages: ['token:app ran 500 operations'],
    quiet: snapshot({ usage: usage([keyUsage('key_k', { uses: 1000, firstUsedAt: daysAgo(60), daily: dailyRun('token:app', 20, 30).map((d, i) => (i === 0 ? { ...d, protect: 99 } : d)) })]) }),
  },
  {
    id: 'ANO-02',
    fires: snapshot({ usage: usage([keyUsage('key_k', { decryptFailures: [{ hour: hoursAgo(2).slice(0, 13), count: 30, firstSeq: 500, lastSeq: 560 }, { hour: daysAgo(20).slice(0, 13), count: 99, firstSeq: 1, lastSeq: 99 }] })]) }),
    fingerprints: ['ANO-02:key:key_k'],
    messages: ['30 failed decryptions'],
    quiet: snapshot({ usage: usage([keyUsage('key_k', { decryptFailures: [{ hour: hoursAgo(2).slice(0, 13), count: 5, firstSeq: 500, lastSeq: 504 }] })]) }),
  },
  {
    id: 'ANO-03',
    fires: snapshot({
      usage: usage([
        keyUsage('key_k', {
          firstUsedAt: daysAgo(60),
          sources: [
            { source: '10.0.0.1', firstSeenAt: daysAgo(60), firstSeq: 1, lastSeenAt: daysAgo(1), uses: 90 },
            { source: '203.0.113.9', firstSeenAt: daysAgo(2), firstSeq: 700, lastSeenAt: daysAgo(1), uses: 4 },
          ],
        }),
        keyUsage('key_new', { firstUsedAt: daysAgo(1), sources: [{ source: '198.51.100.7', firstSeenAt: daysAgo(1), firstSeq: 900, lastSeenAt: daysAgo(1), uses: 1 }] }),
      ]),
    }),
    fingerprints: ['ANO-03:key:key_k:203.0.113.9'],
    quiet: snapshot({ usage: usage([keyUsage('key_k', { firstUsedAt: daysAgo(60), sources: [{ source: '10.0.0.1', firstSeenAt: daysAgo(60), firstSeq: 1, lastSeenAt: daysAgo(1), uses: 90 }] })]) }),
  },
  {
    id: 'GOV-01',
    fires: snapshot({ policy: null }),
    fingerprints: ['GOV-01:policy:policy'],
    messages: ['no key-management policy'],
    quiet: snapshot({ policy: { id: 'pol_1', updatedAt: daysAgo(30), cryptoperiods: [], allowedSpecs: null, minRsaBits: 2048, requiredMetadata: ['owner'], retentionDays: null } }),
  },
  {
    id: 'GOV-02',
    fires: snapshot({
      suppressions: [
        { fingerprint: 'INV-05:key:key_a', owner: null, reason: 'legacy', expiresAt: daysAgo(-30), createdAt: daysAgo(3) },
        { fingerprint: 'INV-05:key:key_b', owner: 'bob', reason: 'legacy', expiresAt: daysAgo(-30), createdAt: daysAgo(3) },
      ],
    }),
    fingerprints: ['GOV-02:system:suppression:INV-05:key:key_a'],
    quiet: snapshot({ suppressions: [{ fingerprint: 'INV-05:key:key_b', owner: 'bob', reason: 'legacy', expiresAt: daysAgo(-30), createdAt: daysAgo(3) }] }),
  },
];
