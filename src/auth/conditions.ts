import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as CedarWasm from '@cedar-policy/cedar-wasm/nodejs';
import { KeywardError } from '../core/errors.ts';

/**
 * Conditions on role bindings, written in Cedar (https://www.cedarpolicy.com): the body of a
 * `when { … }` clause over the principal (the identity), the resource (the key) and the context
 * (time, source address, encryption context). Each condition is parsed once per process (when the
 * binding is made or first read back) and kept pre-parsed by the Cedar engine; decisions are cached
 * per distinct request facts.
 *
 * @example
 *   context.hour >= 8 && context.hour < 18 && context.weekday < 5
 *   context.sourceIp.isInRange(ip("10.0.0.0/8"))
 *   context.encryptionContext has tenant && context.encryptionContext.tenant == "acme"
 *   principal.team == "payments" && resource.environment == "prod"
 */

// The Node build of cedar-wasm is CommonJS that loads its .wasm synchronously.
const cedar = createRequire(import.meta.url)('@cedar-policy/cedar-wasm/nodejs') as typeof CedarWasm;

export interface Condition {
  /** The `when` body as written. */
  readonly text: string;
  /** The pre-parsed policy set's id inside the Cedar engine. */
  readonly policySetId: string;
}

/** What a condition can look at. Times are UTC. */
export interface ConditionFacts {
  readonly principal: { readonly id: string; readonly name: string; readonly kind: string; readonly team: string | null; readonly environment: string | null; readonly attributes: Readonly<Record<string, string>> };
  readonly action: string;
  readonly resource: { readonly name: string; readonly environment: string | null; readonly tier: number | null; readonly tags: Readonly<Record<string, string>> } | null;
  readonly now: Date;
  readonly sourceIp: string | null;
  readonly encryptionContext: Readonly<Record<string, string>>;
}

const MAX_CONDITION = 2048;

/** Parses and pre-parses a condition; `validation_failed` with Cedar's message when it does not parse. */
export function compileCondition(text: unknown): Condition {
  if (typeof text !== 'string' || text.trim().length === 0 || text.length > MAX_CONDITION) {
    throw new KeywardError('validation_failed', `a condition is a Cedar expression of 1–${MAX_CONDITION} characters`, { field: 'condition' });
  }
  // A `when` body cannot close the clause and smuggle in a second policy: Cedar would then see
  // more than one policy, which is refused below.
  const policy = `permit(principal, action, resource) when { ${text} };`;
  const policySetId = `cond-${createHash('sha256').update(policy).digest('hex').slice(0, 32)}`;
  const parts = cedar.policySetTextToParts(policy);
  if (parts.type !== 'success' || parts.policies.length !== 1 || parts.policy_templates.length !== 0) {
    const errors = parts.type === 'failure' ? parts.errors.map((e) => e.message).join('; ') : 'a condition must be a single expression';
    throw new KeywardError('validation_failed', `the condition does not parse as Cedar: ${errors.slice(0, 300)}`, { field: 'condition' });
  }
  const answer = cedar.preparsePolicySet(policySetId, { staticPolicies: policy });
  if (answer.type !== 'success') {
    throw new KeywardError('validation_failed', `the condition does not parse as Cedar: ${answer.errors.map((e) => e.message).join('; ').slice(0, 300)}`, { field: 'condition' });
  }
  return { text, policySetId };
}

const decisionCache = new Map<string, boolean>();
const DECISION_CACHE_MAX = 20_000;

/**
 * Whether the condition holds. Fails closed: an evaluation error (a missing attribute, a type
 * mismatch) is a "no". Decisions are cached by the facts that can change them; the clock enters
 * at minute resolution.
 */
export function conditionHolds(condition: Condition, facts: ConditionFacts): boolean {
  const minute = Math.floor(facts.now.getTime() / 60_000);
  const cacheKey = JSON.stringify([condition.policySetId, facts.principal, facts.action, facts.resource, minute, facts.sourceIp, facts.encryptionContext]);
  const cached = decisionCache.get(cacheKey);
  if (cached !== undefined) return cached;
  const result = evaluate(condition, facts);
  if (decisionCache.size >= DECISION_CACHE_MAX) decisionCache.clear();
  decisionCache.set(cacheKey, result);
  return result;
}

function evaluate(condition: Condition, facts: ConditionFacts): boolean {
  const principal = { type: 'Keyward::Identity', id: facts.principal.id };
  const resource = { type: 'Keyward::Key', id: facts.resource?.name ?? '' };
  const context: CedarWasm.Context = {
    now: Math.floor(facts.now.getTime() / 1000),
    hour: facts.now.getUTCHours(),
    // Monday = 0 … Sunday = 6.
    weekday: (facts.now.getUTCDay() + 6) % 7,
    encryptionContext: { ...facts.encryptionContext },
    action: facts.action,
  };
  if (facts.sourceIp !== null && isIp(facts.sourceIp)) context['sourceIp'] = { __extn: { fn: 'ip', arg: facts.sourceIp } };
  const entities: CedarWasm.Entities = [
    {
      uid: principal,
      attrs: {
        name: facts.principal.name,
        kind: facts.principal.kind,
        ...(facts.principal.team !== null ? { team: facts.principal.team } : {}),
        ...(facts.principal.environment !== null ? { environment: facts.principal.environment } : {}),
        attributes: { ...facts.principal.attributes },
      },
      parents: [],
    },
  ];
  if (facts.resource) {
    entities.push({
      uid: resource,
      attrs: {
        name: facts.resource.name,
        ...(facts.resource.environment !== null ? { environment: facts.resource.environment } : {}),
        ...(facts.resource.tier !== null ? { tier: facts.resource.tier } : {}),
        tags: { ...facts.resource.tags },
      },
      parents: [],
    });
  }
  try {
    const answer = cedar.statefulIsAuthorized({
      principal,
      action: { type: 'Keyward::Action', id: facts.action },
      resource,
      context,
      preparsedPolicySetId: condition.policySetId,
      entities,
    });
    return answer.type === 'success' && answer.response.decision === 'allow' && answer.response.diagnostics.errors.length === 0;
  } catch {
    return false;
  }
}

function isIp(text: string): boolean {
  return /^[0-9.]+$/.test(text) || /^[0-9a-fA-F:.]+$/.test(text);
}
