import {
  METADATA_FIELDS,
  selects,
  type KeySelector,
  type MetadataField,
  type MetadataRequirement,
  type MetadataRule,
  type PolicySubject,
  type Violation,
} from './policy-model.ts';
import { describeSelector, MAX_ENTRIES, readMode, readSelector, violation } from './rule-fields.ts';
import type { Fields, Located, YamlReader } from './yaml-reader.ts';

/** Tag names as keys accept them (keys/key-input.ts). */
const TAG_NAME = { re: /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/, hint: 'a tag name (letters, digits, ._:/-, up to 128)' };

/**
 * `rules.requiredMetadata`:
 *
 *     requiredMetadata:
 *       fields: [owner, purpose, environment]
 *       tags: [cost-center]
 *       when:
 *         - { tier: 1, fields: [description], tags: [data-class] }
 */
export function readMetadata(reader: YamlReader, at: Located): MetadataRule | null {
  const fields = reader.fields(at, ['mode', 'fields', 'tags', 'when']);
  if (!fields) return null;
  const mode = readMode(reader, fields);
  const base = readRequirement(reader, fields);
  const when: (KeySelector & MetadataRequirement)[] = [];
  const whenAt = fields.get('when');
  for (const item of (whenAt && reader.list(whenAt, { minItems: 1, maxItems: MAX_ENTRIES })) || []) {
    const entry = reader.fields(item, ['tier', 'environment', 'fields', 'tags']);
    if (!entry) continue;
    const selector = readSelector(reader, entry);
    const requirement = readRequirement(reader, entry);
    if (requirement.fields.length === 0 && requirement.tags.length === 0) reader.fail(item, 'a `when` entry needs `fields` or `tags`');
    if (selector) when.push({ ...selector, ...requirement });
  }
  return { mode, base, when };
}

function readRequirement(reader: YamlReader, fields: Fields): MetadataRequirement {
  const out: { fields: MetadataField[]; tags: string[] } = { fields: [], tags: [] };
  const fieldsAt = fields.get('fields');
  for (const item of (fieldsAt && reader.list(fieldsAt, { maxItems: METADATA_FIELDS.length * 2 })) || []) {
    const name = reader.choice(item, METADATA_FIELDS, 'metadata field');
    if (name !== null && !out.fields.includes(name)) out.fields.push(name);
  }
  const tagsAt = fields.get('tags');
  for (const item of (tagsAt && reader.list(tagsAt, { maxItems: MAX_ENTRIES })) || []) {
    const tag = reader.text(item, 128, TAG_NAME);
    if (tag !== null && !out.tags.includes(tag)) out.tags.push(tag);
  }
  return out;
}

function missingField(key: PolicySubject, field: MetadataField): boolean {
  const value = key[field];
  return value === null || (typeof value === 'string' && value.trim() === '');
}

/** `metadata.required`: every field and tag the key's tier and environment call for, present and not blank. */
export function metadataViolations(rule: MetadataRule, key: PolicySubject): Violation[] {
  if (key.state === 'destroyed') return [];
  const why = new Map<string, string>();
  const require = (name: string, reason: string): void => {
    if (!why.has(name)) why.set(name, reason);
  };
  for (const f of rule.base.fields) require(f, '');
  for (const t of rule.base.tags) require(`tags.${t}`, '');
  for (const entry of rule.when) {
    if (!selects(entry, key)) continue;
    const reason = ` for ${describeSelector(entry)}`;
    for (const f of entry.fields) require(f, reason);
    for (const t of entry.tags) require(`tags.${t}`, reason);
  }
  const r = { ruleId: 'metadata.required', mode: rule.mode } as const;
  const out: Violation[] = [];
  for (const [name, reason] of why) {
    if (name.startsWith('tags.')) {
      const tag = name.slice('tags.'.length);
      const value = key.tags[tag];
      if (value === undefined || value.trim() === '') out.push(violation(key, r, name, `tag "${tag}" is required${reason}`));
    } else if (missingField(key, name as MetadataField)) {
      out.push(violation(key, r, name, `${name} is required${reason}`));
    }
  }
  return out;
}

export function describeMetadata(rule: MetadataRule): string {
  const show = (req: MetadataRequirement): string => [...req.fields, ...req.tags.map((t) => `tag ${t}`)].join(', ') || 'nothing';
  const when = rule.when.map((w) => `; ${describeSelector(w)}: ${show(w)}`).join('');
  return `requiredMetadata (${rule.mode}): ${show(rule.base)}${when}`;
}
