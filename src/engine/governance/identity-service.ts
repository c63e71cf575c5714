import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  checkAttributes,
  checkIdentityName,
  identityActor,
  identityView,
  optionalEmail,
  optionalEnvironment,
  optionalText,
  type GroupRecord,
  type IdentityKind,
  type IdentityRecord,
  type IdentityStatus,
  type IdentityView,
} from '../../auth/identities.ts';
import { formatScope } from '../../auth/grants.ts';
import { checkPassword, hashPassword, verifyPassword } from '../../auth/passwords.ts';
import type { CallContext, Principal } from '../../auth/principal.ts';
import { issueToken } from '../../auth/tokens.ts';
import { newTotpSecret, totpUri, verifyTotp } from '../../auth/totp.ts';
import { encodeAad } from '../../crypto/aad.ts';
import { unwrap, wrap } from '../../crypto/key-wrap.ts';
import { KeywardError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { TokenRecord } from '../../storage/records.ts';
import type { StoreTx } from '../../storage/store.ts';
import type { EngineContext } from '../engine-context.ts';
import type { Operation } from '../operation.ts';
import type { TokenService } from '../token-service.ts';
import { KIND, type AccessIndex } from './access-index.ts';
import { mustFind, page } from './docs.ts';

export interface CreateIdentityInput {
  readonly name: string;
  readonly displayName?: string | null;
  readonly email?: string | null;
  readonly team?: string | null;
  readonly owner?: string | null;
  readonly environment?: string | null;
  readonly attributes?: Readonly<Record<string, string>>;
  readonly directoryId?: string | null;
  /** Users: an initial password (they should change it). */
  readonly password?: string;
  readonly groups?: readonly string[];
}

export type UpdateIdentityInput = Partial<Pick<CreateIdentityInput, 'displayName' | 'email' | 'team' | 'owner' | 'environment' | 'attributes' | 'directoryId'>>;

export interface LoginRequest {
  readonly source: string;
  readonly requestId?: string;
  readonly correlationId?: string;
}

export interface LoginResult {
  readonly token: string;
  readonly accessor: string;
  readonly expiresAt: string;
  readonly identity: IdentityView;
  readonly mfa: boolean;
}

const CLIENT_SECRET_PREFIX = 'kwc_';

/**
 * Identities: people (password + optional TOTP) and service accounts (client secret), groups,
 * status (active, suspended, departed), and logins that issue short-lived tokens. Suspending or
 * marking someone departed revokes their tokens in the same transaction, so they stop working at
 * once on this node (other nodes: within the token and access caches' TTL).
 */
export class IdentityService {
  readonly #c: EngineContext;
  readonly #index: AccessIndex;
  readonly #tokens: TokenService;

  constructor(c: EngineContext, index: AccessIndex, tokens: TokenService) {
    this.#c = c;
    this.#index = index;
    this.#tokens = tokens;
  }

  /** Creates a person. */
  createUser(ctx: CallContext, input: CreateIdentityInput): Promise<IdentityView> {
    return this.#create(ctx, 'user', input).then((r) => r.identity);
  }

  /** Creates a service account; its client secret is returned once and stored only as a hash. */
  async createServiceAccount(ctx: CallContext, input: CreateIdentityInput): Promise<{ identity: IdentityView; clientId: string; clientSecret: string }> {
    const { identity, clientSecret } = await this.#create(ctx, 'service', input);
    return { identity, clientId: identity.name, clientSecret: clientSecret as string };
  }

  async #create(ctx: CallContext, kind: IdentityKind, input: CreateIdentityInput): Promise<{ identity: IdentityView; clientSecret: string | null }> {
    const name = checkIdentityName(input.name);
    const passwordHash = kind === 'user' && input.password !== undefined ? await hashPassword(checkPassword(input.password)) : null;
    if (kind === 'service' && input.password !== undefined) throw new KeywardError('validation_failed', 'service accounts log in with a client secret, not a password', { field: 'password' });
    const clientSecret = kind === 'service' ? `${CLIENT_SECRET_PREFIX}${randomBytes(32).toString('base64url')}` : null;
    const result = await this.#c.runner.run(ctx, 'identity.create', async (op) => {
      op.authorize({});
      op.details['identity'] = name;
      op.details['kind'] = kind;
      const groups = await this.#groupIds(input.groups ?? []);
      const now = this.#c.clock.now().toISOString();
      const record: IdentityRecord = {
        id: newId('idn'),
        name,
        kind,
        displayName: optionalText(input.displayName, 'displayName', 128),
        email: optionalEmail(input.email),
        team: optionalText(input.team, 'team', 64),
        owner: optionalText(input.owner, 'owner', 128),
        environment: optionalEnvironment(input.environment),
        status: 'active',
        statusReason: null,
        attributes: checkAttributes(input.attributes),
        groups,
        directoryId: optionalText(input.directoryId, 'directoryId', 128),
        passwordHash,
        totp: null,
        clientSecretHash: clientSecret ? sha256(clientSecret) : null,
        createdAt: now,
        createdBy: ctx.principal.actor,
        statusChangedAt: now,
        lastLoginAt: null,
        failedLogins: { count: 0, since: null, lockedUntil: null },
      };
      if (kind === 'service' && record.owner === null) throw new KeywardError('validation_failed', 'a service account needs an owner (the person or team who answers for it)', { field: 'owner' });
      if (record.team) op.details['team'] = record.team;
      op.details['identityId'] = record.id;
      op.mutation = async (tx) => void (await tx.putDocument({ kind: KIND.identity, id: record.id, lookup: name, ref: record.team, data: record, updatedAt: now }, null));
      return record;
    });
    this.#index.invalidate();
    return { identity: identityView(result), clientSecret };
  }

  get(ctx: CallContext, name: string): Promise<IdentityView> {
    return this.#c.runner.run(ctx, 'identity.read', async (op) => {
      const doc = await mustFind<IdentityRecord>(this.#c.store, KIND.identity, name, 'identity');
      this.#selfOr(op, doc.data);
      op.details['identity'] = doc.data.name;
      return identityView(doc.data);
    });
  }

  list(ctx: CallContext, options: { after?: string; limit?: number; status?: IdentityStatus; kind?: IdentityKind }): Promise<{ identities: IdentityView[]; next: string | null }> {
    return this.#c.runner.run(ctx, 'identity.list', async (op) => {
      op.authorize({});
      const { items, next } = await page<IdentityRecord>(this.#c.store, KIND.identity, options);
      const shown = items.filter((i) => (options.status === undefined || i.status === options.status) && (options.kind === undefined || i.kind === options.kind));
      op.details['returned'] = shown.length;
      return { identities: shown.map(identityView), next };
    });
  }

  update(ctx: CallContext, name: string, input: UpdateIdentityInput): Promise<IdentityView> {
    return this.#mutate(ctx, 'identity.update', name, (record) => {
      const patch: Partial<IdentityRecord> = {};
      if (input.displayName !== undefined) Object.assign(patch, { displayName: optionalText(input.displayName, 'displayName', 128) });
      if (input.email !== undefined) Object.assign(patch, { email: optionalEmail(input.email) });
      if (input.team !== undefined) Object.assign(patch, { team: optionalText(input.team, 'team', 64) });
      if (input.owner !== undefined) Object.assign(patch, { owner: optionalText(input.owner, 'owner', 128) });
      if (input.environment !== undefined) Object.assign(patch, { environment: optionalEnvironment(input.environment) });
      if (input.attributes !== undefined) Object.assign(patch, { attributes: checkAttributes(input.attributes) });
      if (input.directoryId !== undefined) Object.assign(patch, { directoryId: optionalText(input.directoryId, 'directoryId', 128) });
      if (Object.keys(patch).length === 0) throw new KeywardError('validation_failed', 'nothing to update');
      if (record.kind === 'service' && patch.owner === null) throw new KeywardError('validation_failed', 'a service account needs an owner', { field: 'owner' });
      return { record: { ...record, ...patch }, details: { changed: Object.keys(patch) } };
    });
  }

  /**
   * Suspends, marks departed or reactivates an identity. Leaving `active` revokes every token it
   * holds in the same transaction and drops them from this node's caches.
   */
  async setStatus(ctx: CallContext, name: string, status: IdentityStatus, reason?: string): Promise<IdentityView> {
    const action = status === 'active' ? 'identity.reactivate' : status === 'suspended' ? 'identity.suspend' : 'identity.depart';
    const revoked: string[] = [];
    const view = await this.#mutate(ctx, action, name, (record, now) => {
      if (record.status === status) throw new KeywardError('conflict', `${record.name} is already ${status}`);
      if (status !== 'active' && ctx.principal.identity?.id === record.id) throw new KeywardError('validation_failed', 'you cannot suspend or depart yourself');
      return {
        record: { ...record, status, statusReason: optionalText(reason, 'reason', 500), statusChangedAt: now },
        details: { from: record.status, to: status, ...(reason ? { reason: reason.slice(0, 500) } : {}) },
        also: async (tx, op) => {
          if (status === 'active') return;
          const tokens = await this.#c.store.listTokens({ identityId: record.id, limit: 10_000 });
          for (const t of tokens) if (t.revokedAt === null) revoked.push(t.accessor);
          op.details['tokensRevoked'] = await tx.revokeIdentityTokens(record.id, now);
        },
      };
    });
    this.#tokens.evict(revoked);
    return view;
  }

  /** Sets a password: the person themselves, or an identity administrator (a reset). */
  async setPassword(ctx: CallContext, name: string, password: string): Promise<IdentityView> {
    const hash = await hashPassword(checkPassword(password));
    return this.#mutate(
      ctx,
      'identity.set-password',
      name,
      (record) => {
        if (record.kind !== 'user') throw new KeywardError('validation_failed', 'service accounts have client secrets, not passwords');
        return { record: { ...record, passwordHash: hash, failedLogins: { count: 0, since: null, lockedUntil: null } }, details: {} };
      },
      { self: true },
    );
  }

  /** Issues a new client secret for a service account (the old one stops working). */
  async rotateClientSecret(ctx: CallContext, name: string): Promise<{ identity: IdentityView; clientId: string; clientSecret: string }> {
    const clientSecret = `${CLIENT_SECRET_PREFIX}${randomBytes(32).toString('base64url')}`;
    const identity = await this.#mutate(ctx, 'identity.rotate-secret', name, (record) => {
      if (record.kind !== 'service') throw new KeywardError('validation_failed', 'only service accounts have client secrets');
      return { record: { ...record, clientSecretHash: sha256(clientSecret) }, details: {} };
    });
    return { identity, clientId: identity.name, clientSecret };
  }

  /** Starts TOTP enrolment for oneself: a new secret, confirmed by a first code. */
  async enrollTotp(ctx: CallContext): Promise<{ secret: string; uri: string }> {
    const self = this.#self(ctx);
    const secret = newTotpSecret();
    await this.#mutate(
      ctx,
      'identity.enroll-totp',
      self.name,
      (record) => {
        if (record.kind !== 'user') throw new KeywardError('validation_failed', 'TOTP is for people; service accounts use client secrets');
        if (record.totp?.confirmed) throw new KeywardError('conflict', 'TOTP is already enabled; an identity administrator can reset it');
        const wrapped = wrap(this.#c.seal.secrets().rootKey, Buffer.from(secret, 'utf8'), totpAad(record.id)).toString('base64');
        return { record: { ...record, totp: { wrapped, confirmed: false, lastStep: null } }, details: {} };
      },
      { self: true },
    );
    return { secret, uri: totpUri(secret, self.name) };
  }

  /** Confirms enrolment with a first code; from then on logins need a code. */
  async confirmTotp(ctx: CallContext, code: string): Promise<IdentityView> {
    const self = this.#self(ctx);
    return this.#mutate(
      ctx,
      'identity.confirm-totp',
      self.name,
      (record, now) => {
        if (!record.totp) throw new KeywardError('conflict', 'start TOTP enrolment first');
        if (record.totp.confirmed) throw new KeywardError('conflict', 'TOTP is already enabled');
        const step = verifyTotp(this.#totpSecret(record), code, new Date(now), null);
        if (step === null) throw new KeywardError('validation_failed', 'the code is not valid (check the device clock)', { field: 'code' });
        return { record: { ...record, totp: { ...record.totp, confirmed: true, lastStep: step } }, details: {} };
      },
      { self: true },
    );
  }

  /** Removes someone's TOTP (lost device); they can enrol again. */
  resetTotp(ctx: CallContext, name: string): Promise<IdentityView> {
    return this.#mutate(ctx, 'identity.reset-totp', name, (record) => {
      if (!record.totp) throw new KeywardError('conflict', `${record.name} has no TOTP enrolment`);
      return { record: { ...record, totp: null }, details: {} };
    });
  }

  /**
   * Password login (and TOTP once enrolled). Unknown names, wrong passwords and inactive
   * identities get the same answer and take the same time; every attempt is audited; after
   * `maxFailures` failures the name is locked for `lockoutSeconds`.
   */
  async login(request: LoginRequest, input: { username: string; password: string; totp?: string; ttlSeconds?: number }): Promise<LoginResult> {
    const settings = (await this.#index.settings()).login;
    const name = typeof input.username === 'string' && input.username.length <= 64 ? input.username.toLowerCase() : '';
    const doc = name ? await this.#c.store.findDocument<IdentityRecord>(KIND.identity, name) : null;
    const record = doc?.data.kind === 'user' ? doc.data : null;
    const ok = await verifyPassword(record?.passwordHash ?? null, typeof input.password === 'string' ? input.password : '');
    return this.#finishLogin(request, doc && record ? { ...doc, data: record } : null, ok, input.totp, input.ttlSeconds, settings, 'password');
  }

  /** Client-credential login of a service account. */
  async loginClient(request: LoginRequest, input: { clientId: string; clientSecret: string; ttlSeconds?: number }): Promise<LoginResult> {
    const settings = (await this.#index.settings()).login;
    const name = typeof input.clientId === 'string' && input.clientId.length <= 64 ? input.clientId.toLowerCase() : '';
    const doc = name ? await this.#c.store.findDocument<IdentityRecord>(KIND.identity, name) : null;
    const record = doc?.data.kind === 'service' ? doc.data : null;
    const presented = sha256(typeof input.clientSecret === 'string' ? input.clientSecret : '');
    const ok = record?.clientSecretHash ? timingSafeEqual(Buffer.from(record.clientSecretHash, 'hex'), Buffer.from(presented, 'hex')) : false;
    return this.#finishLogin(request, doc && record ? { ...doc, data: record } : null, ok, undefined, input.ttlSeconds, settings, 'client-secret');
  }

  /** Keeps the token service's cap on login-token renewal in step with the settings. */
  async #syncMaxTtl(): Promise<void> {
    this.#tokens.setIdentityMaxTtl((await this.#index.settings()).login.maxTtlSeconds);
  }

  async #finishLogin(
    request: LoginRequest,
    doc: { data: IdentityRecord; revision: number } | null,
    passwordOk: boolean,
    totpCode: string | undefined,
    ttlRequested: number | undefined,
    settings: { tokenTtlSeconds: number; maxTtlSeconds: number; maxFailures: number; lockoutSeconds: number },
    method: string,
  ): Promise<LoginResult> {
    await this.#syncMaxTtl();
    const record = doc?.data ?? null;
    const principal: Principal = record ? { type: 'identity', actor: identityActor(record), permissions: [] } : { type: 'system', actor: `anonymous:${request.source}`, permissions: [] };
    const ctx: CallContext = { principal, source: request.source, ...(request.requestId ? { requestId: request.requestId } : {}), ...(request.correlationId ? { correlationId: request.correlationId } : {}) };
    const now = this.#c.clock.now();
    const issued = issueToken('identity');
    const state: { failure?: KeywardError; result?: LoginResult } = {};
    try {
      await this.#c.runner.run(ctx, 'auth.login', async (op) => {
        // Logging in is what every identity may try; the credentials are the check.
        op.authorized = true;
        op.details['method'] = method;
        if (record) op.details['identityId'] = record.id;
        const locked = record?.failedLogins.lockedUntil && Date.parse(record.failedLogins.lockedUntil) > now.getTime() ? record.failedLogins.lockedUntil : null;
        if (locked) {
          op.details['reason'] = 'locked';
          throw new KeywardError('too_many_attempts', 'too many failed logins; try again later', { retryAfterSeconds: Math.ceil((Date.parse(locked) - now.getTime()) / 1000) });
        }
        let mfa = false;
        let failure: string | null = !record ? 'unknown-identity' : !passwordOk ? 'bad-credentials' : record.status !== 'active' ? `identity-${record.status}` : null;
        let totpStep: number | null = null;
        if (failure === null && record?.totp?.confirmed) {
          if (totpCode === undefined || totpCode === '') failure = 'totp-missing';
          else {
            totpStep = verifyTotp(this.#totpSecret(record), totpCode, now, record.totp.lastStep);
            if (totpStep === null) failure = 'totp-invalid';
            else mfa = true;
          }
        }
        if (failure !== null || !record || !doc) {
          op.details['reason'] = failure ?? 'unknown-identity';
          if (record && doc) {
            // Count the failure (kept even though this operation fails: the audit entry records it too).
            const since = record.failedLogins.since && now.getTime() - Date.parse(record.failedLogins.since) < settings.lockoutSeconds * 1000 ? record.failedLogins.since : now.toISOString();
            const count = since === record.failedLogins.since ? record.failedLogins.count + 1 : 1;
            const lockedUntil = count >= settings.maxFailures ? new Date(now.getTime() + settings.lockoutSeconds * 1000).toISOString() : null;
            state.failure = new KeywardError(
              'unauthenticated',
              failure === 'totp-missing' ? 'a TOTP code is required for this identity' : 'the name, password, secret or code is not valid, or the identity is not active',
            );
            await this.#c.store
              .transaction((tx) => tx.putDocument({ kind: KIND.identity, id: record.id, lookup: record.name, ref: record.team, data: { ...record, failedLogins: { count, since, lockedUntil } }, updatedAt: now.toISOString() }, doc.revision))
              .catch(() => undefined);
            if (lockedUntil) op.details['locked'] = true;
          }
          throw state.failure ?? new KeywardError('unauthenticated', 'the name, password, secret or code is not valid, or the identity is not active');
        }
        const ttl = Math.min(ttlRequested ?? settings.tokenTtlSeconds, settings.maxTtlSeconds);
        if (!Number.isInteger(ttl) || ttl < 60) throw new KeywardError('validation_failed', `ttlSeconds must be from 60 to ${settings.maxTtlSeconds}`, { field: 'ttlSeconds' });
        const expiresAt = new Date(now.getTime() + ttl * 1000).toISOString();
        const token: TokenRecord = {
          accessor: issued.accessor,
          hash: issued.hash,
          type: 'identity',
          permissions: [],
          description: `${method} login`,
          createdAt: now.toISOString(),
          createdBy: identityActor(record),
          expiresAt,
          renewable: true,
          ttlSeconds: ttl,
          revokedAt: null,
          identityId: record.id,
          mfa,
        };
        op.details['accessor'] = token.accessor;
        op.details['mfa'] = mfa;
        const updated: IdentityRecord = {
          ...record,
          lastLoginAt: now.toISOString(),
          failedLogins: { count: 0, since: null, lockedUntil: null },
          ...(totpStep !== null && record.totp ? { totp: { ...record.totp, lastStep: totpStep } } : {}),
        };
        op.mutation = async (tx) => {
          await tx.insertToken(token);
          await tx.putDocument({ kind: KIND.identity, id: record.id, lookup: record.name, ref: record.team, data: updated, updatedAt: now.toISOString() }, doc.revision);
        };
        state.result = { token: issued.token, accessor: token.accessor, expiresAt, identity: identityView(updated), mfa };
      });
    } catch (err) {
      throw state.failure ?? err;
    }
    this.#index.invalidate();
    return state.result as LoginResult;
  }

  /** A token for a service account, issued by an administrator (for systems that cannot hold a client secret). */
  issueServiceToken(ctx: CallContext, name: string, ttlSeconds?: number): Promise<{ token: string; accessor: string; expiresAt: string }> {
    return this.#c.runner.run(ctx, 'identity.issue-token', async (op) => {
      op.authorize({});
      const doc = await mustFind<IdentityRecord>(this.#c.store, KIND.identity, name, 'identity');
      const record = doc.data;
      op.details['identity'] = record.name;
      if (record.kind !== 'service') throw new KeywardError('validation_failed', 'tokens are issued to service accounts; people log in');
      if (record.status !== 'active') throw new KeywardError('conflict', `${record.name} is ${record.status}`);
      const settings = (await this.#index.settings()).login;
      const ttl = ttlSeconds ?? settings.tokenTtlSeconds;
      if (!Number.isInteger(ttl) || ttl < 60 || ttl > settings.maxTtlSeconds) throw new KeywardError('validation_failed', `ttlSeconds must be from 60 to ${settings.maxTtlSeconds}`, { field: 'ttlSeconds' });
      const now = this.#c.clock.now();
      const issued = issueToken('identity');
      const expiresAt = new Date(now.getTime() + ttl * 1000).toISOString();
      op.details['accessor'] = issued.accessor;
      op.mutation = (tx) =>
        tx.insertToken({
          accessor: issued.accessor, hash: issued.hash, type: 'identity', permissions: [], description: `issued by ${ctx.principal.actor}`, createdAt: now.toISOString(),
          createdBy: ctx.principal.actor, expiresAt, renewable: true, ttlSeconds: ttl, revokedAt: null, identityId: record.id, mfa: false,
        });
      return { token: issued.token, accessor: issued.accessor, expiresAt };
    });
  }

  /** Who the caller is: the identity and its grants (any authenticated caller may ask). */
  whoami(ctx: CallContext): Promise<{ actor: string; type: string; identity: IdentityView | null; mfa: boolean; grants: { bindingId: string; role: string; scope: string; condition: string | null; viaGroup: string | null }[] }> {
    return this.#c.runner.run(ctx, 'auth.whoami', async (op) => {
      op.authorized = true;
      const p = ctx.principal;
      const identity = p.identity ? await this.#index.identity(p.identity.id) : null;
      return {
        actor: p.actor,
        type: p.type,
        identity: identity ? identityView(identity) : null,
        mfa: p.identity?.mfa ?? false,
        grants: (p.grants ?? []).map((g) => ({ bindingId: g.bindingId, role: g.role, scope: formatScope(g.scope), condition: g.condition?.text ?? null, viaGroup: g.viaGroup })),
      };
    });
  }

  // ---- groups ----

  async createGroup(ctx: CallContext, input: { name: string; description?: string | null; team?: string | null }): Promise<GroupRecord> {
    const group = await this.#c.runner.run(ctx, 'group.create', async (op) => {
      op.authorize({});
      const name = checkIdentityName(input.name);
      op.details['group'] = name;
      const now = this.#c.clock.now().toISOString();
      const record: GroupRecord = { id: newId('grp'), name, description: optionalText(input.description, 'description', 512), team: optionalText(input.team, 'team', 64), createdAt: now, createdBy: ctx.principal.actor };
      op.mutation = async (tx) => void (await tx.putDocument({ kind: KIND.group, id: record.id, lookup: name, data: record, updatedAt: now }, null));
      return record;
    });
    this.#index.invalidate();
    return group;
  }

  listGroups(ctx: CallContext, options: { after?: string; limit?: number }): Promise<{ groups: (GroupRecord & { members: string[] })[]; next: string | null }> {
    return this.#c.runner.run(ctx, 'group.list', async (op) => {
      op.authorize({});
      const { items, next } = await page<GroupRecord>(this.#c.store, KIND.group, options);
      const s = await this.#index.snapshot();
      const members = (id: string): string[] => [...s.identities.values()].filter((i) => i.groups.includes(id)).map((i) => i.name).sort();
      return { groups: items.map((g) => ({ ...g, members: members(g.id) })), next };
    });
  }

  async setMembership(ctx: CallContext, groupName: string, identityName: string, member: boolean): Promise<IdentityView> {
    const group = await mustFind<GroupRecord>(this.#c.store, KIND.group, groupName, 'group');
    return this.#mutate(ctx, member ? 'group.add-member' : 'group.remove-member', identityName, (record) => {
      const has = record.groups.includes(group.data.id);
      if (has === member) throw new KeywardError('conflict', `${record.name} is ${member ? 'already' : 'not'} a member of ${groupName}`);
      if (member && ctx.principal.identity?.id === record.id) {
        throw new KeywardError('sod_violation', 'separation of duties (self-grant): you cannot add yourself to a group', { rule: 'self-grant' });
      }
      const groups = member ? [...record.groups, group.data.id] : record.groups.filter((g) => g !== group.data.id);
      return { record: { ...record, groups }, details: { group: groupName } };
    });
  }

  async deleteGroup(ctx: CallContext, name: string): Promise<void> {
    await this.#c.runner.run(ctx, 'group.delete', async (op) => {
      op.authorize({});
      const group = await mustFind<GroupRecord>(this.#c.store, KIND.group, name, 'group');
      op.details['group'] = name;
      const s = await this.#index.snapshot();
      const members = [...s.identities.values()].filter((i) => i.groups.includes(group.data.id));
      if (members.length > 0) throw new KeywardError('conflict', `group ${name} still has ${members.length} member(s); remove them first`);
      if (s.bindings.some((b) => b.subject.type === 'group' && b.subject.id === group.data.id)) throw new KeywardError('conflict', `group ${name} still has role bindings; delete them first`);
      op.mutation = async (tx) => void (await tx.deleteDocument(KIND.group, group.data.id));
    });
    this.#index.invalidate();
  }

  // ---- helpers ----

  #self(ctx: CallContext): { id: string; name: string } {
    const identity = ctx.principal.identity;
    if (!identity) throw new KeywardError('validation_failed', 'only an identity (a logged-in person) can do this for itself');
    return identity;
  }

  /** Self-service actions: the identity itself may, or whoever holds the action. */
  #selfOr(op: Operation, record: IdentityRecord): void {
    if (op.ctx.principal.identity?.id === record.id) op.authorized = true;
    else op.authorize({});
  }

  #totpSecret(record: IdentityRecord): string {
    if (!record.totp) throw new KeywardError('internal', 'no TOTP secret');
    return unwrap(this.#c.seal.secrets().rootKey, Buffer.from(record.totp.wrapped, 'base64'), totpAad(record.id)).toString('utf8');
  }

  async #groupIds(names: readonly string[]): Promise<string[]> {
    const ids: string[] = [];
    for (const name of names) ids.push((await mustFind<GroupRecord>(this.#c.store, KIND.group, name, 'group')).data.id);
    return [...new Set(ids)];
  }

  async #mutate(
    ctx: CallContext,
    action: string,
    name: string,
    change: (record: IdentityRecord, now: string) => { record: IdentityRecord; details: Record<string, string | number | boolean | string[]>; also?: (tx: StoreTx, op: Operation) => Promise<void> },
    options: { self?: boolean } = {},
  ): Promise<IdentityView> {
    const updated = await this.#c.runner.run(ctx, action, async (op) => {
      const doc = await mustFind<IdentityRecord>(this.#c.store, KIND.identity, typeof name === 'string' ? name.toLowerCase() : '', 'identity');
      op.details['identity'] = doc.data.name;
      op.details['identityId'] = doc.data.id;
      if (options.self) this.#selfOr(op, doc.data);
      else op.authorize({});
      const now = this.#c.clock.now().toISOString();
      const { record, details, also } = change(doc.data, now);
      Object.assign(op.details, details);
      op.mutation = async (tx) => {
        await tx.putDocument({ kind: KIND.identity, id: record.id, lookup: record.name, ref: record.team, data: record, updatedAt: now }, doc.revision);
        await also?.(tx, op);
      };
      return record;
    });
    this.#index.invalidate();
    return identityView(updated);
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function totpAad(identityId: string): Buffer {
  return encodeAad('keyward/totp/v1', [identityId]);
}

