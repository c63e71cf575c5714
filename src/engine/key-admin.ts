import { KeywardError } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import type { CallContext } from '../auth/principal.ts';
import { generateKeyMaterial, publicKeyPem, symmetricKeyBytes } from '../crypto/key-material.ts';
import { SPEC_INFO, type KeySpec, type KeyUsage } from '../crypto/key-specs.ts';
import { checkMetadata, checkName, resolveUsage, MAX_TEXT, type CreateKeyInput, type KeyMetadataInput } from '../keys/key-input.ts';
import { wrapMaterial } from '../keys/key-ring.ts';
import { requireAllowed, transition, type StateAction } from '../keys/key-states.ts';
import { KEY_DELETION_KIND, scheduledDeletionLookup, type KeyDeletion } from '../lifecycle/deletion/key-deletion.ts';
import { requireRetentionOver } from '../lifecycle/deletion/retention.ts';
import type { AuditDetailValue, KeyListFilter, KeyOrigin, KeyPatch, KeyRecord, KeyVersionRecord } from '../storage/records.ts';
import type { StoreTx } from '../storage/store.ts';
import type { EngineContext } from './engine-context.ts';
import { keyView, type KeyView } from './key-view.ts';
import type { Operation } from './operation.ts';

export interface ImportKeyInput extends CreateKeyInput {
  /** Raw symmetric key bytes (BYOK). The caller should zero-fill its copy afterwards. */
  readonly material: Buffer;
}

export const MAX_LIST_LIMIT = 1000;

/** Key management: create, import, describe, list, update, rotate, state changes. */
export class KeyAdmin {
  readonly #c: EngineContext;

  constructor(c: EngineContext) {
    this.#c = c;
  }

  /** Creates a key with fresh material (version 1). */
  create(ctx: CallContext, input: CreateKeyInput): Promise<KeyView> {
    return this.#c.runner.run(ctx, 'key.create', (op) => this.#insert(op, input, 'generated', null));
  }

  /** Creates a symmetric key from material the caller brings (BYOK). */
  import(ctx: CallContext, input: ImportKeyInput): Promise<KeyView> {
    return this.#c.runner.run(ctx, 'key.import', (op) => this.#insert(op, input, 'imported', input.material));
  }

  async #insert(op: Operation, input: CreateKeyInput, origin: KeyOrigin, material: Buffer | null): Promise<KeyView> {
    op.precheck();
    const name = checkName(input.name);
    op.details['keyName'] = name;
    const { spec, usage } = resolveUsage(input.spec, input.usage);
    op.keySpec = spec;
    const meta = checkMetadata(input);
    op.authorize({ keyName: name });
    if (material) checkImportedMaterial(spec, material);
    await this.#c.policyGate?.checkCreate({ name, spec, preActivation: input.preActivation === true, ...meta }, op.details);
    const { rootKey } = this.#c.seal.secrets();
    // Refuse a taken name before picking an id, so the failure entry does not name a key that never
    // existed. insertKey still refuses a name taken concurrently (that entry keeps the unused id).
    if (await this.#c.store.getKeyByName(name)) throw new KeywardError('key_exists', `a key named "${name}" already exists`, { name });
    const id = newId('key');
    const now = this.#c.clock.now().toISOString();
    const version = this.#newVersion(rootKey, { keyId: id, version: 1, spec, usage, origin, now, material });
    const key: KeyRecord = {
      id,
      name,
      spec,
      usage,
      state: input.preActivation ? 'pre-activation' : 'active',
      origin,
      owner: meta.owner ?? null,
      purpose: meta.purpose ?? null,
      environment: meta.environment ?? null,
      tier: meta.tier ?? null,
      tags: meta.tags ?? {},
      description: meta.description ?? null,
      createdAt: now,
      createdBy: op.ctx.principal.actor,
      updatedAt: now,
      stateChangedAt: now,
      currentVersion: 1,
      minDecryptionVersion: 1,
      rotationPeriodDays: meta.rotationPeriodDays ?? null,
      lastRotatedAt: null,
      compromisedAt: null,
      destroyedAt: null,
      revision: 1,
    };
    op.keyId = id;
    op.keyVersion = 1;
    Object.assign(op.details, { spec, usage, state: key.state, owner: key.owner, environment: key.environment, tier: key.tier });
    op.mutation = (tx) => tx.insertKey(key, version);
    return keyView(key, [version]);
  }

