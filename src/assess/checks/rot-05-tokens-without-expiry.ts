import { assessed, defineCheck, type FindingDraft } from '../check.ts';
import { cis, soc2, iso, pci } from '../refs.ts';
import { dayCount, daysBetween } from '../time.ts';

/** ROT-05: API tokens that never expire, and external secrets never rotated or without expiry. */
export const rot05TokensWithoutExpiry = defineCheck({
  info: {
    id: 'ROT-05',
    title: 'Tokens and secrets without expiry or rotation',
    detects: 'A live API token with no expiry (root tokens are meant for setup and break-glass only), or an external secret or token with no expiry that has not been rotated in N days (default 90).',
    severity: 'medium',
    remediation: 'Revoke root tokens once identities and roles are set up (`keyward token revoke`), use short-lived tokens, and give external secrets an expiry or rotation.',
    refs: [cis('Azure 9.3.1–9.3.4'), soc2('CC6.1'), iso('A.5.17'), pci('8.6.3')],
    effort: 'low',
  },
  needs: ['tokens'],
  uses: ['inventory'],
  run(input) {
    const findings: FindingDraft[] = [];
    const live = input.tokens.filter((t) => t.revokedAt === null && (t.expiresAt === null || t.expiresAt > input.now));
    for (const t of live.filter((x) => x.expiresAt === null)) {
      findings.push({
        subject: { kind: 'identity', id: `token:${t.accessor}`, label: `${t.type} token ${t.accessor}` },
        message: `${t.type} token ${t.accessor} (created ${t.createdAt.slice(0, 10)} by ${t.createdBy}) never expires`,
      });
    }
    const secrets = (input.inventory ?? []).filter((i) => (i.type === 'secret' || i.type === 'token') && i.status !== 'gone' && i.state === 'enabled');
    for (const s of secrets) {
      const since = s.lastRotatedAt ?? s.createdAt;
      if (s.expiresAt === null && since !== null && daysBetween(since, input.now) > input.thresholds.secretMaxAgeDays) {
        findings.push({
          subject: { kind: 'inventory-item', id: s.id, label: `${s.source}:${s.name}` },
          message: `${s.source} ${s.type} "${s.name}" has no expiry and was last ${s.lastRotatedAt ? 'rotated' : 'created'} ${dayCount(daysBetween(since, input.now))} ago`,
        });
      }
    }
    return assessed(live.length + secrets.length, findings);
  },
});
