import { createHmac } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import { KeywardError, toKeywardError, type ErrorCode } from '../core/errors.ts';
import { authorize, mayPerform, type Decision, type Resource } from '../auth/authorize.ts';
import type { KeyFacts } from '../auth/grants.ts';
import type { CallContext } from '../auth/principal.ts';
import type { AuditLog, AuditedMutation } from '../audit/audit-log.ts';
import type { AuditDetailValue, AuditDraft, AuditOutcome, KeyRecord } from '../storage/records.ts';

/** Codes that mean "refused" rather than "went wrong", for the audit outcome. */
const DENIED: ReadonlySet<ErrorCode> = new Set(['permission_denied', 'unauthenticated', 'sealed', 'key_state_invalid', 'rotation_required', 'key_version_disabled', 'sod_violation', 'approval_required', 'mfa_required', 'policy_violation', 'retention_active']);

/** One operation in flight: collects what its audit entry will say. */
export class Operation {
  readonly ctx: CallContext;
  readonly action: string;
  keyId: string | null = null;
  keyVersion: number | null = null;
  /** The spec of the key this operation is about, for metrics (not audited: the key id says it). */
  keySpec: string | null = null;
  readonly details: Record<string, AuditDetailValue> = {};
  mutation: AuditedMutation | undefined;
  authorized = false;
  /** The encryption context of a crypto call, for binding conditions (set before `forKey`). */
  encryptionContext: Readonly<Record<string, string>> = {};
  readonly #hmacKey: () => Buffer | null;
  readonly #clock: Clock;
  readonly #hooks: GovernanceHooks | undefined;

  constructor(ctx: CallContext, action: string, hmacKey: () => Buffer | null, clock: Clock, hooks?: GovernanceHooks) {
    this.ctx = ctx;
    this.action = action;
    this.#hmacKey = hmacKey;
    this.#clock = clock;
    this.#hooks = hooks;
    if (ctx.approval) this.details['approvalId'] = ctx.approval.id;
    if (ctx.breakGlass) this.details['breakGlassId'] = ctx.breakGlass.id;
  }

  /**
   * Checks the principal may perform this action (on this key); throws `permission_denied`, or
   * `sod_violation` when separation of duties forbids it even though a role grants it.
   */
  authorize(resource: Resource = {}): void {
    const decision = this.check(this.action, resource);
    if (!decision.allowed) throw new KeywardError('permission_denied', decision.reason);
    this.authorized = true;
  }

