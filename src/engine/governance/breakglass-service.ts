import { addReview, checkJustification, type BreakGlassRecord } from '../../approvals/breakglass.ts';
import type { ApprovalRecord } from '../../approvals/approval.ts';
import { grantCoversResource, type Resource } from '../../auth/authorize.ts';
import type { Grant } from '../../auth/grants.ts';
import { optionalText } from '../../auth/identities.ts';
import { systemPrincipal, type CallContext } from '../../auth/principal.ts';
import { KeywardError, toKeywardError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { EngineContext } from '../engine-context.ts';
import { keyFacts } from '../operation.ts';
import { KIND, type AccessIndex } from './access-index.ts';
import { requireMfa, type ApprovalService } from './approval-service.ts';
import { mustGet, page } from './docs.ts';

export interface BreakGlassInput {
  /** A sensitive action (`key.destroy`, `key.compromise`…): see `keyward approval actions`. */
  readonly action: string;
  readonly key?: string | null;
  readonly params?: Readonly<Record<string, unknown>>;
  readonly justification: string;
}

/**
 * Break-glass: a security officer (or another configured emergency role) runs a sensitive
 * operation without the quorum, with a justification. The use is audited first
 * (`breakglass.use`, which publishes the `breakglass.used` event to webhooks and streams), the
 * operation's own entry carries the break-glass id, and a review item stays open until enough
 * other security officers have reviewed it.
 */
export class BreakGlassService {
  readonly #c: EngineContext;
  readonly #index: AccessIndex;
  readonly #approvals: ApprovalService;

  constructor(c: EngineContext, index: AccessIndex, approvals: ApprovalService) {
    this.#c = c;
    this.#index = index;
    this.#approvals = approvals;
  }

  async use(ctx: CallContext, input: BreakGlassInput): Promise<BreakGlassRecord> {
    const settings = await this.#index.settings();
    const executor = this.#approvals.executor(typeof input.action === 'string' ? input.action : '');
    if (!executor) throw new KeywardError('validation_failed', `break-glass runs sensitive actions only: ${this.#approvals.sensitiveActions().join(', ')}`, { field: 'action' });
    const id = newId('brk');
    const key = input.key ? await this.#c.directory.get(input.key).catch(() => null) : null;
    const keyName = key?.name ?? input.key ?? null;
    const resource: Resource = key ? { keyName: key.name, key: keyFacts(key) } : keyName ? { keyName } : {};
    const record = await this.#c.runner.run(ctx, 'breakglass.use', async (op) => {
      op.keyId = key?.id ?? null;
      op.details['breakGlassId'] = id;
      op.details['requestedAction'] = input.action;
      if (keyName) op.details['keyName'] = keyName;
      op.authorize(resource);
      const identity = ctx.principal.identity;
      if (!identity || identity.kind !== 'user') throw new KeywardError('permission_denied', 'break-glass is for people (user identities)');
      const emergencyRole = (ctx.principal.grants ?? []).find((g) => settings.breakGlass.roles.includes(g.role) && grantCoversResource(g, resource, identity.environment));
      if (!emergencyRole) throw new KeywardError('permission_denied', `break-glass needs one of the roles ${settings.breakGlass.roles.join(', ')}`);
      requireMfa(op, settings.requireMfa);
      const justification = checkJustification(input.justification);
      op.details['justification'] = justification.slice(0, 500);
      op.details['flagged'] = true;
      const now = this.#c.clock.now().toISOString();
      const record: BreakGlassRecord = {
        id,
        action: input.action,
        keyId: key?.id ?? null,
        keyName,
        summary: `${input.action}${keyName ? ` on key "${keyName}"` : ''}`,
        justification,
        user: { identityId: identity.id, actor: ctx.principal.actor },
        at: now,
        outcome: 'running',
        succeeded: false,
        reviewsRequired: settings.breakGlass.reviewsRequired,
        reviews: [],
        status: 'open',
      };
      op.mutation = async (tx) => void (await tx.putDocument({ kind: KIND.breakGlass, id, ref: identity.id, data: record, updatedAt: now }, null));
      return record;
    });
    // The operation runs as the officer, with a one-off grant of exactly this action on this key.
    const grant: Grant = {
      bindingId: `breakglass:${id}`,
      role: 'break-glass',
      actions: [input.action, ...(input.action === 'binding.create-tier1' ? ['binding.create'] : [])],
      scope: keyName ? { type: 'key', key: keyName } : { type: 'all' },
      condition: null,
      viaGroup: null,
      expiresAt: null,
    };
    const elevated: CallContext = { ...ctx, principal: { ...ctx.principal, grants: [...(ctx.principal.grants ?? []), grant] }, breakGlass: { id, action: input.action } };
    const asRequest: ApprovalRecord = {
      id, action: input.action, keyId: key?.id ?? null, keyName, params: input.params ?? {}, sealedParams: null, summary: record.summary, reason: record.justification,
      requester: record.user, quorum: 0, approverRole: '', createdAt: record.at, expiresAt: record.at, votes: [], status: 'pending', decidedAt: null, outcome: null,
    };
    let outcome: string;
    let succeeded = true;
    try {
      outcome = await executor(elevated, asRequest, null);
    } catch (err) {
      const e = toKeywardError(err);
      succeeded = false;
      outcome = `${e.code}: ${e.code === 'internal' ? 'internal error' : e.message}`;
    }
    return this.#c.runner.run({ principal: systemPrincipal('breakglass'), source: 'breakglass' }, 'breakglass.outcome', async (op) => {
      op.authorized = true;
      op.keyId = record.keyId;
      const doc = await mustGet<BreakGlassRecord>(this.#c.store, KIND.breakGlass, id, 'break-glass use');
      const done: BreakGlassRecord = { ...doc.data, outcome, succeeded };
      op.details['breakGlassId'] = id;
      op.details['succeeded'] = succeeded;
      op.details['outcome'] = outcome.slice(0, 300);
      op.mutation = async (tx) => void (await tx.putDocument({ kind: KIND.breakGlass, id, ref: record.user.identityId, data: done, updatedAt: this.#c.clock.now().toISOString() }, doc.revision));
      return done;
    });
  }

  async review(ctx: CallContext, id: string, input: { verdict: 'justified' | 'unjustified'; comment?: string }): Promise<BreakGlassRecord> {
    const settings = await this.#index.settings();
    return this.#c.runner.run(ctx, 'breakglass.review', async (op) => {
      const doc = await mustGet<BreakGlassRecord>(this.#c.store, KIND.breakGlass, id, 'break-glass use');
      op.keyId = doc.data.keyId;
      op.details['breakGlassId'] = id;
      op.authorize({});
      const identity = ctx.principal.identity;
      if (!identity || identity.kind !== 'user') throw new KeywardError('permission_denied', 'break-glass uses are reviewed by people (user identities)');
      requireMfa(op, settings.requireMfa);
      if (input.verdict !== 'justified' && input.verdict !== 'unjustified') throw new KeywardError('validation_failed', 'verdict must be justified or unjustified', { field: 'verdict' });
      const now = this.#c.clock.now().toISOString();
      const reviewed = addReview(doc.data, { identityId: identity.id, actor: ctx.principal.actor, at: now, verdict: input.verdict, comment: optionalText(input.comment, 'comment', 1000) });
      op.details['verdict'] = input.verdict;
      op.details['status'] = reviewed.status;
      op.mutation = async (tx) => void (await tx.putDocument({ kind: KIND.breakGlass, id, ref: doc.data.user.identityId, data: reviewed, updatedAt: now }, doc.revision));
      return reviewed;
    });
  }

  get(ctx: CallContext, id: string): Promise<BreakGlassRecord> {
    return this.#c.runner.run(ctx, 'breakglass.read', async (op) => {
      op.authorize({});
      op.details['breakGlassId'] = id;
      return (await mustGet<BreakGlassRecord>(this.#c.store, KIND.breakGlass, id, 'break-glass use')).data;
    });
  }

  list(ctx: CallContext, options: { status?: 'open' | 'reviewed'; after?: string; limit?: number }): Promise<{ uses: BreakGlassRecord[]; next: string | null }> {
    return this.#c.runner.run(ctx, 'breakglass.list', async (op) => {
      op.authorize({});
      const { items, next } = await page<BreakGlassRecord>(this.#c.store, KIND.breakGlass, options);
      return { uses: items.filter((r) => options.status === undefined || r.status === options.status), next };
    });
  }
}
