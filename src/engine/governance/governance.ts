import type { CallContext } from '../../auth/principal.ts';
import type { StateAction } from '../../keys/key-states.ts';
import type { KeyMetadataInput } from '../../keys/key-input.ts';
import { KeywardError } from '../../core/errors.ts';
import { systemPrincipal } from '../../auth/principal.ts';
import type { KeyRecord } from '../../storage/records.ts';
import type { EngineContext } from '../engine-context.ts';
import type { ImportKeyInput, KeyAdmin } from '../key-admin.ts';
import { IntervalJob } from '../interval-job.ts';
import type { LeaderJob } from '../scheduler.ts';
import type { TokenService } from '../token-service.ts';
import { AccessIndex } from './access-index.ts';
import { AccessService } from './access-service.ts';
import { ApprovalService, type RequirementSource } from './approval-service.ts';
import { BreakGlassService } from './breakglass-service.ts';
import { GovernanceRules } from './governance-hooks.ts';
import { IdentityService } from './identity-service.ts';
import { ReviewService } from './review-service.ts';

/** The services whose sensitive methods governance guards (approvals, break-glass). */
export interface GuardedServices {
  readonly keys: KeyAdmin;
  readonly lifecycle?: { scheduleDeletion(ctx: CallContext, ref: string, input?: { waitingPeriodDays?: number; reason?: string }): Promise<unknown> };
  readonly policy?: { set(ctx: CallContext, input: { text: string; comment?: string | null }): Promise<unknown> };
}

/** State actions that need approval (the reversible `resume`/`activate` do not). */
const SENSITIVE_STATE: ReadonlySet<StateAction> = new Set(['destroy', 'suspend', 'deactivate', 'compromise']);
/** Metadata that changes a key's policy: how long it lives, how it is classified, where it belongs. */
const POLICY_FIELDS: readonly (keyof KeyMetadataInput)[] = ['rotationPeriodDays', 'tier', 'environment'];

/**
 * Governance, wired: identities and logins, roles and bindings, approvals, break-glass, access
 * review, and the rules every identity's authorization passes through (separation of duties,
 * binding usage). Built once by the engine.
 */
export class Governance {
  readonly index: AccessIndex;
  readonly rules: GovernanceRules;
  readonly identities: IdentityService;
  readonly approvals: ApprovalService;
  readonly access: AccessService;
  readonly breakGlass: BreakGlassService;
  readonly reviews: ReviewService;
  readonly #c: EngineContext;

  constructor(c: EngineContext, tokens: TokenService, options: { cacheTtlMs: number }) {
    this.#c = c;
    this.index = new AccessIndex(c.store, c.clock, options.cacheTtlMs);
    this.rules = new GovernanceRules(this.index, c.clock);
    this.identities = new IdentityService(c, this.index, tokens);
    this.approvals = new ApprovalService(c, this.index);
    this.access = new AccessService(c, this.index, this.approvals);
    this.breakGlass = new BreakGlassService(c, this.index, this.approvals);
    this.reviews = new ReviewService(c, this.index, this.identities);
    tokens.setIdentityResolver((token) => (token.identityId === null ? Promise.resolve(null) : this.index.principalFor(token.identityId, token.accessor, token.mfa)));
    this.approvals.registerExecutor('binding.create-tier1', async (ctx, request) => {
      const p = request.params as { role: string; subject: string; scope: string; condition: string | null; description: string | null; expiresAt: string | null };
      const b = await this.access.createBinding(ctx, p);
      return `binding ${b.id} created`;
    });
    this.approvals.registerExecutor('governance.update-settings', async (ctx, request) => {
      await this.access.updateSettings(ctx, (request.params as { patch: unknown }).patch);
      return 'settings updated';
    });
  }

  /** Lets the key-management policy decide which operations need approval (where it has an `approvals` section). */
  setPolicySource(source: RequirementSource): void {
    this.approvals.setRequirementSource(source);
  }

