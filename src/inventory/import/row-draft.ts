import { ITEM_LIMITS, type ItemDraft, type ItemState, type RotationSchedule } from '../inventory-item.ts';
import { boundedTags, normalizeEnvironment, parseClassification, parseItemType, parseTier, sizeFromAlgorithm, textOrNull, typeFromAlgorithm, withTagMetadata } from '../item-fields.ts';
import { parseDate, parseRotationPeriod, parseYesNo, type DateOrder, type Parsed } from './cell-values.ts';
import type { ImportField } from './header-match.ts';

/**
 * One row's cells by field. A field that is absent had no column (unknown: the stored value is
 * kept); an empty cell says "none". Tags may come as text (`k=v; k2=v2`) or, from JSON, as an object.
 */
export type RowCells = { readonly [F in Exclude<ImportField, 'tags'>]?: string } & { readonly tags?: string | Readonly<Record<string, string>> };

export interface RowOptions {
  readonly dateOrder?: DateOrder;
}

const STATE_WORDS: Readonly<Record<string, ItemState>> = {
  enabled: 'enabled',
  active: 'enabled',
  inuse: 'enabled',
  live: 'enabled',
  valid: 'enabled',
  current: 'enabled',
  ok: 'enabled',
  disabled: 'disabled',
  inactive: 'disabled',
  suspended: 'disabled',
  deactivated: 'disabled',
  paused: 'disabled',
  pendingactivation: 'pending-activation',
  preactivation: 'pending-activation',
  planned: 'pending-activation',
  pendingdeletion: 'pending-deletion',
  scheduledfordeletion: 'pending-deletion',
  pendingimport: 'pending-import',
  compromised: 'compromised',
  revoked: 'compromised',
  leaked: 'compromised',
  expired: 'expired',
  destroyed: 'destroyed',
  deleted: 'destroyed',
  retired: 'destroyed',
  decommissioned: 'destroyed',
  unavailable: 'unavailable',
  unknown: 'unknown',
};

/** `Active`, `in use`, `Pending deletion`, `revoked`… → the inventory's states. */
export function parseItemState(text: string): ItemState | null {
  return STATE_WORDS[text.toLowerCase().replace(/[^a-z]/g, '')] ?? null;
}

/**
 * An import row as a draft, or the first reason it cannot be one. A row without a state leaves it
 * unknown (the importer makes new items `enabled`, see InventoryService.import).
 */
export function rowToDraft(cells: RowCells, options: RowOptions = {}): Parsed<ItemDraft> {
  const fail = (reason: string): Parsed<ItemDraft> => ({ ok: false, reason });
  const name = textOrNull(cells.name ?? null, ITEM_LIMITS.name + 1);
  if (name === null) return fail(cells.name === undefined ? 'no name (the file has no name column)' : 'the name is empty');
  if (name.length > ITEM_LIMITS.name) return fail(`the name is longer than ${ITEM_LIMITS.name} characters`);
  const algorithm = cells.algorithm === undefined ? undefined : textOrNull(cells.algorithm, 128);
  const type = cells.type !== undefined && cells.type.trim() !== '' ? parseItemType(cells.type) : algorithm ? typeFromAlgorithm(algorithm) : null;
  if (type === null) {
    if (cells.type !== undefined && cells.type.trim() !== '') return fail(`unknown type "${clip(cells.type)}" (symmetric, asymmetric, hmac, api-token, certificate, password, secret)`);
    return fail('no type, and none follows from the algorithm');
  }
  const draft: { -readonly [K in keyof ItemDraft]: ItemDraft[K] } = { name, type };
  if (cells.externalId !== undefined) {
    const id = textOrNull(cells.externalId, ITEM_LIMITS.externalId + 1);
    if (id !== null && id.length > ITEM_LIMITS.externalId) return fail(`the external id is longer than ${ITEM_LIMITS.externalId} characters`);
    draft.externalId = id;
  }
  if (algorithm !== undefined) draft.algorithm = algorithm;
  if (cells.size !== undefined) {
    const size = parseSize(cells.size);
    if (!size.ok) return fail(size.reason);
    draft.sizeBits = size.value ?? (algorithm ? sizeFromAlgorithm(algorithm) : null);
  } else if (algorithm) {
    draft.sizeBits = sizeFromAlgorithm(algorithm);
  }
  for (const field of ['usage', 'purpose', 'owner', 'team', 'location'] as const) {
    const value = cells[field];
    if (value !== undefined) draft[field] = textOrNull(value, field === 'purpose' || field === 'location' ? ITEM_LIMITS.text : 256);
  }
  if (cells.environment !== undefined) draft.environment = normalizeEnvironment(cells.environment);
  if (cells.tier !== undefined) {
    const tier = cells.tier.trim() === '' ? null : parseTier(cells.tier);
    if (tier === null && cells.tier.trim() !== '') return fail(`tier "${clip(cells.tier)}" is not 1, 2 or 3`);
    draft.tier = tier;
  }
  if (cells.classification !== undefined) {
    const { tier, classification } = parseClassification(cells.classification);
    if (tier !== null && draft.tier == null) draft.tier = tier;
    else if (cells.tier === undefined) draft.tier = tier;
    draft.classification = classification;
  }
  for (const field of ['createdAt', 'lastRotatedAt', 'lastUsedAt', 'expiresAt'] as const) {
    const value = cells[field];
    if (value === undefined) continue;
    if (value.trim() === '' || /^(-|n\/?a|never|none)$/i.test(value.trim())) {
      draft[field] = null;
      continue;
    }
    const date = parseDate(value, options.dateOrder);
    if (!date.ok) return fail(`${FIELD_LABELS[field]}: ${date.reason}`);
    draft[field] = date.value;
  }
  const rotation = parseRotation(cells);
  if (!rotation.ok) return fail(rotation.reason);
  if (rotation.value !== undefined) draft.rotation = rotation.value;
  if (cells.state !== undefined && cells.state.trim() !== '') {
    const state = parseItemState(cells.state);
    if (state === null) return fail(`unknown state "${clip(cells.state)}" (e.g. active, disabled, expired, destroyed, pending deletion)`);
    draft.state = state;
  }
  if (cells.tags !== undefined) {
    const tags = typeof cells.tags === 'string' ? parseTags(cells.tags) : { ok: true as const, value: cells.tags };
    if (!tags.ok) return fail(tags.reason);
    draft.tags = boundedTags(tags.value);
  }
  return { ok: true, value: withTagMetadata(draft) };
}

