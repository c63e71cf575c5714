import {
  type AccessReviewSnapshot,
  type BackupRecord as AssessedBackup,
  type DrillRecord as AssessedDrill,
  type ApprovalSnapshot,
  type BreakGlassUse,
  type CryptoperiodRule,
  type DeletionRecord,
  type DirectoryPerson as AssessedPerson,
  type IdentitySnapshot,
  type InventoryItem as AssessedItem,
  METADATA_FIELDS,
  type MetadataField,
  type PolicySnapshot,
  type RoleBindingSnapshot,
  type ScanFinding as AssessedScanFinding,
} from '../assess/input.ts';
import type { ApprovalRecord } from '../approvals/approval.ts';
import type { BreakGlassRecord } from '../approvals/breakglass.ts';
import { scopeCovers } from '../auth/grants.ts';
import { identityActor, type BindingRecord, type IdentityRecord } from '../auth/identities.ts';
import { administersKeys, BUILTIN_ROLES, usesKeys, type RoleDefinition } from '../auth/roles.ts';
import type { Clock } from '../core/clock.ts';
import { KEY_DELETION_KIND, type KeyDeletion } from '../lifecycle/deletion/key-deletion.ts';
import { PolicyVersions } from '../policy/policy-versions.ts';
import type { CollectContext, SnapshotSection } from './assess-service.ts';
import { allDocuments, KIND } from './governance/access-index.ts';
import type { BindingUsage } from './governance/governance-hooks.ts';
import type { AccessReview, DirectoryPerson } from './governance/review-service.ts';
import { keyFacts } from './operation.ts';
import { allInventory, registrationStatus } from '../inventory/all-inventory.ts';
import { listAllKeys } from '../storage/copy-store.ts';
import type { ItemState as InventoryItemState } from '../inventory/inventory-item.ts';
import { ENVIRONMENTS } from '../storage/records.ts';
import type { BackupInfo, DrillRecord } from './backup-service.ts';
import { SCAN_KIND, type StoredScan } from './scan-service.ts';

/**
 * The audit's view of governance, policy and lifecycle records: identities and bindings, the
 * directory and access reviews, approvals and break-glass, the key policy, scheduled deletions.
 * Each is a snapshot section (see assess-service.ts); an empty list means "in use, nothing there".
 */

/** Identities, role bindings, the directory, access reviews, approvals and break-glass uses. */
export const governanceSection: SnapshotSection = {
  name: 'governance',
  async collect(c: CollectContext) {
    const { store } = c;
    const identities = (await allDocuments<IdentityRecord>(store, KIND.identity)).map((d) => d.data);
    const bindings = (await allDocuments<BindingRecord>(store, KIND.binding)).map((d) => d.data);
    const roles = new Map<string, RoleDefinition>([...BUILTIN_ROLES, ...(await allDocuments<RoleDefinition>(store, KIND.role)).map((d) => d.data)].map((r) => [r.name, r]));
    const usage = new Map((await allDocuments<BindingUsage>(store, KIND.usage)).map((d) => [d.data.bindingId, d.data.lastUsedAt]));
    const people = (await allDocuments<DirectoryPerson>(store, KIND.person)).map((d) => d.data);
    const reviews = (await allDocuments<AccessReview>(store, KIND.review)).map((d) => d.data);
    const approvals = (await allDocuments<ApprovalRecord>(store, KIND.approval)).map((d) => d.data);
    const uses = (await allDocuments<BreakGlassRecord>(store, KIND.breakGlass)).map((d) => d.data);
    const keys = c.sofar.keys?.map((k) => k.key) ?? (await listAllKeys(store));
    const byId = new Map(identities.map((i) => [i.id, i]));

    const identitySnapshots: IdentitySnapshot[] = identities.map((i) => ({
      id: i.id,
      name: i.name,
      kind: i.kind,
      environment: (i.environment as IdentitySnapshot['environment']) ?? null,
      person: i.kind === 'user' ? (i.directoryId ?? i.email) : i.owner,
      status: i.status === 'active' ? 'active' : 'disabled',
      actors: [identityActor(i)],
    }));

    const roleBindings: RoleBindingSnapshot[] = [];
    for (const b of bindings) {
      const role = roles.get(b.role);
      if (!role) continue;
      const base = {
        subject: b.subject.type === 'identity' ? b.subject.id : b.subject.name,
        subjectKind: b.subject.type,
        role: b.role,
        grantsAdmin: administersKeys(role.actions),
        grantsUse: usesKeys(role.actions),
        createdBy: b.createdBy,
        createdAt: b.createdAt,
        lastUsedAt: usage.get(b.id) ?? null,
      } as const;
      // Name-based scopes are globs already; tag and environment scopes are expanded to the keys they cover now.
      const scope = b.scope;
      if (scope.type === 'all') roleBindings.push({ ...base, id: b.id, keyScope: '*' });
      else if (scope.type === 'key') roleBindings.push({ ...base, id: b.id, keyScope: scope.key });
      else if (scope.type === 'glob') roleBindings.push({ ...base, id: b.id, keyScope: scope.pattern });
      else {
        const env = b.subject.type === 'identity' ? (byId.get(b.subject.id)?.environment ?? null) : null;
        for (const k of keys.filter((key) => scopeCovers(scope, keyFacts(key), env))) roleBindings.push({ ...base, id: `${b.id}:${k.name}`, keyScope: k.name });
      }
    }

    const directory: AssessedPerson[] = people.map((p) => ({ id: p.id, email: p.email, name: p.name ?? p.email ?? p.id, status: p.status, team: p.team, manager: p.manager, departedAt: null }));
    const completed = reviews.map((r) => r.completedAt).filter((t): t is string => t !== null).sort();
    const accessReview: AccessReviewSnapshot = { lastCompletedAt: completed.at(-1) ?? null };

    const approvalSnapshots: ApprovalSnapshot[] = approvals.map((a) => ({
      id: a.id,
      action: a.action,
      keyId: a.keyId,
      requester: a.requester.actor,
      approvers: a.votes.filter((v) => v.vote === 'approve').map((v) => v.actor),
      status: a.status === 'failed' || a.status === 'cancelled' ? 'denied' : a.status,
      createdAt: a.createdAt,
      decidedAt: a.decidedAt,
    }));

    const breakGlass: BreakGlassUse[] = uses.map((u) => {
      const last = u.reviews.at(-1);
      return {
        id: u.id,
        actor: u.user.actor,
        keyId: u.keyId,
        usedAt: u.at,
        reviewStatus: u.status === 'reviewed' ? 'completed' : 'pending',
        reviewedBy: u.status === 'reviewed' ? u.reviews.map((r) => r.actor).join(', ') : null,
        reviewedAt: u.status === 'reviewed' ? (last?.at ?? null) : null,
      };
    });

    return {
      identities: identitySnapshots,
      roleBindings,
      // No directory imported: the directory-based checks cannot judge, so they say "not assessed".
      ...(people.length > 0 ? { directory } : {}),
      accessReview,
      approvals: approvalSnapshots,
      breakGlass,
    };
  },
};

