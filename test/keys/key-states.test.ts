import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KeywardError } from '../../src/core/errors.ts';
import { KEY_STATES, type KeyState } from '../../src/storage/records.ts';
import { STATE_ACTIONS, allows, isStateAction, requireAllowed, transition, type KeyOperation, type StateAction } from '../../src/keys/key-states.ts';

/**
 * The state machine as documented in key-states.ts, written out independently of the code's own
 * tables: for each state, the actions that leave it and where they lead.
 *
 *   pre-activation ──activate──▶ active ◀──resume── suspended
 *   active ──suspend──▶ suspended;  active, suspended ──deactivate──▶ deactivated
 *   pre-activation, deactivated, compromised ──destroy──▶ destroyed
 *   compromise: from any state but destroyed (and compromised itself) ──▶ compromised
 */
const EXPECTED_TRANSITIONS: Readonly<Record<KeyState, Partial<Record<StateAction, KeyState>>>> = {
  'pre-activation': { activate: 'active', compromise: 'compromised', destroy: 'destroyed' },
  active: { suspend: 'suspended', deactivate: 'deactivated', compromise: 'compromised' },
  suspended: { resume: 'active', deactivate: 'deactivated', compromise: 'compromised' },
  deactivated: { compromise: 'compromised', destroy: 'destroyed' },
  compromised: { destroy: 'destroyed' },
  destroyed: {},
};

/**
 * What each state allows: protecting operations need `active`; processing is also allowed when
 * `deactivated` or `compromised`; `suspended` is a hold (no use, but it can be rotated and
 * changed); `pre-activation` can only be changed; `destroyed` allows nothing.
 */
const EXPECTED_OPERATIONS: Readonly<Record<KeyState, Readonly<Record<KeyOperation, boolean>>>> = {
  'pre-activation': { protect: false, process: false, rotate: false, update: true },
  active: { protect: true, process: true, rotate: true, update: true },
  suspended: { protect: false, process: false, rotate: true, update: true },
  deactivated: { protect: false, process: true, rotate: false, update: true },
  compromised: { protect: false, process: true, rotate: false, update: true },
  destroyed: { protect: false, process: false, rotate: false, update: false },
};

const OPERATIONS: readonly KeyOperation[] = ['protect', 'process', 'rotate', 'update'];

function caught(fn: () => unknown): KeywardError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof KeywardError, `expected a KeywardError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the call to throw');
}

describe('key state machine: transitions', () => {
  it('knows exactly the six documented actions and states', () => {
    assert.deepEqual([...STATE_ACTIONS].sort(), ['activate', 'compromise', 'deactivate', 'destroy', 'resume', 'suspend']);
    assert.deepEqual([...KEY_STATES].sort(), ['active', 'compromised', 'deactivated', 'destroyed', 'pre-activation', 'suspended']);
    for (const a of STATE_ACTIONS) assert.equal(isStateAction(a), true, a);
    for (const a of ['', 'Activate', 'delete', 'revoke', 'update']) assert.equal(isStateAction(a), false, a);
  });

  for (const from of KEY_STATES) {
    const allowedHere = STATE_ACTIONS.filter((a) => EXPECTED_TRANSITIONS[from][a] !== undefined);
    for (const action of STATE_ACTIONS) {
      const to = EXPECTED_TRANSITIONS[from][action];
      if (to !== undefined) {
        it(`${action} takes a ${from} key to ${to}`, () => {
          assert.equal(transition('k1', from, action), to);
        });
      } else {
        it(`refuses to ${action} a ${from} key, naming the allowed actions`, () => {
          const err = caught(() => transition('k1', from, action));
          assert.equal(err.code, 'invalid_state_transition');
          assert.deepEqual(err.details, { state: from, action });
          assert.match(err.message, new RegExp(`cannot ${action} key "k1": it is ${from}`));
          if (allowedHere.length > 0) {
            const listed = /allowed: (.*)$/.exec(err.message)?.[1];
            assert.ok(listed, `message lists the allowed actions: ${err.message}`);
            assert.deepEqual(listed.split(', ').sort(), [...allowedHere].sort(), `allowed actions from ${from}`);
          } else {
            assert.match(err.message, /no transition leaves that state/);
          }
        });
      }
    }
  }

  it('cannot leave destroyed by any action', () => {
    for (const action of STATE_ACTIONS) {
      assert.equal(caught(() => transition('k1', 'destroyed', action)).code, 'invalid_state_transition', action);
    }
  });
});

describe('key state machine: which operations each state allows', () => {
  for (const state of KEY_STATES) {
    for (const operation of OPERATIONS) {
      const expected = EXPECTED_OPERATIONS[state][operation];
      it(`${expected ? 'allows' : 'refuses'} ${operation} when the key is ${state}`, () => {
        assert.equal(allows(state, operation), expected);
        if (expected) {
          assert.doesNotThrow(() => requireAllowed('k1', state, operation));
        } else {
          const err = caught(() => requireAllowed('k1', state, operation));
          assert.equal(err.code, 'key_state_invalid');
          assert.deepEqual(err.details, { state, operation });
          assert.match(err.message, new RegExp(`key "k1": it is ${state}`));
        }
      });
    }
  }

  it('matches the whole documented table', () => {
    const actual = Object.fromEntries(KEY_STATES.map((s) => [s, Object.fromEntries(OPERATIONS.map((o) => [o, allows(s, o)]))]));
    assert.deepEqual(actual, EXPECTED_OPERATIONS);
  });

  it('tells the caller what to do about a refused state', () => {
    assert.match(caught(() => requireAllowed('k1', 'pre-activation', 'protect')).message, /activate it first/);
    assert.match(caught(() => requireAllowed('k1', 'suspended', 'process')).message, /resume it/);
    assert.match(caught(() => requireAllowed('k1', 'deactivated', 'protect')).message, /only decrypt and verify/);
    assert.match(caught(() => requireAllowed('k1', 'compromised', 'protect')).message, /re-encrypt that data/);
    assert.match(caught(() => requireAllowed('k1', 'destroyed', 'process')).message, /material was erased/);
  });
});
