/**
 * Shared helpers for the engine tests: a fresh dev engine per describe, a root call context, and
 * assertions on KeywardError codes and audit entries. Not a test file itself (no `.test.ts`).
 */
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import type { Engine, EngineOptions } from '../../src/engine.ts';
import { KeywardError, type ErrorCode } from '../../src/core/errors.ts';
import type { CallContext, Principal } from '../../src/auth/principal.ts';
import type { AuditRecord } from '../../src/storage/records.ts';
import { openTestEngine, type TestEngine } from '../test-backend.ts';

export const rootPrincipal: Principal = { type: 'root', actor: 'root:test', permissions: ['*'] };
export const root: CallContext = { principal: rootPrincipal };

export type DevEngine = TestEngine;

/**
 * A dev engine (initialised 1 of 1 and unsealed) on a fresh store of the backend under test
 * (KEYWARD_TEST_BACKEND, see test/test-backend.ts), and a close that removes the store.
 */
export function openDevEngine(options: Omit<EngineOptions, 'store'> = {}): Promise<DevEngine> {
  return openTestEngine(options);
}

/**
 * Registers before/after hooks in the current describe that open a fresh dev engine and close it.
 * Returns a getter (the engine exists only once `before` has run).
 */
export function useDevEngine(options: Omit<EngineOptions, 'store'> = {}): () => Engine {
  let dev: DevEngine | undefined;
  before(async () => {
    dev = await openDevEngine(options);
  });
  after(async () => {
    await dev?.close();
  });
  return () => {
    if (!dev) throw new Error('dev engine not open yet');
    return dev.engine;
  };
}

/** Asserts the promise rejects with a KeywardError of `code`; returns the error. */
export async function rejectsWith(promise: Promise<unknown>, code: ErrorCode, message?: string): Promise<KeywardError> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught !== undefined, `${message ?? 'operation'}: expected rejection with ${code}, but it succeeded`);
  assert.ok(caught instanceof KeywardError, `${message ?? 'operation'}: expected a KeywardError, got ${inspect(caught)}`);
  assert.equal(caught.code, code, `${message ?? 'operation'}: expected ${code}, got ${caught.code} (${caught.message})`);
  return caught;
}

/** Asserts a synchronous call throws a KeywardError of `code`; returns the error. */
export function throwsWith(fn: () => unknown, code: ErrorCode, message?: string): KeywardError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught !== undefined, `${message ?? 'call'}: expected ${code}, but it did not throw`);
  assert.ok(caught instanceof KeywardError, `${message ?? 'call'}: expected a KeywardError, got ${inspect(caught)}`);
  assert.equal(caught.code, code, `${message ?? 'call'}: expected ${code}, got ${caught.code} (${caught.message})`);
  return caught;
}

/** Every audit entry in sequence order, read straight from the store (reading adds no entry). */
export async function allAuditEntries(engine: Engine): Promise<AuditRecord[]> {
  await engine.flushAudit();
  const out: AuditRecord[] = [];
  for (let seq = 1; ; ) {
    const batch = await engine.store.readAudit(seq, 1000);
    if (batch.length === 0) return out;
    out.push(...batch);
    seq = (batch[batch.length - 1] as AuditRecord).seq + 1;
  }
}

/** The sequence number of the newest audit entry. */
export async function auditHeadSeq(engine: Engine): Promise<number> {
  await engine.flushAudit();
  return (await engine.store.auditHead()).seq;
}

/** Entries with seq > `afterSeq`. */
export async function auditEntriesAfter(engine: Engine, afterSeq: number): Promise<AuditRecord[]> {
  await engine.flushAudit();
  return engine.store.readAudit(afterSeq + 1, 1000);
}

/** The newest audit entry. */
export async function lastAuditEntry(engine: Engine): Promise<AuditRecord> {
  const seq = await auditHeadSeq(engine);
  const entry = await engine.store.getAuditEntry(seq);
  assert.ok(entry, 'there is an audit entry');
  return entry;
}

/** Flips one base64url character in the middle of a kw:v1 ciphertext's body (keeps it canonical). */
export function tamperBody(ciphertext: string): string {
  const cut = ciphertext.lastIndexOf(':') + 1;
  const body = ciphertext.slice(cut);
  const i = Math.floor(body.length / 2);
  const c = body[i] === 'A' ? 'B' : 'A';
  return ciphertext.slice(0, cut) + body.slice(0, i) + c + body.slice(i + 1);
}