/** The key policy in force (null when none was ever set: a finding of its own). */
export function policySection(clock: Clock): SnapshotSection {
  return {
    name: 'policy',
    async collect(c: CollectContext) {
      const current = await new PolicyVersions(c.store, clock, 0).current();
      if (!current) return { policy: null };
      const p = current.policy;
      const cryptoperiods: CryptoperiodRule[] = (p.rotation?.limits ?? []).map((l) => ({ tier: l.tier, environment: l.environment, days: l.days }));
      const known: readonly string[] = METADATA_FIELDS;
      const fields = (p.requiredMetadata?.base.fields ?? []).filter((f) => known.includes(f)) as MetadataField[];
      const holds = p.retention?.holds ?? [];
      const snapshot: PolicySnapshot = {
        id: `policy_v${current.version}`,
        updatedAt: current.createdAt,
        cryptoperiods,
        allowedSpecs: p.keySpecs?.base.allowed ?? null,
        minRsaBits: p.keySpecs?.base.minRsaBits ?? 2048,
        requiredMetadata: fields,
        retentionDays: holds.length > 0 ? Math.max(...holds.map((h) => h.days)) : null,
      };
      return { policy: snapshot };
    },
  };
}

/**
 * Scheduled and carried-out deletions from the lifecycle records (who asked, who authorised,
 * retention), with destroyed keys that have no such record kept from the audit log's view.
 */
export const deletionsSection: SnapshotSection = {
  name: 'deletions',
  async collect(c: CollectContext) {
    const records = (await allDocuments<KeyDeletion>(c.store, KEY_DELETION_KIND)).map((d) => d.data);
    const fromLog = new Map((c.sofar.deletions ?? []).map((d) => [d.keyId, d]));
    const deletions: DeletionRecord[] = [];
    const seen = new Set<string>();
    for (const r of records) {
      if (r.status === 'cancelled') continue;
      seen.add(r.keyId);
      const logged = fromLog.get(r.keyId);
      deletions.push({
        keyId: r.keyId,
        keyName: r.keyName,
        status: r.status === 'destroyed' ? 'destroyed' : 'scheduled',
        scheduledAt: r.scheduledAt,
        retentionEndsAt: r.lastRefusal?.retainedUntil ?? null,
        destroyedAt: r.destroyedAt,
        authorisedBy: r.authorisedBy.length > 0 ? r.authorisedBy.join(', ') : null,
        approvalId: r.approvalId,
        evidenceSeqs: logged?.evidenceSeqs ?? [],
      });
    }
    for (const d of fromLog.values()) if (!seen.has(d.keyId)) deletions.push(d);
    return { deletions };
  },
};

