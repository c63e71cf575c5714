import { createHmac } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import { KeywardError, toKeywardError, type ErrorCode } from '../core/errors.ts';
import { authorize, mayPerform, type Resource } from '../auth/authorize.ts';
import type { CallContext } from '../auth/principal.ts';
import type { AuditLog, AuditedMutation } from '../audit/audit-log.ts';
import type { AuditDetailValue, AuditDraft, AuditOutcome, KeyRecord } from '../storage/records.ts';

/** Codes that mean "refused" rather than "went wrong", for the audit outcome. */
const DENIED: ReadonlySet<ErrorCode> = new Set(['permission_denied', 'unauthenticated', 'sealed', 'key_state_invalid', 'rotation_required', 'key_version_disabled']);

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
  readonly #hmacKey: () => Buffer | null;

  constructor(ctx: CallContext, action: string, hmacKey: () => Buffer | null) {
    this.ctx = ctx;
    this.action = action;
    this.#hmacKey = hmacKey;
  }

  /** Checks the principal may perform this action (on this key); throws `permission_denied`. */
  authorize(resource: Resource = {}): void {
    const decision = authorize(this.ctx.principal, this.action, resource);
    if (!decision.allowed) throw new KeywardError('permission_denied', decision.reason);
    this.authorized = true;
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
    this.authorize({ keyName: key.name });
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

export interface OperationRunnerDeps {
  readonly audit: AuditLog;
  readonly clock: Clock;
  /** The audit HMAC key while unsealed, else null. */
  readonly hmacKey: () => Buffer | null;
  /** Throws `sealed` while sealed; every action outside `sys.` needs an unsealed node. */
  readonly requireUnsealed: () => void;
  /** Told of every finished operation (after its audit entry is durable, or failed): for metrics. */
  readonly onOperation?: (event: OperationEvent) => void;
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
    const op = new Operation(ctx, action, this.#deps.hmacKey);
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
