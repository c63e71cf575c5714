/**
 * Typed loader for Project Wycheproof test-vector files (see ../shared/vectors/wycheproof/README.md)
 * plus the bookkeeping every suite shares: hex decoding, per-result counting, and a failure list
 * whose entries name the tcId and flags of each offending case.
 */
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CryptoFailure } from '../../src/crypto/crypto-failure.ts';

export type WycheproofResult = 'valid' | 'invalid' | 'acceptable';
const RESULTS: readonly WycheproofResult[] = ['valid', 'invalid', 'acceptable'];

export interface WycheproofTest {
  readonly tcId: number;
  readonly comment: string;
  readonly flags: readonly string[];
  readonly result: WycheproofResult;
}

export interface WycheproofGroup<T extends WycheproofTest> {
  readonly type: string;
  readonly tests: readonly T[];
}

export interface WycheproofFile<G extends WycheproofGroup<WycheproofTest>> {
  readonly algorithm: string;
  readonly schema: string;
  readonly numberOfTests: number;
  readonly testGroups: readonly G[];
}

// ---- Per-schema shapes (only the fields the suites use) -------------------------------------

export interface AeadTest extends WycheproofTest {
  readonly key: string;
  readonly iv: string;
  readonly aad: string;
  readonly msg: string;
  readonly ct: string;
  readonly tag: string;
}
export interface AeadGroup extends WycheproofGroup<AeadTest> {
  readonly keySize: number;
  readonly ivSize: number;
  readonly tagSize: number;
}

export interface MacTest extends WycheproofTest {
  readonly key: string;
  readonly msg: string;
  readonly tag: string;
}
export interface MacGroup extends WycheproofGroup<MacTest> {
  readonly keySize: number;
  readonly tagSize: number;
}

export interface HkdfTest extends WycheproofTest {
  readonly ikm: string;
  readonly salt: string;
  readonly info: string;
  readonly size: number;
  readonly okm: string;
}
export interface HkdfGroup extends WycheproofGroup<HkdfTest> {
  readonly keySize: number;
}

export interface SignatureTest extends WycheproofTest {
  readonly msg: string;
  readonly sig: string;
}
/** ECDSA (DER and P1363), EdDSA, RSASSA-PSS and RSASSA-PKCS1 verify groups. */
export interface SignatureGroup extends WycheproofGroup<SignatureTest> {
  readonly publicKeyDer?: string;
  readonly publicKeyPem?: string;
  readonly sha?: string;
  readonly sLen?: number;
  readonly keySize?: number;
}

export interface OaepTest extends WycheproofTest {
  readonly msg: string;
  readonly ct: string;
  readonly label: string;
}
export interface OaepGroup extends WycheproofGroup<OaepTest> {
  readonly keySize: number;
  readonly sha: string;
  readonly mgf: string;
  readonly mgfSha: string;
  readonly privateKeyPkcs8?: string;
  readonly privateKeyPem?: string;
}

// ---- Loading --------------------------------------------------------------------------------

/** Reads `<cwd>/../shared/vectors/wycheproof/<name>` and checks the envelope every schema shares. */
export function loadWycheproof<G extends WycheproofGroup<WycheproofTest>>(name: string): WycheproofFile<G> {
  const path = resolve(process.cwd(), '../shared/vectors/wycheproof', name);
  const data: unknown = JSON.parse(readFileSync(path, 'utf8'));
  assert.ok(isRecord(data), `${name}: not a JSON object`);
  assert.equal(typeof data['algorithm'], 'string', `${name}: missing algorithm`);
  assert.equal(typeof data['numberOfTests'], 'number', `${name}: missing numberOfTests`);
  const groups = data['testGroups'];
  assert.ok(Array.isArray(groups) && groups.length > 0, `${name}: no testGroups`);
  for (const g of groups) {
    assert.ok(isRecord(g) && Array.isArray(g['tests']), `${name}: test group without tests`);
    for (const t of g['tests'] as unknown[]) {
      assert.ok(isRecord(t), `${name}: test is not an object`);
      assert.equal(typeof t['tcId'], 'number', `${name}: test without tcId`);
      assert.ok(Array.isArray(t['flags']), `${name}: tcId ${String(t['tcId'])} without flags`);
      assert.ok(RESULTS.includes(t['result'] as WycheproofResult), `${name}: tcId ${String(t['tcId'])} has bad result`);
    }
  }
  return data as unknown as WycheproofFile<G>;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Strict hex decoding: Buffer.from(…, 'hex') silently stops at the first bad digit, this throws. */
export function hex(text: string): Buffer {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) throw new Error(`not a hex string: ${text.slice(0, 32)}`);
  return Buffer.from(text, 'hex');
}

/** `tcId 12 [Flag1,Flag2] (invalid) "comment"` — used in every failure message. */
export function describeCase(t: WycheproofTest): string {
  return `tcId ${t.tcId} [${t.flags.join(',')}] (${t.result})${t.comment ? ` "${t.comment}"` : ''}`;
}

export function isCryptoFailure(err: unknown): err is CryptoFailure {
  return err instanceof CryptoFailure;
}

/** Short text for an unexpected error in a failure message. */
export function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

export type Counts = Record<WycheproofResult, number>;

