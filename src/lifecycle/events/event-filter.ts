import { globMatch } from '../../auth/authorize.ts';
import { KeywardError } from '../../core/errors.ts';
import { EVENT_TYPES, type KeyEvent } from './key-event.ts';

/**
 * Which events a subscriber (a webhook, an event stream) wants. `types` are event types or globs
 * of them (`key.*`); null means every type. `key` is a glob over key names; events about no key
 * (an approval of a non-key action, say) never match a key filter.
 */
export interface EventFilter {
  readonly types: readonly string[] | null;
  readonly key: string | null;
}

export const MAX_FILTER_TYPES = EVENT_TYPES.length;
/** A type glob is an event type with `*` wildcards: `key.*`, `*.state-changed`. */
const TYPE_GLOB = /^[a-z*][a-z.*-]{0,63}$/;
/** Key name characters (keys/key-input.ts) plus `*`. */
const KEY_GLOB = /^[A-Za-z0-9._*-]{1,128}$/;

export const ALL_EVENTS: EventFilter = { types: null, key: null };

/** Checks a filter given by a caller (`validation_failed` naming the field); duplicates are dropped. */
export function checkEventFilter(input: { types?: readonly string[] | null; key?: string | null }): EventFilter {
  let types: string[] | null = null;
  if (input.types !== undefined && input.types !== null && input.types.length > 0) {
    if (input.types.length > MAX_FILTER_TYPES) invalid(`at most ${MAX_FILTER_TYPES} event types`, 'types');
    types = [];
    for (const t of input.types) {
      if (typeof t !== 'string' || !TYPE_GLOB.test(t) || !EVENT_TYPES.some((known) => globMatch(t, known))) {
        invalid(`"${String(t).slice(0, 64)}" is not an event type (nor a glob of one); the types are: ${EVENT_TYPES.join(', ')}`, 'types');
      }
      if (!types.includes(t)) types.push(t);
    }
  }
  let key: string | null = null;
  if (input.key !== undefined && input.key !== null && input.key !== '') {
    if (typeof input.key !== 'string' || !KEY_GLOB.test(input.key)) invalid('key must be a key name or a glob of names (letters, digits, ".", "_", "-", "*"; up to 128 characters)', 'key');
    key = input.key;
  }
  return { types, key };
}

export function matchesFilter(filter: EventFilter, event: Pick<KeyEvent, 'type' | 'keyName'>): boolean {
  if (filter.types !== null && !filter.types.some((t) => globMatch(t, event.type))) return false;
  if (filter.key !== null && (event.keyName === null || !globMatch(filter.key, event.keyName))) return false;
  return true;
}

function invalid(message: string, field: string): never {
  throw new KeywardError('validation_failed', message, { field });
}
