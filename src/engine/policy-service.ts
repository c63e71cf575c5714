import type { Clock } from '../core/clock.ts';
import { KeywardError } from '../core/errors.ts';
import type { CallContext } from '../auth/principal.ts';
import type { DeletionPolicy } from '../lifecycle/deletion/deletion-policy.ts';
import { evaluateKey } from '../policy/evaluate-policy.ts';
import { describePolicy, parsePolicy } from '../policy/parse-policy.ts';
import { MAX_POLICY_BYTES, MAX_POLICY_HISTORY_PAGE } from '../policy/policy-limits.ts';
import type { Policy, Violation } from '../policy/policy-model.ts';
import { sha256Hex, type PolicyVersion, type PolicyVersionData, type PolicyVersions } from '../policy/policy-versions.ts';
import { retentionEnd, retentionEndDate } from '../policy/retention-rules.ts';
import type { KeyRecord } from '../storage/records.ts';
import type { EngineContext } from './engine-context.ts';

/** Keys read per store query while evaluating. */
const EVALUATION_PAGE = 500;
/**
 * Violations returned by one evaluation; the counts cover them all. Ten thousand is far more than
 * a person reads and bounds the answer (~3 MB) when a strict new policy meets a large inventory.
 */
export const MAX_REPORTED_VIOLATIONS = 10_000;
/** A comment is a line for the history ("tighten tier-1 rotation, CHG-1234"), not a document. */
const MAX_COMMENT = 1024;

/** A stored version as callers see it: the text, and one line per rule in force. */
export interface PolicyVersionView extends PolicyVersionData {
  readonly summary: readonly string[];
}

export type PolicyVersionSummary = Omit<PolicyVersionData, 'text'>;

export interface PolicyEvaluation {
  /** The policy evaluated: the current one (its version), or a candidate (version null). */
  readonly policy: { readonly version: number | null; readonly name: string; readonly sha256: string } | null;
  readonly evaluatedAt: string;
  readonly keysEvaluated: number;
  readonly errors: number;
  readonly warnings: number;
  /** At most MAX_REPORTED_VIOLATIONS; `truncated` says whether some were left out. */
  readonly violations: readonly Violation[];
  readonly truncated: boolean;
}

/**
 * Policy as code: the key policy's versions (each set stores a new one), and its evaluation
 * against the keys. Enforcement on key creation and updates is the PolicyGate's (EngineContext),
 * which reads the same versions.
 *
 * @example
 * await engine.policy.set(ctx, { text: readFileSync('policy.yaml', 'utf8'), comment: 'CHG-1234' });
 * const { violations } = await engine.policy.evaluate(ctx);
 */
export class PolicyService {
  readonly #c: EngineContext;
  readonly #versions: PolicyVersions;

  constructor(c: EngineContext) {
    if (!c.policyGate) throw new KeywardError('internal', 'the engine context has no policy gate');
    this.#c = c;
    this.#versions = c.policyGate.versions;
  }

