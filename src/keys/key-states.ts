import { KeywardError } from '../core/errors.ts';
import type { KeyState } from '../storage/records.ts';

/**
 * NIST SP 800-57 Part 1 Rev. 5 §7 key states, and what each allows.
 *
 *   pre-activation ──activate──▶ active ◀──resume── suspended
 *         │                        │  └──suspend──▶    │
 *         │                   deactivate               │
 *         ▼                        ▼                   │
 *     destroyed ◀──destroy── deactivated ◀─deactivate──┘
 *         ▲                        │
 *         └──────destroy──── compromised ◀── compromise (from any state but destroyed)
 *
 * Protecting operations (encrypt, sign, MAC, data keys) need `active`. Processing operations
 * (decrypt, verify) are also allowed when `deactivated` or `compromised` so existing data stays
 * readable while it is migrated; use of a compromised key is flagged in the audit log.
 * `suspended` is a reversible hold: no use at all until resumed.
 */
export const STATE_ACTIONS = ['activate', 'suspend', 'resume', 'deactivate', 'compromise', 'destroy'] as const;
export type StateAction = (typeof STATE_ACTIONS)[number];

const TRANSITIONS: Readonly<Record<StateAction, { from: readonly KeyState[]; to: KeyState }>> = {
  activate: { from: ['pre-activation'], to: 'active' },
  suspend: { from: ['active'], to: 'suspended' },
  resume: { from: ['suspended'], to: 'active' },
  deactivate: { from: ['active', 'suspended'], to: 'deactivated' },
  compromise: { from: ['pre-activation', 'active', 'suspended', 'deactivated'], to: 'compromised' },
  destroy: { from: ['pre-activation', 'deactivated', 'compromised'], to: 'destroyed' },
};

export type KeyOperation = 'protect' | 'process' | 'rotate' | 'update';

const ALLOWED: Readonly<Record<KeyState, readonly KeyOperation[]>> = {
  'pre-activation': ['update'],
  active: ['protect', 'process', 'rotate', 'update'],
  suspended: ['rotate', 'update'],
  deactivated: ['process', 'update'],
  compromised: ['process', 'update'],
  destroyed: [],
};

const HINT: Readonly<Record<KeyState, string>> = {
  'pre-activation': 'activate it first',
  active: '',
  suspended: 'resume it to use it again',
  deactivated: 'it can only decrypt and verify; use another key or create a new one',
  compromised: 'it can only decrypt and verify existing data; re-encrypt that data under another key',
  destroyed: 'its material was erased',
};

export function isStateAction(value: string): value is StateAction {
  return (STATE_ACTIONS as readonly string[]).includes(value);
}

/** The state a transition leads to, or `invalid_state_transition` if it is not allowed from `from`. */
export function transition(keyName: string, from: KeyState, action: StateAction): KeyState {
  const t = TRANSITIONS[action];
  if (!t.from.includes(from)) {
    const allowed = STATE_ACTIONS.filter((a) => TRANSITIONS[a].from.includes(from));
    throw new KeywardError(
      'invalid_state_transition',
      `cannot ${action} key "${keyName}": it is ${from}${allowed.length ? `; allowed: ${allowed.join(', ')}` : ' and no transition leaves that state'}`,
      { state: from, action },
    );
  }
  return t.to;
}

export function allows(state: KeyState, operation: KeyOperation): boolean {
  return ALLOWED[state].includes(operation);
}

/** Throws `key_state_invalid` unless the key's state allows the operation. */
export function requireAllowed(keyName: string, state: KeyState, operation: KeyOperation): void {
  if (allows(state, operation)) return;
  const verb = { protect: 'encrypt, sign or MAC with', process: 'decrypt or verify with', rotate: 'rotate', update: 'change' }[operation];
  throw new KeywardError('key_state_invalid', `cannot ${verb} key "${keyName}": it is ${state}; ${HINT[state]}`, { state, operation });
}