const FIELD_LABELS = { createdAt: 'created', lastRotatedAt: 'last rotated', lastUsedAt: 'last used', expiresAt: 'expires' } as const;

/** `256`, `2048 bits`, `256-bit`; empty is none. */
function parseSize(text: string): Parsed<number | null> {
  const t = text.trim();
  if (t === '' || t === '-') return { ok: true, value: null };
  const m = /^(\d{1,5})\s*(?:-?\s*bits?|b)?$/i.exec(t);
  const n = m ? Number(m[1]) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 65536) return { ok: false, reason: `size "${clip(t)}" is not a number of bits` };
  return { ok: true, value: n };
}

/**
 * The rotation schedule from a `rotation` column (yes/no, a period, or `never`), a `rotation
 * enabled` column and a `rotation period` column. Undefined when the file has none of them.
 */
function parseRotation(cells: RowCells): Parsed<RotationSchedule | null | undefined> {
  if (cells.rotation === undefined && cells.rotationEnabled === undefined && cells.rotationPeriod === undefined) return { ok: true, value: undefined };
  let enabled: boolean | null = null;
  let periodDays: number | null = null;
  for (const text of [cells.rotation, cells.rotationEnabled]) {
    if (text === undefined || text.trim() === '') continue;
    const yesNo = parseYesNo(text);
    if (yesNo.ok) {
      enabled = yesNo.value;
      continue;
    }
    const period = parseRotationPeriod(text);
    if (!period.ok) return { ok: false, reason: `rotation: "${clip(text)}" is neither yes/no nor a period (e.g. 90d, yearly, never)` };
    periodDays = period.value;
    enabled = period.value !== null;
  }
  if (cells.rotationPeriod !== undefined && cells.rotationPeriod.trim() !== '') {
    const period = parseRotationPeriod(cells.rotationPeriod);
    if (!period.ok) return { ok: false, reason: `rotation period: ${period.reason}` };
    periodDays = period.value;
    if (enabled === null) enabled = period.value !== null;
  }
  if (enabled === null && periodDays === null) return { ok: true, value: null };
  return { ok: true, value: { enabled: enabled ?? false, periodDays } };
}

/** `team=pay; env=prod`, `team:pay, env:prod`, or a JSON object. */
export function parseTags(text: string): Parsed<Record<string, string>> {
  const t = text.trim();
  if (t === '') return { ok: true, value: {} };
  if (t.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(t);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
        return { ok: true, value: Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, v === null ? '' : String(v)])) };
      }
    } catch {
      // fall through to the error below
    }
    return { ok: false, reason: 'tags: not a JSON object' };
  }
  const out: Record<string, string> = {};
  for (const part of t.split(/[;,\n]/)) {
    const p = part.trim();
    if (p === '') continue;
    const m = /^([^=:]+)[=:](.*)$/.exec(p);
    if (m) out[(m[1] as string).trim()] = (m[2] as string).trim();
    else out[p] = '';
  }
  return { ok: true, value: out };
}

function clip(text: string): string {
  const t = text.trim();
  return t.length > 40 ? `${t.slice(0, 39)}…` : t;
}
