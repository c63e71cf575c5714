import { approvers, castVote, expireIfDue, type ApprovalRecord, type ApprovalStatus } from '../../approvals/approval.ts';
import { grantCoversResource, type Resource } from '../../auth/authorize.ts';
import type { CallContext } from '../../auth/principal.ts';
import { encodeAad } from '../../crypto/aad.ts';
import { unwrap, wrap } from '../../crypto/key-wrap.ts';
import { KeywardError, toKeywardError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import { systemPrincipal } from '../../auth/principal.ts';
import type { KeyRecord } from '../../storage/records.ts';
import type { EngineContext } from '../engine-context.ts';
import { keyFacts, type Operation } from '../operation.ts';
import { KIND, type AccessIndex } from './access-index.ts';
import { mustGet, page } from './docs.ts';

/** A sensitive operation someone asked for. */
export interface SensitiveRequest {
  /** The action that needs approval (`key.destroy`, `binding.create-tier1`…). */
  readonly action: string;
  /** The action whose permission the requester must hold (defaults to `action`). */
  readonly permission?: string;
  readonly key: KeyRecord | null;
  /** When the key does not exist yet (import): its name. */
  readonly keyName?: string;
  /** What the executor needs (no secrets). */
  readonly params: Readonly<Record<string, unknown>>;
  /** Bytes that must not be stored in clear (imported material): kept wrapped under the root key. */
  readonly secret?: Buffer;
  readonly summary: string;
  readonly reason?: string | null;
}

/** Runs an approved request as its requester; returns a one-line outcome. */
export type Executor = (ctx: CallContext, request: ApprovalRecord, secret: Buffer | null) => Promise<string>;

/** What decides whether an action on a key needs approval: policy first, then the governance settings. */
export type RequirementSource = (action: string, key: KeyRecord | null) => Promise<{ readonly quorum: number; readonly approverRole: string } | null | undefined>;

const MAX_REASON = 1000;

/**
 * M-of-N approvals. Sensitive operations asked for by an identity become requests (audited
 * `approval.request`) instead of running; approvers with the required role vote; at the quorum the
 * operation runs as the requester, its audit entry naming the request and the approvers. Root and
 * system principals, and permission-pattern service tokens (delegated root, minted only by root or
 * their holders), are not gated: their use is itself an audit finding.
 */
export class ApprovalService {
  readonly #c: EngineContext;
  readonly #index: AccessIndex;
  readonly #executors = new Map<string, Executor>();
  #policy: RequirementSource | null = null;

  constructor(c: EngineContext, index: AccessIndex) {
    this.#c = c;
    this.#index = index;
  }

  registerExecutor(action: string, executor: Executor): void {
    this.#executors.set(action, executor);
  }

  /** The executor of a sensitive action (break-glass runs them too); null for an action that is not one. */
  executor(action: string): Executor | null {
    return this.#executors.get(action) ?? null;
  }

  /** Actions that can be requested for approval or run under break-glass. */
  sensitiveActions(): string[] {
    return [...this.#executors.keys()].sort();
  }

  /** Installs the policy's say on which operations need approval (it overrides the settings where it speaks). */
  setRequirementSource(source: RequirementSource | null): void {
    this.#policy = source;
  }

  async requirement(action: string, key: KeyRecord | null): Promise<{ quorum: number; approverRole: string } | null> {
    const fromPolicy = await this.#policy?.(action, key);
    if (fromPolicy !== undefined) return fromPolicy;
    const settings = await this.#index.settings();
    return settings.approvals.actions.includes(action) ? { quorum: settings.approvals.quorum, approverRole: settings.approvals.approverRole } : null;
  }

  /**
   * Returns when the operation may run now; otherwise records an approval request and throws
   * `approval_required` naming it.
   */
  async gate(ctx: CallContext, request: SensitiveRequest): Promise<void> {
    if (ctx.principal.type !== 'identity') return;
    if (ctx.approval?.action === request.action || ctx.breakGlass?.action === request.action) return;
    const needed = await this.requirement(request.action, request.key);
    if (!needed) return;
    if (!this.#executors.has(request.action)) throw new KeywardError('internal', `no executor for sensitive action ${request.action}`);
    const settings = await this.#index.settings();
    const id = newId('apr');
    await this.#c.runner.run(ctx, 'approval.request', async (op) => {
      const resource = this.#resource(request);
      op.keyId = request.key?.id ?? null;
      op.details['approvalId'] = id;
      op.details['requestedAction'] = request.action;
      if (request.key || request.keyName) op.details['keyName'] = request.key?.name ?? request.keyName ?? null;
      const decision = op.check(request.permission ?? request.action, resource);
      if (!decision.allowed) throw new KeywardError('permission_denied', decision.reason);
      op.authorized = true;
      requireMfa(op, settings.requireMfa);
      const reason = checkReason(request.reason);
      const now = this.#c.clock.now();
      const identity = ctx.principal.identity;
      if (!identity) throw new KeywardError('permission_denied', 'approval requests need an identity');
      const record: ApprovalRecord = {
        id,
        action: request.action,
        keyId: request.key?.id ?? null,
        keyName: request.key?.name ?? request.keyName ?? null,
        params: request.params,
        sealedParams: request.secret ? wrap(this.#c.seal.secrets().rootKey, request.secret, paramsAad(id)).toString('base64') : null,
        summary: request.summary,
        reason,
        requester: { identityId: identity.id, actor: ctx.principal.actor },
        quorum: needed.quorum,
        approverRole: needed.approverRole,
        createdAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + settings.approvals.expiresHours * 3600_000).toISOString(),
        votes: [],
        status: 'pending',
        decidedAt: null,
        outcome: null,
      };
      op.details['quorum'] = needed.quorum;
      op.details['approverRole'] = needed.approverRole;
      op.mutation = async (tx) => void (await tx.putDocument({ kind: KIND.approval, id, ref: record.keyId, data: record, updatedAt: record.createdAt }, null));
    });
    throw new KeywardError('approval_required', `"${request.summary}" needs ${needed.quorum} approval(s) from ${needed.approverRole}; approval request ${id} was made`, {
      approvalId: id,
      quorum: needed.quorum,
      approverRole: needed.approverRole,
    });
  }

  approve(ctx: CallContext, id: string, comment?: string): Promise<ApprovalRecord> {
    return this.#vote(ctx, id, 'approve', comment);
  }

  deny(ctx: CallContext, id: string, comment?: string): Promise<ApprovalRecord> {
    return this.#vote(ctx, id, 'deny', comment);
  }

  async #vote(ctx: CallContext, id: string, vote: 'approve' | 'deny', comment: string | undefined): Promise<ApprovalRecord> {
    const settings = await this.#index.settings();
    const state: { record?: ApprovalRecord; run?: boolean } = {};
    await this.#c.runner.run(ctx, `approval.${vote}`, async (op) => {
      op.precheck();
      const doc = await mustGet<ApprovalRecord>(this.#c.store, KIND.approval, id, 'approval request');
      const request = doc.data;
      op.details['approvalId'] = id;
      op.details['requestedAction'] = request.action;
      op.keyId = request.keyId;
      const key = request.keyId ? await this.#c.store.getKey(request.keyId) : null;
      const resource: Resource = key ? { keyName: key.name, key: keyFacts(key) } : {};
      op.authorize(resource);
      const identity = ctx.principal.identity;
      if (!identity || identity.kind !== 'user') throw new KeywardError('permission_denied', 'approvals are decided by people (user identities), not by tokens or service accounts');
      const holdsRole = (ctx.principal.grants ?? []).some((g) => g.role === request.approverRole && grantCoversResource(g, resource, identity.environment));
      if (!holdsRole) throw new KeywardError('permission_denied', `approving this request needs the ${request.approverRole} role${key ? ` on key "${key.name}"` : ''}`);
      requireMfa(op, settings.requireMfa);
      const now = this.#c.clock.now();
      const expired = expireIfDue(request, now);
      if (expired) {
        // Recorded as expired; the vote itself is refused below.
        await this.#c.store.transaction((tx) => tx.putDocument({ kind: KIND.approval, id, ref: request.keyId, data: expired, updatedAt: now.toISOString() }, doc.revision));
        throw new KeywardError('conflict', `approval request ${id} expired at ${request.expiresAt}`, { status: 'expired' });
      }
      const voted = castVote(request, { identityId: identity.id, actor: ctx.principal.actor, vote, at: now.toISOString(), comment: checkComment(comment) }, now);
      state.record = voted.request;
      state.run = voted.quorumReached;
      op.details['approvals'] = voted.request.votes.filter((v) => v.vote === 'approve').length;
      op.details['quorum'] = request.quorum;
      if (voted.quorumReached) op.details['quorumReached'] = true;
      op.mutation = async (tx) => void (await tx.putDocument({ kind: KIND.approval, id, ref: request.keyId, data: voted.request, updatedAt: now.toISOString() }, doc.revision));
    });
    const record = state.record as ApprovalRecord;
    return state.run ? this.#execute(record) : record;
  }

  /** Runs an approved request as its requester and records what happened. */
  async #execute(request: ApprovalRecord): Promise<ApprovalRecord> {
    const executor = this.#executors.get(request.action);
    let status: ApprovalStatus = 'executed';
    let outcome: string;
    try {
      if (!executor) throw new KeywardError('internal', `no executor for ${request.action}`);
      const principal = await this.#index.principalFor(request.requester.identityId, undefined, true);
      if (!principal) throw new KeywardError('permission_denied', `the requester ${request.requester.actor} is no longer active`);
      const secret = request.sealedParams ? unwrap(this.#c.seal.secrets().rootKey, Buffer.from(request.sealedParams, 'base64'), paramsAad(request.id)) : null;
      try {
        outcome = await executor({ principal, source: 'approval', approval: { id: request.id, action: request.action, approvers: approvers(request) } }, request, secret);
      } finally {
        secret?.fill(0);
      }
    } catch (err) {
      const e = toKeywardError(err);
      status = 'failed';
      outcome = `${e.code}: ${e.code === 'internal' ? 'internal error' : e.message}`;
    }
    return this.#close(request, status, outcome);
  }

  async #close(request: ApprovalRecord, status: ApprovalStatus, outcome: string): Promise<ApprovalRecord> {
    const ctx: CallContext = { principal: systemPrincipal('approvals'), source: 'approvals' };
    return this.#c.runner.run(ctx, 'approval.complete', async (op) => {
      op.authorized = true;
      op.keyId = request.keyId;
      const doc = await mustGet<ApprovalRecord>(this.#c.store, KIND.approval, request.id, 'approval request');
      const now = this.#c.clock.now().toISOString();
      const closed: ApprovalRecord = { ...doc.data, status, outcome, decidedAt: doc.data.decidedAt ?? now };
      op.details['approvalId'] = request.id;
      op.details['requestedAction'] = request.action;
      op.details['status'] = status;
      op.details['outcome'] = outcome.slice(0, 300);
      op.details['approvers'] = approvers(closed);
      op.mutation = async (tx) => void (await tx.putDocument({ kind: KIND.approval, id: request.id, ref: request.keyId, data: closed, updatedAt: now }, doc.revision));
      return closed;
    });
  }

  /** The requester withdraws a pending request. */
  cancel(ctx: CallContext, id: string): Promise<ApprovalRecord> {
    return this.#c.runner.run(ctx, 'approval.cancel', async (op) => {
      const doc = await mustGet<ApprovalRecord>(this.#c.store, KIND.approval, id, 'approval request');
      op.details['approvalId'] = id;
      op.keyId = doc.data.keyId;
      if (ctx.principal.identity?.id !== doc.data.requester.identityId) op.authorize({});
      else op.authorized = true;
      if (doc.data.status !== 'pending') throw new KeywardError('conflict', `approval request ${id} is ${doc.data.status}, not pending`);
      const now = this.#c.clock.now().toISOString();
      const cancelled: ApprovalRecord = { ...doc.data, status: 'cancelled', decidedAt: now, outcome: `cancelled by ${ctx.principal.actor}` };
      op.mutation = async (tx) => void (await tx.putDocument({ kind: KIND.approval, id, ref: doc.data.keyId, data: cancelled, updatedAt: now }, doc.revision));
      return cancelled;
    });
  }

  get(ctx: CallContext, id: string): Promise<ApprovalRecord> {
    return this.#c.runner.run(ctx, 'approval.read', async (op) => {
      op.precheck();
      const doc = await mustGet<ApprovalRecord>(this.#c.store, KIND.approval, id, 'approval request');
      op.details['approvalId'] = id;
      op.keyId = doc.data.keyId;
      if (ctx.principal.identity?.id === doc.data.requester.identityId) op.authorized = true;
      else {
        const key = doc.data.keyId ? await this.#c.store.getKey(doc.data.keyId) : null;
        op.authorize(key ? { keyName: key.name, key: keyFacts(key) } : {});
      }
      return expireIfDue(doc.data, this.#c.clock.now()) ?? doc.data;
    });
  }

  list(ctx: CallContext, options: { status?: ApprovalStatus; after?: string; limit?: number }): Promise<{ approvals: ApprovalRecord[]; next: string | null }> {
    return this.#c.runner.run(ctx, 'approval.list', async (op) => {
      // Everything for an `all` grant; otherwise the requests about keys one's grants cover.
      const everything = op.check('approval.list', {}).allowed;
      if (!everything) op.precheck();
      op.authorized = true;
      const { items, next } = await page<ApprovalRecord>(this.#c.store, KIND.approval, options);
      const now = this.#c.clock.now();
      const visible: ApprovalRecord[] = [];
      for (const r of items) {
        if (everything || r.requester.identityId === ctx.principal.identity?.id) visible.push(r);
        else if (r.keyId !== null) {
          const key = await this.#c.store.getKey(r.keyId);
          if (key && op.check('approval.list', { keyName: key.name, key: keyFacts(key) }).allowed) visible.push(r);
        }
      }
      const shown = visible.map((r) => expireIfDue(r, now) ?? r).filter((r) => options.status === undefined || r.status === options.status);
      op.details['returned'] = shown.length;
      return { approvals: shown, next };
    });
  }

  /** Marks pending requests past their expiry as expired (scheduler job); returns how many. */
  async expireDue(): Promise<number> {
    const now = this.#c.clock.now();
    let expired = 0;
    for (let after: string | undefined; ; ) {
      const rows = await this.#c.store.listDocuments<ApprovalRecord>(KIND.approval, { limit: 500, ...(after !== undefined ? { after } : {}) });
      for (const doc of rows) {
        const due = expireIfDue(doc.data, now);
        if (!due) continue;
        await this.#c.runner.run({ principal: systemPrincipal('approvals'), source: 'scheduler' }, 'approval.expire', async (op) => {
          op.authorized = true;
          op.keyId = due.keyId;
          op.details['approvalId'] = due.id;
          op.details['requestedAction'] = due.action;
          op.mutation = async (tx) => void (await tx.putDocument({ kind: KIND.approval, id: due.id, ref: due.keyId, data: due, updatedAt: now.toISOString() }, doc.revision));
        }).then(() => expired++, () => undefined);
      }
      if (rows.length < 500) return expired;
      after = rows[rows.length - 1]?.id;
    }
  }

  #resource(request: SensitiveRequest): Resource {
    if (request.key) return { keyName: request.key.name, key: keyFacts(request.key) };
    if (request.keyName) return { keyName: request.keyName };
    return {};
  }
}

function paramsAad(approvalId: string): Buffer {
  return encodeAad('keyward/approval-params/v1', [approvalId]);
}

/** Sensitive steps need a login that passed TOTP when the settings say so. */
export function requireMfa(op: Operation, required: boolean): void {
  if (!required) return;
  const identity = op.ctx.principal.identity;
  if (identity && !identity.mfa) throw new KeywardError('mfa_required', `${op.action} needs a login with a TOTP code (governance setting requireMfa)`);
}

function checkReason(reason: string | null | undefined): string | null {
  if (reason === undefined || reason === null || reason === '') return null;
  if (typeof reason !== 'string' || reason.length > MAX_REASON) throw new KeywardError('validation_failed', `reason must be text of at most ${MAX_REASON} characters`, { field: 'reason' });
  return reason;
}

function checkComment(comment: string | undefined): string | null {
  if (comment === undefined || comment === '') return null;
  if (typeof comment !== 'string' || comment.length > MAX_REASON) throw new KeywardError('validation_failed', `comment must be text of at most ${MAX_REASON} characters`, { field: 'comment' });
  return comment;
}