  /**
   * The decision for `action` (this operation's, or one it stands for, such as the operation an
   * approval request is about) with this call's request facts; runs the separation-of-duties
   * rules on an allowed identity decision, and notes which binding was used.
   */
  check(action: string, resource: Resource = {}): Decision {
    // Only identities' grants can carry conditions and separation-of-duties rules.
    if (this.ctx.principal.type !== 'identity') return authorize(this.ctx.principal, action, resource);
    const withRequest: Resource = { ...resource, request: { sourceIp: this.ctx.source ?? null, encryptionContext: this.encryptionContext, now: this.#clock.now() } };
    const decision = authorize(this.ctx.principal, action, withRequest);
    if (decision.allowed) {
      this.#hooks?.afterAllowed(this.ctx, action, withRequest.key ?? null, decision);
      if (decision.bindingId) this.details['binding'] = decision.bindingId;
    }
    return decision;
  }

  /** A cheap early refusal before a key lookup, so unauthorised callers learn nothing about key names. */
  precheck(): void {
    if (!mayPerform(this.ctx.principal, this.action)) throw new KeywardError('permission_denied', `${this.ctx.principal.actor} lacks permission for ${this.action}`);
  }

  /** Records which key this is about and authorises the principal on it. */
  forKey(key: KeyRecord, version: number | null = null): void {
    this.keyId = key.id;
    this.keyVersion = version;
    this.keySpec = key.spec;
    this.details['keyName'] = key.name;
    this.authorize({ keyName: key.name, key: keyFacts(key) });
  }

  /**
   * Adds a keyed HMAC-SHA256 of sensitive bytes (plaintext, messages) instead of the bytes, so an
   * investigator holding a candidate value can find its entries (`audit hash-value`).
   */
  hashDetail(name: string, value: Uint8Array): void {
    const key = this.#hmacKey();
    if (key) this.details[name] = createHmac('sha256', key).update(value).digest('hex');
  }

  draft(clock: Clock, outcome: AuditOutcome, errorCode: string | null): AuditDraft {
    return {
      time: clock.now().toISOString(),
      actor: this.ctx.principal.actor,
      action: this.action,
      keyId: this.keyId,
      keyVersion: this.keyVersion,
      outcome,
      errorCode,
      requestId: this.ctx.requestId ?? null,
      correlationId: this.ctx.correlationId ?? null,
      source: this.ctx.source ?? null,
      details: this.details,
    };
  }
}

/** What authorization needs to know of a key. */
export function keyFacts(key: KeyRecord): KeyFacts {
  return { id: key.id, name: key.name, environment: key.environment, tier: key.tier, tags: key.tags, createdBy: key.createdBy, owner: key.owner };
}

/**
 * Governance's part in every authorization of an identity: separation of duties at use time
 * (throws `sod_violation`) and binding usage for access review.
 */
export interface GovernanceHooks {
  afterAllowed(ctx: CallContext, action: string, key: KeyFacts | null, decision: Decision): void;
}

export interface OperationRunnerDeps {
  readonly audit: AuditLog;
  readonly clock: Clock;
  /** The audit HMAC key while unsealed, else null. */
  readonly hmacKey: () => Buffer | null;
  /** Throws `sealed` while sealed; every action outside `sys.` needs an unsealed node. */
  readonly requireUnsealed: () => void;
  /** Told of every finished operation (after its audit entry is durable, or failed): for metrics. */
  readonly onOperation?: (event: OperationEvent) => void;
  /** Separation of duties and binding usage (installed once governance is wired). */
  readonly governance?: () => GovernanceHooks | undefined;
}

/** What metrics learn of one operation. */
export interface OperationEvent {
  readonly action: string;
  readonly outcome: AuditOutcome;
  readonly errorCode: ErrorCode | null;
  readonly keySpec: string | null;
  readonly durationMs: number;
}

/**
 * The one path every operation takes: authorise → act → append to the audit log → answer. The
 * audit entry (with any state change, in the same transaction) is durable before the result is
 * returned; failures and refusals are audited too. If the audit write fails, the call fails.
 */
export class OperationRunner {
  readonly #deps: OperationRunnerDeps;

  constructor(deps: OperationRunnerDeps) {
    this.#deps = deps;
  }

  async run<T>(ctx: CallContext, action: string, body: (op: Operation) => Promise<T>): Promise<T> {
    const op = new Operation(ctx, action, this.#deps.hmacKey, this.#deps.clock, this.#deps.governance?.());
    const started = performance.now();
    let result: T;
    try {
      if (!action.startsWith('sys.')) this.#deps.requireUnsealed();
      result = await body(op);
      if (!op.authorized) throw new KeywardError('internal', `operation ${action} skipped authorization`);
    } catch (err) {
      const e = toKeywardError(err);
      const outcome = DENIED.has(e.code) ? 'denied' : 'failure';
      try {
        await this.#deps.audit.record(op.draft(this.#deps.clock, outcome, e.code));
      } finally {
        this.#report(op, outcome, e.code, started);
      }
      throw e;
    }
    try {
      // Rejects with the mutation's own error (after auditing the failure), or with audit_failed.
      await this.#deps.audit.record(op.draft(this.#deps.clock, 'success', null), op.mutation);
    } catch (err) {
      this.#report(op, 'failure', toKeywardError(err).code, started);
      throw err;
    }
    this.#report(op, 'success', null, started);
    return result;
  }

  #report(op: Operation, outcome: AuditOutcome, errorCode: ErrorCode | null, started: number): void {
    const listener = this.#deps.onOperation;
    if (!listener) return;
    try {
      listener({ action: op.action, outcome, errorCode, keySpec: op.keySpec, durationMs: performance.now() - started });
    } catch {
      // Metrics must never change the outcome of an operation.
    }
  }
}
