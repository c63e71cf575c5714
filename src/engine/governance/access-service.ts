import { compileCondition } from '../../auth/conditions.ts';
import { formatScope, parseScope, scopeCovers, type Scope } from '../../auth/grants.ts';
import { optionalText, type BindingRecord, type GroupRecord, type IdentityRecord } from '../../auth/identities.ts';
import type { CallContext } from '../../auth/principal.ts';
import { administersKeys, checkRole, usesKeys, type RoleDefinition } from '../../auth/roles.ts';
import { KeywardError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import { listAllKeys } from '../../storage/copy-store.ts';
import type { KeyRecord } from '../../storage/records.ts';
import type { EngineContext } from '../engine-context.ts';
import { keyFacts } from '../operation.ts';
import { holdersOf, KIND, type AccessIndex, type AccessSnapshot } from './access-index.ts';
import type { ApprovalService } from './approval-service.ts';
import { mustGet, page } from './docs.ts';
import { DEFAULT_SETTINGS, mergeSettings, sodApplies, type GovernanceSettings } from './settings.ts';

export interface CreateBindingInput {
  readonly role: string;
  /** `user:<name>`, `sa:<name>` or `group:<name>`. */
  readonly subject: string;
  /** `all`, `key:<name>`, `glob:<pattern>`, `tag:<k>=<v>`, `env:<environment>`. */
  readonly scope: string;
  readonly condition?: string | null;
  readonly description?: string | null;
  readonly expiresAt?: string | null;
  readonly reason?: string | null;
}

/**
 * Roles, role bindings and the governance settings. A binding is checked against separation of
 * duties on every key it reaches before it is stored: nobody grants themselves a role, nobody
 * holds key-admin and key-user on one protected key, and a protected key's creator cannot become
 * its only user. A binding that reaches a tier-1 key (or every key) needs approval.
 */
export class AccessService {
  readonly #c: EngineContext;
  readonly #index: AccessIndex;
  readonly #approvals: ApprovalService;

  constructor(c: EngineContext, index: AccessIndex, approvals: ApprovalService) {
    this.#c = c;
    this.#index = index;
    this.#approvals = approvals;
  }

  listRoles(ctx: CallContext): Promise<RoleDefinition[]> {
    return this.#c.runner.run(ctx, 'role.list', async (op) => {
      op.authorize({});
      return [...(await this.#index.snapshot()).roles.values()];
    });
  }

  async createRole(ctx: CallContext, input: { name: string; description?: string; actions: readonly string[] }): Promise<RoleDefinition> {
    const role = await this.#c.runner.run(ctx, 'role.create', async (op) => {
      op.authorize({});
      const role = checkRole(input);
      op.details['role'] = role.name;
      op.details['actions'] = [...role.actions];
      op.mutation = async (tx) => void (await tx.putDocument({ kind: KIND.role, id: role.name, lookup: role.name, data: role, updatedAt: this.#c.clock.now().toISOString() }, null));
      return role;
    });
    this.#index.invalidate();
    return role;
  }

  async deleteRole(ctx: CallContext, name: string): Promise<void> {
    await this.#c.runner.run(ctx, 'role.delete', async (op) => {
      op.authorize({});
      op.details['role'] = name;
      await mustGet<RoleDefinition>(this.#c.store, KIND.role, name, 'custom role');
      const s = await this.#index.snapshot();
      const used = s.bindings.filter((b) => b.role === name).length;
      if (used > 0) throw new KeywardError('conflict', `role ${name} is used by ${used} binding(s); delete them first`);
      op.mutation = async (tx) => void (await tx.deleteDocument(KIND.role, name));
    });
    this.#index.invalidate();
  }

  listBindings(ctx: CallContext, options: { subject?: string; after?: string; limit?: number }): Promise<{ bindings: BindingRecord[]; next: string | null }> {
    return this.#c.runner.run(ctx, 'binding.list', async (op) => {
      op.authorize({});
      if (options.subject !== undefined) {
        const s = await this.#index.snapshot();
        const subject = resolveSubject(s, options.subject);
        return { bindings: s.bindings.filter((b) => b.subject.id === subject.id), next: null };
      }
      const { items, next } = await page<BindingRecord>(this.#c.store, KIND.binding, options);
      return { bindings: items, next };
    });
  }

  /** Creates a binding (or an approval request for one that reaches a tier-1 key). */
  async createBinding(ctx: CallContext, input: CreateBindingInput): Promise<BindingRecord> {
    const s = await this.#index.snapshot();
    const role = s.roles.get(typeof input.role === 'string' ? input.role : '');
    if (!role) throw new KeywardError('validation_failed', `unknown role "${String(input.role).slice(0, 64)}"`, { field: 'role' });
    const subject = resolveSubject(s, input.subject);
    const scope = parseScope(input.scope);
    const condition = input.condition === undefined || input.condition === null || input.condition === '' ? null : compileCondition(input.condition).text;
    const expiresAt = checkExpiry(input.expiresAt, this.#c.clock.now());
    const keys = await listAllKeys(this.#c.store);
    const reached = keys.filter((k) => reachesKey(s, subject, scope, k));
    const tier1 = scope.type === 'all' || reached.some((k) => k.tier === 1);
    if (tier1) {
      await this.#approvals.gate(ctx, {
        action: 'binding.create-tier1',
        permission: 'binding.create',
        key: null,
        params: { role: role.name, subject: input.subject, scope: formatScope(scope), condition, description: input.description ?? null, expiresAt },
        summary: `grant ${role.name} to ${input.subject} on ${formatScope(scope)}`,
        reason: input.reason ?? null,
      });
    }
    const binding = await this.#c.runner.run(ctx, 'binding.create', async (op) => {
      op.authorize({});
      op.details['role'] = role.name;
      op.details['subject'] = input.subject;
      op.details['scope'] = formatScope(scope);
      if (condition) op.details['condition'] = condition;
      if (tier1) op.details['tier1'] = true;
      const me = ctx.principal.identity?.id;
      if (me !== undefined && (subject.id === me || subject.memberIds.includes(me))) {
        throw new KeywardError('sod_violation', 'separation of duties (self-grant): nobody grants a role to themselves or to a group they belong to', { rule: 'self-grant' });
      }
      const record: BindingRecord = {
        id: newId('bnd'),
        role: role.name,
        subject: { type: subject.type, id: subject.id, name: subject.name },
        scope,
        condition,
        description: optionalText(input.description, 'description', 512),
        createdAt: this.#c.clock.now().toISOString(),
        createdBy: ctx.principal.actor,
        expiresAt,
        approvalId: ctx.approval?.id ?? null,
      };
      this.#checkSod(s, record, role, subject.memberIds, reached);
      op.details['bindingId'] = record.id;
      op.mutation = async (tx) => void (await tx.putDocument({ kind: KIND.binding, id: record.id, ref: subject.id, data: record, updatedAt: record.createdAt }, null));
      return record;
    });
    this.#index.invalidate();
    return binding;
  }

  async deleteBinding(ctx: CallContext, id: string): Promise<void> {
    await this.#c.runner.run(ctx, 'binding.delete', async (op) => {
      op.authorize({});
      const doc = await mustGet<BindingRecord>(this.#c.store, KIND.binding, id, 'binding');
      op.details['bindingId'] = id;
      op.details['role'] = doc.data.role;
      op.details['subject'] = `${doc.data.subject.type}:${doc.data.subject.name}`;
      op.mutation = async (tx) => void (await tx.deleteDocument(KIND.binding, id));
    });
    this.#index.invalidate();
  }

  getSettings(ctx: CallContext): Promise<GovernanceSettings> {
    return this.#c.runner.run(ctx, 'governance.read-settings', async (op) => {
      op.authorize({});
      return this.#index.settings();
    });
  }

  async updateSettings(ctx: CallContext, patch: unknown, reason?: string): Promise<GovernanceSettings> {
    const current = await this.#index.settings();
    const merged = mergeSettings(current, patch);
    await this.#approvals.gate(ctx, { action: 'governance.update-settings', key: null, params: { patch: patch }, summary: 'change the governance settings', reason: reason ?? null });
    const saved = await this.#c.runner.run(ctx, 'governance.update-settings', async (op) => {
      op.authorize({});
      op.details['changed'] = Object.keys(patch as object);
      const now = this.#c.clock.now().toISOString();
      const existing = await this.#c.store.getDocument<GovernanceSettings>(KIND.settings, 'settings');
      op.mutation = async (tx) => void (await tx.putDocument({ kind: KIND.settings, id: 'settings', data: merged, updatedAt: now }, existing ? existing.revision : null));
      return merged;
    });
    this.#index.invalidate();
    return saved;
  }

  /** The separation-of-duties rules a new binding must not break, on every protected key it reaches. */
  #checkSod(s: AccessSnapshot, binding: BindingRecord, role: RoleDefinition, memberIds: readonly string[], reached: readonly KeyRecord[]): void {
    const settings = s.settings ?? DEFAULT_SETTINGS;
    const now = this.#c.clock.now();
    const grantsUse = usesKeys(role.actions);
    const grantsAdmin = administersKeys(role.actions);
    if (!grantsUse && !grantsAdmin) return;
    const people = binding.subject.type === 'identity' ? [binding.subject.id] : memberIds;
    for (const key of reached) {
      if (!sodApplies(settings, key)) continue;
      const facts = keyFacts(key);
      const { users, admins } = holdersOf(s, facts, now);
      for (const id of people) {
        const identity = s.identities.get(id);
        if (!identity) continue;
        if ((grantsUse && admins.has(id)) || (grantsAdmin && users.has(id))) {
          throw new KeywardError('sod_violation', `separation of duties (admin-and-user): ${identity.name} would hold both key-admin and key-user on key "${key.name}"`, { rule: 'admin-and-user', key: key.name });
        }
        if (grantsUse && key.createdBy.endsWith(`:${identity.name}`) && [...users].every((u) => u === id)) {
          throw new KeywardError('sod_violation', `separation of duties (creator-sole-user): ${identity.name} created key "${key.name}" and would be its only user; grant another user first`, {
            rule: 'creator-sole-user',
            key: key.name,
          });
        }
      }
    }
  }
}

