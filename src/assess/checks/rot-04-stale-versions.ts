import { assessed, defineCheck, seqRef, type FindingDraft } from '../check.ts';
import { usageByKey } from '../lookups.ts';
import { practice, nist57 } from '../refs.ts';
import { addDays, dayCount, daysBetween } from '../time.ts';

/** ROT-04: old versions still in use well after the key was rotated (data not re-encrypted, stale caches). */
export const rot04StaleVersions = defineCheck({
  info: {
    id: 'ROT-04',
    title: 'Old key versions still used after rotation',
    detects: 'A key version used (to decrypt or verify) more than N days (default 30) after a newer version replaced it: data was not re-encrypted, or clients cache old keys, so rotation did not limit exposure.',
    severity: 'medium',
    remediation: 'Re-encrypt data under the current version (`re-encrypt`), flush client caches, then raise the minimum decryption version.',
    refs: [practice('re-key rehearsal'), nist57('§5.3.4 recipient-usage period')],
    effort: 'medium',
  },
  needs: ['keys', 'usage'],
  run(input) {
    const usage = usageByKey(input.usage);
    const findings: FindingDraft[] = [];
    let examined = 0;
    for (const k of input.keys) {
      const u = usage.get(k.key.id);
      for (const v of k.versions) {
        const successor = k.versions.find((s) => s.version === v.version + 1);
        if (!successor) continue;
        examined++;
        const used = u?.versions.find((x) => x.version === v.version);
        const staleAfter = addDays(successor.createdAt, input.thresholds.staleVersionDays);
        if (used && used.lastUsedAt > staleAfter) {
          findings.push({
            subject: { kind: 'key-version', id: `${k.key.id}/${v.version}`, label: `${k.key.name} v${v.version}` },
            discriminator: String(v.version),
            message: `key "${k.key.name}" version ${v.version} was used ${dayCount(daysBetween(successor.createdAt, used.lastUsedAt))} after version ${successor.version} replaced it`,
            evidence: [seqRef(used.lastUsedSeq, 'last use')],
          });
        }
      }
    }
    return assessed(examined, findings);
  },
});