  /** The policy in force, or null: without one, nothing is enforced. */
  current(ctx: CallContext): Promise<{ policy: PolicyVersionView | null }> {
    return this.#c.runner.run(ctx, 'policy.read', async (op) => {
      op.authorize();
      const current = await this.#versions.current();
      op.details['version'] = current?.version ?? null;
      return { policy: current ? view(current) : null };
    });
  }

  /** One stored version; `not_found` if there is no such version. */
  version(ctx: CallContext, version: number): Promise<PolicyVersionView> {
    return this.#c.runner.run(ctx, 'policy.read', async (op) => {
      op.authorize();
      op.details['version'] = version;
      const found = await this.#versions.get(version);
      if (!found) throw new KeywardError('not_found', `there is no policy version ${version}`, { version });
      return view(found);
    });
  }

  /** Versions oldest first, without their text; `after` is the last version of the previous page. */
  history(ctx: CallContext, options: { after?: number; limit?: number } = {}): Promise<{ versions: PolicyVersionSummary[]; next: number | null }> {
    return this.#c.runner.run(ctx, 'policy.history', async (op) => {
      op.authorize();
      const limit = Math.min(Math.max(options.limit ?? 50, 1), MAX_POLICY_HISTORY_PAGE);
      const rows = await this.#versions.list({ limit: limit + 1, ...(options.after !== undefined ? { after: options.after } : {}) });
      const page = rows.slice(0, limit);
      op.details['returned'] = page.length;
      return { versions: page, next: rows.length > limit ? (page[page.length - 1]?.version ?? null) : null };
    });
  }

  /**
   * Validates `text` and stores it as the next version, in force at once on this node (within the
   * cache TTL on others). Setting the text already in force stores nothing and returns that version.
   */
  async set(ctx: CallContext, input: { text: string; comment?: string | null }): Promise<PolicyVersionView & { unchanged: boolean }> {
    try {
      return await this.#c.runner.run(ctx, 'policy.update', async (op) => {
        op.authorize();
        const comment = checkComment(input.comment);
        const policy = validPolicy(input.text);
        const sha256 = sha256Hex(input.text);
        Object.assign(op.details, { name: policy.name, sha256 });
        const current = await this.#versions.current();
        if (current && current.sha256 === sha256) {
          Object.assign(op.details, { version: current.version, unchanged: true });
          return { ...view(current), unchanged: true };
        }
        const prepared = await this.#versions.prepare({ text: input.text, policy, author: op.ctx.principal.actor, comment, now: this.#c.clock.now().toISOString() });
        Object.assign(op.details, { version: prepared.version.version, previousVersion: prepared.previous });
        op.mutation = (tx) => prepared.write(tx);
        return { ...view(prepared.version), unchanged: false };
      });
    } finally {
      this.#versions.invalidate();
    }
  }

  /**
   * Every key (destroyed ones included: their retention is checked) against the current policy,
   * or against `text`, a candidate, without storing it.
   */
  evaluate(ctx: CallContext, input: { text?: string } = {}): Promise<PolicyEvaluation> {
    return this.#c.runner.run(ctx, 'policy.evaluate', async (op) => {
      op.authorize();
      let subject: { version: number | null; name: string; sha256: string; policy: Policy } | null;
      if (input.text !== undefined) {
        subject = { version: null, name: '', sha256: sha256Hex(input.text), policy: validPolicy(input.text) };
        subject.name = subject.policy.name;
        op.details['candidateSha256'] = subject.sha256;
      } else {
        const current = await this.#versions.current();
        subject = current ? { version: current.version, name: current.name, sha256: current.sha256, policy: current.policy } : null;
        op.details['version'] = current?.version ?? null;
      }
      const now = this.#c.clock.now();
      const result = subject ? await this.#evaluateAll(subject.policy, now) : { keys: 0, errors: 0, warnings: 0, violations: [] };
      Object.assign(op.details, { keys: result.keys, errors: result.errors, warnings: result.warnings });
      return {
        policy: subject ? { version: subject.version, name: subject.name, sha256: subject.sha256 } : null,
        evaluatedAt: now.toISOString(),
        keysEvaluated: result.keys,
        errors: result.errors,
        warnings: result.warnings,
        violations: result.violations,
        truncated: result.errors + result.warnings > result.violations.length,
      };
    });
  }

  /** Reads the keys page by page; counts every violation, keeps the first MAX_REPORTED_VIOLATIONS. */
  async #evaluateAll(policy: Policy, now: Date): Promise<{ keys: number; errors: number; warnings: number; violations: Violation[] }> {
    const out = { keys: 0, errors: 0, warnings: 0, violations: [] as Violation[] };
    let after: string | undefined;
    for (;;) {
      const page: KeyRecord[] = await this.#c.store.listKeys({ limit: EVALUATION_PAGE, ...(after !== undefined ? { after } : {}) });
      for (const key of page) {
        for (const v of evaluateKey(policy, key, now)) {
          if (v.severity === 'error') out.errors++;
          else out.warnings++;
          if (out.violations.length < MAX_REPORTED_VIOLATIONS) out.violations.push(v);
        }
      }
      out.keys += page.length;
      if (page.length < EVALUATION_PAGE) return out;
      after = page[page.length - 1]?.name;
    }
  }
}

/**
 * The policy's deletion rules for lifecycle/deletion: its retention holds (`enforce` mode only)
 * and its waiting-period range, read from the current version at each request.
 */
export function policyDeletionRules(versions: PolicyVersions, clock: Clock): DeletionPolicy {
  return {
    retentionEnd: async (key) => {
      const current = await versions.current();
      if (!current || retentionEnd(current.policy, key)?.mode !== 'enforce') return null;
      return retentionEndDate(current.policy, key, clock.now());
    },
    waitingPeriod: async () => {
      const rule = (await versions.current())?.policy.deletion;
      return rule ? { minDays: rule.minDays, maxDays: rule.maxDays, defaultDays: rule.defaultDays } : null;
    },
  };
}

function view(version: PolicyVersion): PolicyVersionView {
  const { policy, ...data } = version;
  return { ...data, summary: describePolicy(policy) };
}

/** The parsed policy, or `validation_failed` naming the first problems with their lines. */
function validPolicy(text: unknown): Policy {
  if (typeof text !== 'string' || text.trim() === '') throw new KeywardError('validation_failed', 'the policy text is empty', { field: 'text' });
  if (Buffer.byteLength(text, 'utf8') > MAX_POLICY_BYTES) throw new KeywardError('payload_too_large', `the policy text is larger than ${MAX_POLICY_BYTES} bytes`, { field: 'text' });
  const parsed = parsePolicy(text);
  if (parsed.ok) return parsed.policy;
  const first = parsed.issues[0];
  const shown = parsed.issues.slice(0, 3).map((i) => `line ${i.line}, column ${i.column}: ${i.path ? `${i.path}: ` : ''}${i.message}`);
  const more = parsed.issues.length > 3 ? `; and ${parsed.issues.length - 3} more` : '';
  throw new KeywardError('validation_failed', `the policy is invalid: ${shown.join('; ')}${more}`, {
    field: 'text',
    line: first?.line ?? null,
    column: first?.column ?? null,
    path: first?.path ?? null,
    problems: parsed.issues.length,
  });
}

function checkComment(comment: unknown): string | null {
  if (comment === undefined || comment === null) return null;
  if (typeof comment !== 'string' || comment.length > MAX_COMMENT) throw new KeywardError('validation_failed', `comment must be text of at most ${MAX_COMMENT} characters`, { field: 'comment' });
  return comment;
}