  #newVersion(rootKey: Buffer, v: { keyId: string; version: number; spec: KeySpec; usage: KeyUsage; origin: KeyOrigin; now: string; material: Buffer | null }): KeyVersionRecord {
    const material = v.material ? Buffer.from(v.material) : generateKeyMaterial(v.spec);
    try {
      const family = SPEC_INFO[v.spec].family;
      return {
        keyId: v.keyId,
        version: v.version,
        wrappedMaterial: wrapMaterial(rootKey, material, { keyId: v.keyId, version: v.version, usage: v.usage }),
        publicKey: family === 'rsa' || family === 'ec' || family === 'ed25519' ? publicKeyPem(material) : null,
        origin: v.origin,
        createdAt: v.now,
        encryptionCount: 0,
      };
    } finally {
      material.fill(0);
    }
  }

  describe(ctx: CallContext, ref: string): Promise<KeyView> {
    return this.#c.runner.run(ctx, 'key.describe', async (op) => {
      op.precheck();
      const key = await this.#c.store.getKey((await this.#c.directory.get(ref)).id);
      if (!key) throw new KeywardError('key_not_found', `no key "${ref}"`);
      op.forKey(key);
      return keyView(key, await this.#c.store.listKeyVersions(key.id));
    });
  }

  /** Lists keys the caller may see, by name, with keyset pagination (`after`). */
  list(ctx: CallContext, filter: Omit<KeyListFilter, 'limit'> & { limit?: number }): Promise<{ keys: KeyView[]; next: string | null }> {
    return this.#c.runner.run(ctx, 'key.list', async (op) => {
      op.precheck();
      op.authorized = true; // per-key below: a scoped grant sees only its keys
      const limit = Math.min(Math.max(filter.limit ?? 100, 1), MAX_LIST_LIMIT);
      const rows = await this.#c.store.listKeys({ ...filter, limit: limit + 1 });
      const page = rows.slice(0, limit);
      const visible = page.filter((k) => {
        try {
          op.authorize({ keyName: k.name });
          return true;
        } catch {
          return false;
        }
      });
      op.authorized = true;
      op.details['returned'] = visible.length;
      return { keys: visible.map((k) => keyView(k)), next: rows.length > limit ? (page[page.length - 1]?.name ?? null) : null };
    });
  }

  update(ctx: CallContext, ref: string, input: KeyMetadataInput): Promise<KeyView> {
    return this.#mutate(ctx, 'key.update', ref, async (op, key) => {
      requireAllowed(key.name, key.state, 'update');
      const meta = checkMetadata(input);
      if (Object.keys(meta).length === 0) throw new KeywardError('validation_failed', 'nothing to update');
      await this.#c.policyGate?.checkUpdate(key, meta, op.details);
      op.details['changed'] = Object.keys(meta);
      return { ...meta };
    });
  }

  /** Adds a version and makes it current; older versions keep decrypting. Imported keys take new material. */
  rotate(ctx: CallContext, ref: string, material?: Buffer): Promise<KeyView> {
    return this.#mutate(ctx, 'key.rotate', ref, (op, key, now) => this.#rotation(op, key, now, material));
  }

  /**
   * Rotation by the scheduler: as `rotate` (generated material only), with `details` added to its
   * audit entry, and only if the key still has `expectedRevision`, so a scheduler that read the key
   * before another node rotated it gets `conflict` instead of rotating it a second time.
   */
  rotateScheduled(ctx: CallContext, ref: string, options: { expectedRevision: number; details: Readonly<Record<string, AuditDetailValue>> }): Promise<KeyView> {
    return this.#mutate(ctx, 'key.rotate', ref, (op, key, now) => {
      Object.assign(op.details, options.details);
      if (key.revision !== options.expectedRevision) {
        throw new KeywardError('conflict', `key "${key.name}" changed since the scheduler read it (rotated or updated meanwhile)`);
      }
      return this.#rotation(op, key, now, undefined);
    });
  }

  #rotation(op: Operation, key: KeyRecord, now: string, material: Buffer | undefined): MutationPlan {
    requireAllowed(key.name, key.state, 'rotate');
    if (key.origin === 'imported' && !material) {
      throw new KeywardError('validation_failed', `key "${key.name}" holds imported material; rotate it by importing new material`);
    }
    if (material) checkImportedMaterial(key.spec, material);
    const version = this.#newVersion(this.#c.seal.secrets().rootKey, {
      keyId: key.id, version: key.currentVersion + 1, spec: key.spec, usage: key.usage, origin: material ? 'imported' : 'generated', now, material: material ?? null,
    });
    op.keyVersion = version.version;
    op.details['previousVersion'] = key.currentVersion;
    // The version row goes in after the revision-checked key update, so of two concurrent rotations the
    // loser gets `conflict` from that check rather than a duplicate-version failure.
    return { patch: { currentVersion: version.version, lastRotatedAt: now }, afterUpdate: (tx) => tx.insertKeyVersion(version) };
  }

  changeState(ctx: CallContext, ref: string, action: StateAction, reason?: string): Promise<KeyView> {
    return this.#mutate(ctx, `key.${action}`, ref, async (op, key, now) => {
      if (reason !== undefined && (typeof reason !== 'string' || reason.length > MAX_TEXT)) {
        throw new KeywardError('validation_failed', `reason must be text of at most ${MAX_TEXT} characters`, { field: 'reason' });
      }
      const to = transition(key.name, key.state, action);
      op.details['from'] = key.state;
      op.details['to'] = to;
      if (reason) op.details['reason'] = reason;
      if (key.state === 'compromised' || action === 'compromise') op.details['compromised'] = true;
      const patch: KeyPatch = { state: to, stateChangedAt: now };
      if (action === 'compromise') return { patch: { ...patch, compromisedAt: now } };
      if (action === 'destroy') {
        await requireRetentionOver(key, new Date(now), this.#c.deletionPolicy);
        return { patch: { ...patch, destroyedAt: now }, before: (tx) => tx.shredKeyMaterial(key.id), after: () => this.#c.ring.forget(key.id) };
      }
      return { patch };
    });
  }

  /** Refuses decryption of versions below `version` (after a bulk rewrap). */
  setMinDecryptionVersion(ctx: CallContext, ref: string, version: number): Promise<KeyView> {
    return this.#mutate(ctx, 'key.set-min-decryption-version', ref, (op, key) => {
      requireAllowed(key.name, key.state, 'update');
      if (!Number.isInteger(version) || version < 1 || version > key.currentVersion) {
        throw new KeywardError('validation_failed', `minimum decryption version must be from 1 to ${key.currentVersion}`, { field: 'version' });
      }
      op.details['from'] = key.minDecryptionVersion;
      op.details['to'] = version;
      return { minDecryptionVersion: version };
    });
  }

  /** The public key (SPKI PEM) of an asymmetric key version. */
  publicKey(ctx: CallContext, ref: string, version?: number): Promise<{ keyId: string; version: number; publicKey: string }> {
    return this.#c.runner.run(ctx, 'key.get-public-key', async (op) => {
      op.precheck();
      const key = await this.#c.directory.get(ref);
      const v = version ?? key.currentVersion;
      op.forKey(key, v);
      const record = await this.#c.store.getKeyVersion(key.id, v);
      if (!record) throw new KeywardError('key_version_not_found', `key "${key.name}" has no version ${v}`);
      if (!record.publicKey) throw new KeywardError('key_usage_invalid', `key "${key.name}" is symmetric and has no public key`);
      return { keyId: key.id, version: v, publicKey: record.publicKey };
    });
  }

  /**
   * The shape every key mutation shares: look up, authorise, compute a patch, then apply it in
   * the audit entry's transaction (refusing lost updates), and drop cached copies.
   */
  async #mutate(
    ctx: CallContext,
    action: string,
    ref: string,
    plan: (op: Operation, key: KeyRecord, now: string) => KeyPatch | MutationPlan | Promise<KeyPatch | MutationPlan>,
  ): Promise<KeyView> {
    const out: { keyId?: string; updated?: KeyRecord; after?: () => void } = {};
    try {
      await this.#c.runner.run(ctx, action, async (op) => {
        op.precheck();
        const key = await this.#c.store.getKey((await this.#c.directory.get(ref)).id);
        if (!key) throw new KeywardError('key_not_found', `no key "${ref}"`);
        out.keyId = key.id;
        op.forKey(key, key.currentVersion);
        const now = this.#c.clock.now().toISOString();
        await this.#refuseWhileDeletionScheduled(action, key);
        const planned = await plan(op, key, now);
        const m: MutationPlan = isMutationPlan(planned) ? planned : { patch: planned };
        if (m.after) out.after = m.after;
        op.mutation = async (tx) => {
          await m.before?.(tx);
          out.updated = await tx.updateKey(key.id, key.revision, { ...m.patch, updatedAt: now });
          await m.afterUpdate?.(tx);
        };
      });
    } finally {
      if (out.keyId) this.#c.directory.invalidate(out.keyId);
    }
    out.after?.();
    const updated = out.updated as KeyRecord;
    return keyView(updated, await this.#c.store.listKeyVersions(updated.id));
  }

  /**
   * A key held for deletion (suspended, with a scheduled 'key-deletion' record) takes metadata
   * changes only, until the deletion is cancelled (key.cancel-deletion restores its state) or
   * carried out. Only suspended keys need the lookup.
   */
  async #refuseWhileDeletionScheduled(action: string, key: KeyRecord): Promise<void> {
    if (key.state !== 'suspended' || action === 'key.update') return;
    const scheduled = await this.#c.store.findDocument<KeyDeletion>(KEY_DELETION_KIND, scheduledDeletionLookup(key.id));
    if (scheduled) {
      throw new KeywardError('key_state_invalid', `key "${key.name}" is scheduled for deletion after ${scheduled.data.deleteAfter}; cancel the deletion first`, { state: key.state });
    }
  }
}

interface MutationPlan {
  readonly patch: KeyPatch;
  readonly before?: (tx: StoreTx) => Promise<void>;
  /** Writes that come after the key update, in the same transaction. */
  readonly afterUpdate?: (tx: StoreTx) => Promise<void>;
  readonly after?: () => void;
}

function isMutationPlan(p: KeyPatch | MutationPlan): p is MutationPlan {
  return 'patch' in p;
}

function checkImportedMaterial(spec: KeySpec, material: Buffer): void {
  const expected = symmetricKeyBytes(spec);
  if (expected === undefined) throw new KeywardError('key_spec_invalid', `import is supported for symmetric keys only, not ${spec}`, { field: 'spec' });
  if (!Buffer.isBuffer(material) || material.length !== expected) {
    throw new KeywardError('validation_failed', `${spec} material must be exactly ${expected} bytes`, { field: 'material' });
  }
}