interface Subject {
  readonly type: 'identity' | 'group';
  readonly id: string;
  readonly name: string;
  /** The identities it stands for (itself, or the group's members). */
  readonly memberIds: readonly string[];
  readonly environment: string | null;
}

function resolveSubject(s: AccessSnapshot, text: unknown): Subject {
  const m = typeof text === 'string' ? /^(user|sa|group):(.+)$/.exec(text) : null;
  if (!m) throw new KeywardError('validation_failed', 'subject must be user:<name>, sa:<name> or group:<name>', { field: 'subject' });
  const [, kind, name] = m as unknown as [string, string, string];
  if (kind === 'group') {
    const group = [...s.groups.values()].find((g: GroupRecord) => g.name === name);
    if (!group) throw new KeywardError('not_found', `no group "${name.slice(0, 64)}"`);
    const members = [...s.identities.values()].filter((i) => i.groups.includes(group.id)).map((i) => i.id);
    return { type: 'group', id: group.id, name, memberIds: members, environment: null };
  }
  const identity = [...s.identities.values()].find((i: IdentityRecord) => i.name === name && i.kind === (kind === 'user' ? 'user' : 'service'));
  if (!identity) throw new KeywardError('not_found', `no ${kind === 'user' ? 'user' : 'service account'} "${name.slice(0, 64)}"`);
  return { type: 'identity', id: identity.id, name, memberIds: [identity.id], environment: identity.environment };
}

/** Whether a binding of `scope` to `subject` would reach the key for any identity it stands for. */
function reachesKey(s: AccessSnapshot, subject: Subject, scope: Scope, key: KeyRecord): boolean {
  const facts = keyFacts(key);
  const envs = subject.memberIds.map((id) => s.identities.get(id)?.environment ?? null);
  if (envs.length === 0) envs.push(null);
  return envs.some((env) => scopeCovers(scope, facts, env));
}

function checkExpiry(value: unknown, now: Date): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) throw new KeywardError('validation_failed', 'expiresAt must be an ISO 8601 time', { field: 'expiresAt' });
  if (Date.parse(value) <= now.getTime()) throw new KeywardError('validation_failed', 'expiresAt must be in the future', { field: 'expiresAt' });
  return new Date(value).toISOString();
}

