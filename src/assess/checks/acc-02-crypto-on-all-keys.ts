import { globMatch } from '../../auth/authorize.ts';
import { assessed, defineCheck, type FindingDraft } from '../check.ts';
import { coversAllKeys } from '../lookups.ts';
import { practice, soc2, pci, iso } from '../refs.ts';

const CRYPTO_ACTIONS = ['crypto.encrypt', 'crypto.decrypt'];

/** Whether a permission (`<action-glob>[@<key-glob>]`) lets its holder encrypt or decrypt with every key. */
function cryptoOnEveryKey(permission: string): boolean {
  const at = permission.indexOf('@');
  const actions = at === -1 ? permission : permission.slice(0, at);
  const keys = at === -1 ? '*' : permission.slice(at + 1);
  return coversAllKeys(keys) && CRYPTO_ACTIONS.some((a) => globMatch(actions, a));
}

/** ACC-02: identities (or service tokens) that may use every key. */
export const acc02CryptoOnAllKeys = defineCheck({
  info: {
    id: 'ACC-02',
    title: 'Cryptographic use of every key',
    detects: 'A live service token or an identity\'s role binding that allows encrypting or decrypting with every key, instead of the keys its work needs. Root tokens are left to ROT-05.',
    severity: 'high',
    remediation: 'Scope the grant to the keys needed (`crypto.*@billing-*`) and revoke the broad one.',
    refs: [practice('AWS Config iam-customer-policy-blocked-kms-actions'), soc2('CC6.1'), soc2('CC6.3'), pci('7.2.2'), iso('A.8.2')],
    effort: 'medium',
  },
  needs: ['tokens'],
  uses: ['roleBindings'],
  run(input) {
    const findings: FindingDraft[] = [];
    const tokens = input.tokens.filter((t) => t.type !== 'root' && t.revokedAt === null && (t.expiresAt === null || t.expiresAt > input.now));
    for (const t of tokens) {
      const broad = t.permissions.filter(cryptoOnEveryKey);
      if (broad.length > 0) {
        findings.push({ subject: { kind: 'identity', id: `token:${t.accessor}`, label: `token ${t.accessor}` }, message: `token ${t.accessor} (created by ${t.createdBy}) may encrypt and decrypt with every key: ${broad.join(', ')}` });
      }
    }
    const bindings = (input.roleBindings ?? []).filter((b) => b.subjectKind !== 'everyone' && b.subject !== '*');
    for (const b of bindings.filter((x) => x.grantsUse && coversAllKeys(x.keyScope))) {
      findings.push({ subject: { kind: 'binding', id: b.id, label: `${b.role} → ${b.subject}` }, message: `${b.subjectKind} ${b.subject} holds ${b.role} (crypto use) on every key` });
    }
    return assessed(tokens.length + bindings.length, findings);
  },
});