  /**
   * Puts the approval gate in front of the sensitive methods of the given services. A call by an
   * identity that policy marks sensitive becomes an approval request (`approval_required`); the
   * approved request (or a break-glass use) runs the same method with the approval in its context.
   */
  guard(services: GuardedServices): void {
    const { keys } = services;
    const key = (ref: string): Promise<KeyRecord> => this.#c.directory.get(ref);

    const changeState = keys.changeState.bind(keys);
    keys.changeState = async (ctx, ref, action, reason) => {
      if (SENSITIVE_STATE.has(action)) {
        const k = await this.#lookupForGate(ctx, ref, key);
        if (k) await this.approvals.gate(ctx, { action: `key.${action}`, key: k, params: { action, reason: reason ?? null }, summary: `${action} key "${k.name}"`, reason: reason ?? null });
      }
      return changeState(ctx, ref, action, reason);
    };
    this.approvals.registerExecutor('key.destroy', (ctx, r) => stateExecutor(keys, ctx, r, 'destroy'));
    this.approvals.registerExecutor('key.suspend', (ctx, r) => stateExecutor(keys, ctx, r, 'suspend'));
    this.approvals.registerExecutor('key.deactivate', (ctx, r) => stateExecutor(keys, ctx, r, 'deactivate'));
    this.approvals.registerExecutor('key.compromise', (ctx, r) => stateExecutor(keys, ctx, r, 'compromise'));

    const importKey = keys.import.bind(keys);
    keys.import = async (ctx, input) => {
      const { material, ...rest } = input;
      await this.approvals.gate(ctx, { action: 'key.import', key: null, keyName: input.name, params: rest, secret: material, summary: `import key "${input.name}" (${input.spec})` });
      return importKey(ctx, input);
    };
    this.approvals.registerExecutor('key.import', async (ctx, request, secret) => {
      if (!secret) throw new KeywardError('validation_failed', 'key material is required to import (break-glass cannot import: ask for approval)');
      const view = await keys.import(ctx, { ...(request.params as Omit<ImportKeyInput, 'material'>), material: secret });
      return `key ${view.name} imported`;
    });

    const update = keys.update.bind(keys);
    keys.update = async (ctx, ref, input) => {
      const fields = POLICY_FIELDS.filter((f) => input[f] !== undefined);
      if (fields.length > 0) {
        const k = await this.#lookupForGate(ctx, ref, key);
        if (k) await this.approvals.gate(ctx, { action: 'key.update-policy', permission: 'key.update', key: k, params: { ...input }, summary: `change ${fields.join(', ')} of key "${k.name}"` });
      }
      return update(ctx, ref, input);
    };
    this.approvals.registerExecutor('key.update-policy', async (ctx, request) => {
      const view = await keys.update(ctx, request.keyId ?? '', request.params);
      return `key ${view.name} updated`;
    });

    const lifecycle = services.lifecycle;
    if (lifecycle) {
      const schedule = lifecycle.scheduleDeletion.bind(lifecycle);
      lifecycle.scheduleDeletion = async (ctx, ref, input = {}) => {
        const k = await this.#lookupForGate(ctx, ref, key);
        if (k) await this.approvals.gate(ctx, { action: 'key.schedule-deletion', key: k, params: { ...input }, summary: `schedule deletion of key "${k.name}"`, reason: input.reason ?? null });
        return schedule(ctx, ref, input);
      };
      this.approvals.registerExecutor('key.schedule-deletion', async (ctx, request) => {
        await lifecycle.scheduleDeletion(ctx, request.keyId ?? '', request.params);
        return `deletion of key ${request.keyName ?? request.keyId ?? ''} scheduled`;
      });
    }

    const policy = services.policy;
    if (policy) {
      const set = policy.set.bind(policy);
      policy.set = async (ctx, input) => {
        await this.approvals.gate(ctx, { action: 'policy.update', key: null, params: { text: input.text, comment: input.comment ?? null }, summary: 'replace the key-management policy', reason: input.comment ?? null });
        return set(ctx, input);
      };
      this.approvals.registerExecutor('policy.update', async (ctx, request) => {
        await policy.set(ctx, request.params as { text: string; comment?: string | null });
        return 'policy updated';
      });
    }
  }

  /**
   * The key a gated call is about. An unknown key is left for the operation itself to report
   * (key_not_found, audited), so the gate says nothing about key names to the unauthorised.
   */
  async #lookupForGate(ctx: CallContext, ref: string, get: (ref: string) => Promise<KeyRecord>): Promise<KeyRecord | null> {
    if (ctx.principal.type !== 'identity') return null;
    return get(ref).catch(() => null);
  }

  /** Scheduler work: expire approval requests, flush binding usage. */
  async housekeeping(): Promise<void> {
    await this.approvals.expireDue();
    await this.rules.flushUsage(this.#c.store);
  }

  /** The leader's governance jobs: housekeeping every `intervalMs`, and the access review when due. */
  schedulerJobs(options: { intervalMs: number; onError: (err: unknown) => void }): LeaderJob[] {
    return [new IntervalJob('governance', options, () => this.#tick())];
  }

  async #tick(): Promise<void> {
    await this.housekeeping();
    await this.scheduledReview();
  }

  /**
   * The scheduled access review (every `review.intervalHours`, daily by default, once a directory
   * has been imported): reconcile, and mark the departed departed if configured.
   */
  async scheduledReview(): Promise<void> {
    const settings = await this.index.settings();
    const latest = (await this.#c.store.listDocuments<{ at: string }>('access-review', { limit: 1000 })).reduce((max, d) => (d.data.at > max ? d.data.at : max), '');
    if (latest && Date.parse(latest) + settings.review.intervalHours * 3600_000 > this.#c.clock.now().getTime()) return;
    const ctx: CallContext = { principal: systemPrincipal('access-review'), source: 'scheduler' };
    const people = await this.#c.store.listDocuments('directory-person', { limit: 1 });
    if (people.length === 0) return;
    const review = await this.reviews.run(ctx);
    if (settings.review.autoSuspendDeparted && review.counts['departed-active'] > 0) await this.reviews.apply(ctx, review.id);
  }
}

async function stateExecutor(keys: KeyAdmin, ctx: CallContext, request: { keyId: string | null; params: Readonly<Record<string, unknown>> }, action: StateAction): Promise<string> {
  const view = await keys.changeState(ctx, request.keyId ?? '', action, (request.params['reason'] as string | null) ?? undefined);
  return `key ${view.name} is now ${view.state}`;
}