/** Counts per result straight from the file, independent of what a suite ran. */
export function countsInFile(file: WycheproofFile<WycheproofGroup<WycheproofTest>>): Counts {
  const counts: Counts = { valid: 0, invalid: 0, acceptable: 0 };
  for (const g of file.testGroups) for (const t of g.tests) counts[t.result] += 1;
  return counts;
}

/**
 * Collects what a suite checked and what went wrong. `checked` counts a case once its outcome has
 * been judged (pass or fail); `failures` holds one line per offending case.
 */
export class Tally {
  readonly checked: Counts = { valid: 0, invalid: 0, acceptable: 0 };
  /** Acceptable cases the primitive accepted (the rest were rejected cleanly). */
  acceptableAccepted = 0;
  readonly failures: string[] = [];

  constructor(readonly name: string) {}

  count(t: WycheproofTest): void {
    this.checked[t.result] += 1;
  }

  fail(t: WycheproofTest, why: string): void {
    this.failures.push(`${this.name} ${describeCase(t)}: ${why}`);
  }

  /**
   * Judges a verify-style outcome: `accepted` true/false, or `error` when the primitive threw.
   * valid → must be accepted; invalid → must be rejected (false or CryptoFailure);
   * acceptable → either, but nothing other than CryptoFailure may escape.
   */
  judge(t: WycheproofTest, outcome: { accepted: boolean } | { error: unknown }): void {
    this.count(t);
    if ('error' in outcome) {
      if (!isCryptoFailure(outcome.error)) {
        this.fail(t, `threw a non-CryptoFailure error: ${errorText(outcome.error)}`);
      } else if (t.result === 'valid') {
        this.fail(t, `valid case rejected: ${errorText(outcome.error)}`);
      }
      return;
    }
    if (t.result === 'valid' && !outcome.accepted) this.fail(t, 'valid case rejected');
    if (t.result === 'invalid' && outcome.accepted) this.fail(t, 'invalid case accepted');
    if (t.result === 'acceptable' && outcome.accepted) this.acceptableAccepted += 1;
  }

  /**
   * Asserts no failures, that the counts checked equal the counts in the file (and the file's own
   * numberOfTests), and that at least one valid case — and one invalid case, when the file has
   * any — was checked.
   */
  assertComplete(file: WycheproofFile<WycheproofGroup<WycheproofTest>>): void {
    assert.equal(this.failures.length, 0, `${this.failures.length} failing case(s):\n${this.failures.join('\n')}`);
    const expected = countsInFile(file);
    assert.deepEqual(this.checked, expected, `${this.name}: checked counts differ from the file`);
    assert.equal(expected.valid + expected.invalid + expected.acceptable, file.numberOfTests, `${this.name}: numberOfTests mismatch`);
    assert.ok(this.checked.valid > 0, `${this.name}: no valid cases checked`);
    if (expected.invalid > 0) assert.ok(this.checked.invalid > 0, `${this.name}: no invalid cases checked`);
  }

  summary(): string {
    const c = this.checked;
    return `${this.name}: valid ${c.valid}, invalid ${c.invalid}, acceptable ${c.acceptable} (accepted ${this.acceptableAccepted})`;
  }
}

/** Runs `fn`, turning its result or thrown error into a Tally outcome. */
export function outcomeOf(fn: () => boolean): { accepted: boolean } | { error: unknown } {
  try {
    return { accepted: fn() };
  } catch (error) {
    return { error };
  }
}

// ---- Keys -----------------------------------------------------------------------------------

/** The group's public key as a KeyObject, from SPKI DER or, failing that, PEM. */
export function publicKeyOf(group: SignatureGroup): KeyObject {
  if (group.publicKeyDer) return createPublicKey({ key: hex(group.publicKeyDer), format: 'der', type: 'spki' });
  if (group.publicKeyPem) return createPublicKey(group.publicKeyPem);
  throw new Error('test group has no publicKeyDer/publicKeyPem');
}

/** The group's private key as a KeyObject, from PKCS#8 DER or, failing that, PEM. */
export function privateKeyOf(group: OaepGroup): KeyObject {
  if (group.privateKeyPkcs8) return createPrivateKey({ key: hex(group.privateKeyPkcs8), format: 'der', type: 'pkcs8' });
  if (group.privateKeyPem) return createPrivateKey(group.privateKeyPem);
  throw new Error('test group has no privateKeyPkcs8/privateKeyPem');
}

// ---- Signature files ------------------------------------------------------------------------

/**
 * Runs every case of a signature-verify file through `verify` (which gets the group's public key)
 * and returns the completed tally; a key that does not import fails every case of its group.
 */
export function runSignatureFile(
  fileName: string,
  verify: (key: KeyObject, msg: Buffer, sig: Buffer, group: SignatureGroup, tc: SignatureTest) => boolean,
): Tally {
  const file = loadWycheproof<SignatureGroup>(fileName);
  const tally = new Tally(fileName);
  for (const group of file.testGroups) {
    let key: KeyObject;
    try {
      key = publicKeyOf(group);
    } catch (err) {
      for (const tc of group.tests) {
        tally.count(tc);
        tally.fail(tc, `group public key does not import: ${errorText(err)}`);
      }
      continue;
    }
    for (const tc of group.tests) {
      const msg = hex(tc.msg);
      const sig = hex(tc.sig);
      tally.judge(tc, outcomeOf(() => verify(key, msg, sig, group, tc)));
    }
  }
  tally.assertComplete(file);
  return tally;
}
