import { KeywardError } from '../core/errors.ts';
import { SPEC_INFO, isKeySpec, isKeyUsage, type KeySpec, type KeyUsage } from '../crypto/key-specs.ts';
import { ENVIRONMENTS, type Environment, type Tier } from '../storage/records.ts';
import { KEY_ID } from './key-directory.ts';

/** Names are used in URLs and CLI arguments: letters, digits, '.', '_', '-'; up to 128 characters. */
export const KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** Free-text metadata fields are for people, not documents. */
export const MAX_TEXT = 1024;
export const MAX_TAGS = 50;
const TAG_KEY = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;
const MAX_TAG_VALUE = 256;

export interface KeyMetadataInput {
  readonly owner?: string | null;
  readonly purpose?: string | null;
  readonly environment?: Environment | null;
  readonly tier?: Tier | null;
  readonly tags?: Readonly<Record<string, string>>;
  readonly description?: string | null;
  readonly rotationPeriodDays?: number | null;
}

export interface CreateKeyInput extends KeyMetadataInput {
  readonly name: string;
  readonly spec: KeySpec;
  readonly usage?: KeyUsage;
  /** Create in pre-activation instead of active. */
  readonly preActivation?: boolean;
}

function fail(message: string, field: string): never {
  throw new KeywardError('validation_failed', message, { field });
}

export function checkName(name: unknown): string {
  if (typeof name !== 'string' || !KEY_NAME.test(name)) {
    fail('key name must be 1–128 characters: letters, digits, ".", "_" or "-", starting with a letter or digit', 'name');
  }
  // A name that looks like an id would be looked up as an id: unreachable by name, and able to shadow another key's id.
  if (KEY_ID.test(name)) fail('key name must not have the form of a key id (key_ and 24 hex digits)', 'name');
  return name;
}

/** The usage a key gets: the given one if the spec supports it, else the spec's only usage. */
export function resolveUsage(spec: unknown, usage: unknown): { spec: KeySpec; usage: KeyUsage } {
  if (typeof spec !== 'string' || !isKeySpec(spec)) throw new KeywardError('key_spec_invalid', `unknown key spec "${String(spec)}"`, { field: 'spec' });
  const usages = SPEC_INFO[spec].usages;
  if (usage === undefined) {
    if (usages.length > 1) throw new KeywardError('key_usage_invalid', `${spec} keys need a usage: ${usages.join(' or ')}`, { field: 'usage' });
    return { spec, usage: usages[0] as KeyUsage };
  }
  if (typeof usage !== 'string' || !isKeyUsage(usage) || !usages.includes(usage)) {
    throw new KeywardError('key_usage_invalid', `${spec} keys support usage ${usages.join(' or ')}, not "${typeof usage === "string" ? usage : typeof usage}"`, { field: 'usage' });
  }
  return { spec, usage };
}

function checkText(value: unknown, field: string): string | null | undefined {
  if (value === undefined || value === null) return value;
  if (typeof value !== 'string' || value.length > MAX_TEXT) fail(`${field} must be text of at most ${MAX_TEXT} characters`, field);
  return value;
}

/** Validates metadata; returns only the fields that were given. */
export function checkMetadata(input: KeyMetadataInput): KeyMetadataInput {
  const out: { -readonly [K in keyof KeyMetadataInput]: KeyMetadataInput[K] } = {};
  const owner = checkText(input.owner, 'owner');
  if (owner !== undefined) out.owner = owner;
  const purpose = checkText(input.purpose, 'purpose');
  if (purpose !== undefined) out.purpose = purpose;
  const description = checkText(input.description, 'description');
  if (description !== undefined) out.description = description;
  if (input.environment !== undefined) {
    if (input.environment !== null && !(ENVIRONMENTS as readonly string[]).includes(input.environment)) {
      fail(`environment must be one of ${ENVIRONMENTS.join(', ')}`, 'environment');
    }
    out.environment = input.environment;
  }
  if (input.tier !== undefined) {
    if (input.tier !== null && ![1, 2, 3].includes(input.tier)) fail('classification tier must be 1, 2 or 3', 'tier');
    out.tier = input.tier;
  }
  if (input.rotationPeriodDays !== undefined) {
    const d = input.rotationPeriodDays;
    if (d !== null && (!Number.isInteger(d) || d < 1 || d > 3650)) fail('rotation period must be a whole number of days from 1 to 3650', 'rotationPeriodDays');
    out.rotationPeriodDays = d;
  }
  if (input.tags !== undefined) {
    if (typeof input.tags !== 'object' || input.tags === null || Array.isArray(input.tags)) fail('tags must be an object of string values', 'tags');
    const entries = Object.entries(input.tags);
    if (entries.length > MAX_TAGS) fail(`at most ${MAX_TAGS} tags`, 'tags');
    for (const [k, v] of entries) {
      if (!TAG_KEY.test(k)) fail(`tag name "${k.slice(0, 40)}" is not valid (letters, digits, ._:/-, up to 128)`, 'tags');
      if (typeof v !== 'string' || v.length > MAX_TAG_VALUE) fail(`tag "${k}" must have a text value of at most ${MAX_TAG_VALUE} characters`, 'tags');
    }
    out.tags = { ...input.tags };
  }
  return out;
}