/**
 * Backups and DR drills. A backup counts as verified when a drill restored it successfully (or,
 * for a fresh-snapshot drill, the snapshot it took); the drill list is the recovery evidence.
 */
export const recoverySection: SnapshotSection = {
  name: 'recovery',
  async collect(c: CollectContext) {
    const backups = (await allDocuments<BackupInfo>(c.store, 'backup')).map((d) => d.data);
    const drills = (await allDocuments<DrillRecord>(c.store, 'dr-drill')).map((d) => d.data);
    const verified = new Map<string, string>();
    for (const d of drills) if (d.passed && d.backupId) verified.set(d.backupId, d.finishedAt > (verified.get(d.backupId) ?? '') ? d.finishedAt : (verified.get(d.backupId) ?? d.finishedAt));
    const backupRecords: AssessedBackup[] = backups.map((b) => ({ id: b.id, createdAt: b.createdAt, verifiedAt: verified.get(b.id) ?? null, ok: true }));
    // A drill on a fresh snapshot proves a backup taken at that moment restores: count it as one.
    for (const d of drills) {
      if (d.source === 'fresh' && d.passed) backupRecords.push({ id: d.backupId ?? d.id, createdAt: d.backupCreatedAt ?? d.startedAt, verifiedAt: d.finishedAt, ok: true });
    }
    const drillRecords: AssessedDrill[] = drills.map((d) => ({
      id: d.id,
      at: d.finishedAt,
      ok: d.passed,
      description: `${d.source} backup, ${d.samples.filter((s) => s.ok).length}/${d.samples.length} samples decrypted, ${Math.round(d.totalMs)} ms`,
    }));
    return { backups: backupRecords, drills: drillRecords };
  },
};

/** External keys and secrets (imports and connectors) in the audit's vocabulary; managed keys are the `keys` section. */
export function inventorySection(clock: Clock): SnapshotSection {
  return {
    name: 'inventory',
    async collect(c: CollectContext) {
      const items = (await allInventory(c.store, { now: clock.now() })).filter((i) => i.provider !== 'keyward');
      const status = registrationStatus(items);
      const environments = new Set<string>(ENVIRONMENTS);
      const inventory: AssessedItem[] = items.map((i) => ({
        id: i.id,
        source: i.source,
        externalId: i.externalId ?? i.name,
        name: i.name,
        type: i.type === 'hmac' ? 'symmetric' : i.type === 'api-token' ? 'token' : i.type === 'password' ? 'secret' : i.type,
        algorithm: i.algorithm,
        bits: i.sizeBits,
        environment: i.environment !== null && environments.has(i.environment) ? (i.environment as AssessedItem['environment']) : null,
        owner: i.owner,
        tier: i.tier,
        state: itemState(i.state),
        status: status.get(i.id) ?? 'registered',
        rotationEnabled: i.rotation?.enabled ?? null,
        rotationPeriodDays: i.rotation?.periodDays ?? null,
        lastRotatedAt: i.lastRotatedAt,
        expiresAt: i.expiresAt,
        fingerprint: i.fingerprint,
        createdAt: i.createdAt,
      }));
      return { inventory };
    },
  };
}

function itemState(state: InventoryItemState): AssessedItem['state'] {
  switch (state) {
    case 'pending-deletion':
    case 'destroyed':
    case 'compromised':
    case 'disabled':
      return state;
    case 'enabled':
    case 'pending-activation':
    case 'pending-import':
    case 'unknown':
      return 'enabled';
    case 'expired':
    case 'unavailable':
      return 'disabled';
  }
}

/**
 * Secret-scan results: the newest uploaded scan of each target (an older scan of the same
 * target is superseded, so fixed secrets stop being reported once a clean scan arrives).
 */
export const scansSection: SnapshotSection = {
  name: 'scans',
  async collect(c: CollectContext) {
    const scans = (await allDocuments<StoredScan>(c.store, SCAN_KIND)).map((d) => d.data);
    if (scans.length === 0) return {};
    const latest = new Map<string, StoredScan>();
    for (const s of scans) {
      const key = `${s.kind}:${s.target}`;
      const seen = latest.get(key);
      if (!seen || s.finishedAt > seen.finishedAt) latest.set(key, s);
    }
    const current = [...latest.values()];
    const findings: AssessedScanFinding[] = current.flatMap((s) =>
      s.findings.map((f) => ({ id: `${s.id}:${f.fingerprint}:${f.file}:${f.line}`, checkId: f.check, rule: f.ruleId, file: `${s.target}/${f.file}`, line: f.line, commit: f.commit, fingerprint: f.fingerprint })),
    );
    const scannedAt = current.map((s) => s.finishedAt).sort().at(-1) ?? c.now;
    return { scans: { scannedAt, targets: current.map((s) => s.target), findings } };
  },
};
