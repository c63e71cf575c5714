import { KEY_SPECS, SPEC_INFO, type KeySpec } from '../crypto/key-specs.ts';
import { ENVIRONMENTS, type Environment } from '../storage/records.ts';
import { CURVES, type Curve, type PolicySubject, type SpecConstraints, type SpecRule, type Violation } from './policy-model.ts';
import { readMode, violation } from './rule-fields.ts';
import type { Fields, Located, YamlReader } from './yaml-reader.ts';

const CONSTRAINT_FIELDS = ['allowed', 'minRsaBits', 'minSymmetricBits', 'curves'] as const;

/** The curve of an elliptic-curve spec; null for other families. */
export function curveOf(spec: KeySpec): Curve | null {
  switch (spec) {
    case 'ECC_NIST_P256':
      return 'P-256';
    case 'ECC_NIST_P384':
      return 'P-384';
    case 'ED25519':
      return 'Ed25519';
    default:
      return null;
  }
}

/**
 * `rules.keySpecs`:
 *
 *     keySpecs:
 *       allowed: [AES_256_GCM, RSA_3072, RSA_4096, ECC_NIST_P256, ECC_NIST_P384, ED25519, HMAC_SHA256]
 *       minRsaBits: 3072
 *       minSymmetricBits: 256      # AES and HMAC keys
 *       curves: [P-256, P-384, Ed25519]
 *       environments:
 *         prod: { minRsaBits: 4096 }   # replaces the base value for prod keys
 */
export function readSpecs(reader: YamlReader, at: Located): SpecRule | null {
  const fields = reader.fields(at, ['mode', ...CONSTRAINT_FIELDS, 'environments']);
  if (!fields) return null;
  const mode = readMode(reader, fields);
  const base = readConstraints(reader, fields);
  const environments: Partial<Record<Environment, SpecConstraints>> = {};
  const envsAt = fields.get('environments');
  const envs = envsAt ? reader.fields(envsAt, ENVIRONMENTS) : null;
  for (const env of ENVIRONMENTS) {
    const envAt = envs?.get(env);
    const envFields = envAt ? reader.fields(envAt, CONSTRAINT_FIELDS) : null;
    if (envFields) environments[env] = readConstraints(reader, envFields);
  }
  return { mode, base, environments };
}

function readConstraints(reader: YamlReader, fields: Fields): SpecConstraints {
  const allowedAt = fields.get('allowed');
  const allowedItems = allowedAt ? readNames(reader, allowedAt, KEY_SPECS, 'key spec') : null;
  const allowed = allowedItems ? allowedItems.map((i) => i.name) : null;
  const rsaAt = fields.get('minRsaBits');
  const minRsaBits = rsaAt ? reader.integer(rsaAt, 1024, 16384, 'bits') : null;
  const symAt = fields.get('minSymmetricBits');
  const minSymmetricBits = symAt ? reader.integer(symAt, 128, 512, 'bits') : null;
  const curvesAt = fields.get('curves');
  const curveItems = curvesAt ? readNames(reader, curvesAt, CURVES, 'curve') : null;
  const constraints = { allowed, minRsaBits, minSymmetricBits, curves: curveItems ? curveItems.map((i) => i.name) : null };
  for (const item of allowedItems ?? []) {
    // A spec both allowed and too small is a mistake in the policy, not a rule to apply.
    const problem = specProblem(item.name, { ...constraints, allowed: null });
    if (problem) reader.fail(item.at, `allowed, but ${problem.message}; remove it or relax the limit`);
  }
  return constraints;
}

function readNames<const T extends string>(reader: YamlReader, at: Located, names: readonly T[], what: string): { name: T; at: Located }[] | null {
  const items = reader.list(at, { minItems: 1, maxItems: names.length * 2 });
  if (!items) return null;
  const out: { name: T; at: Located }[] = [];
  for (const item of items) {
    const name = reader.choice(item, names, what);
    if (name !== null && !out.some((o) => o.name === name)) out.push({ name, at: item });
  }
  return out;
}

/** The constraints for a key of `environment`: the environment's fields over the base ones. */
export function constraintsFor(rule: SpecRule, environment: Environment | null): SpecConstraints {
  const over = environment ? rule.environments[environment] : undefined;
  if (!over) return rule.base;
  return {
    allowed: over.allowed ?? rule.base.allowed,
    minRsaBits: over.minRsaBits ?? rule.base.minRsaBits,
    minSymmetricBits: over.minSymmetricBits ?? rule.base.minSymmetricBits,
    curves: over.curves ?? rule.base.curves,
  };
}

function specProblem(spec: KeySpec, c: SpecConstraints): { ruleId: 'specs.allowed' | 'specs.min-size' | 'specs.curve'; message: string } | null {
  const info = SPEC_INFO[spec];
  if (c.allowed && !c.allowed.includes(spec)) return { ruleId: 'specs.allowed', message: `spec ${spec} is not allowed (allowed: ${c.allowed.join(', ')})` };
  if (info.family === 'rsa' && c.minRsaBits !== null && info.bits < c.minRsaBits) {
    return { ruleId: 'specs.min-size', message: `${spec} has ${info.bits}-bit keys, below the minimum of ${c.minRsaBits} for RSA` };
  }
  if ((info.family === 'aes' || info.family === 'hmac') && c.minSymmetricBits !== null && info.bits < c.minSymmetricBits) {
    return { ruleId: 'specs.min-size', message: `${spec} has ${info.bits}-bit keys, below the minimum of ${c.minSymmetricBits} for symmetric keys` };
  }
  const curve = curveOf(spec);
  if (curve !== null && c.curves && !c.curves.includes(curve)) return { ruleId: 'specs.curve', message: `curve ${curve} of ${spec} is not allowed (allowed: ${c.curves.join(', ')})` };
  return null;
}

/** `specs.allowed`, `specs.min-size`, `specs.curve`: the key's spec against its environment's constraints. */
export function specViolations(rule: SpecRule, key: PolicySubject): Violation[] {
  if (key.state === 'destroyed') return [];
  const problem = specProblem(key.spec, constraintsFor(rule, key.environment));
  if (!problem) return [];
  const where = key.environment && rule.environments[key.environment] ? ` for ${key.environment} keys` : '';
  return [violation(key, { ruleId: problem.ruleId, mode: rule.mode }, 'spec', `${problem.message}${where}`)];
}

export function describeSpecs(rule: SpecRule): string {
  const show = (c: SpecConstraints): string =>
    [
      c.allowed ? `allowed ${c.allowed.join(', ')}` : null,
      c.minRsaBits !== null ? `RSA ≥ ${c.minRsaBits} bits` : null,
      c.minSymmetricBits !== null ? `symmetric ≥ ${c.minSymmetricBits} bits` : null,
      c.curves ? `curves ${c.curves.join(', ')}` : null,
    ]
      .filter((p) => p !== null)
      .join('; ') || 'no constraint';
  const envs = Object.entries(rule.environments).map(([env, c]) => `; ${env}: ${show(c)}`).join('');
  return `keySpecs (${rule.mode}): ${show(rule.base)}${envs}`;
}
