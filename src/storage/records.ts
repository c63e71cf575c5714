import type { KeySpec, KeyUsage } from '../crypto/key-specs.ts';

/** NIST SP 800-57 Part 1 §7 key states (with `suspended` as Keyward's reversible hold). */
export const KEY_STATES = ['pre-activation', 'active', 'suspended', 'deactivated', 'compromised', 'destroyed'] as const;
export type KeyState = (typeof KEY_STATES)[number];

export const ENVIRONMENTS = ['dev', 'staging', 'prod', 'ci'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

export type Tier = 1 | 2 | 3;
export type KeyOrigin = 'generated' | 'imported';

/** A managed key's metadata. Timestamps are ISO 8601 UTC strings. */
export interface KeyRecord {
  readonly id: string;
  readonly name: string;
  readonly spec: KeySpec;
  readonly usage: KeyUsage;
  readonly state: KeyState;
  readonly origin: KeyOrigin;
  readonly owner: string | null;
  readonly purpose: string | null;
  readonly environment: Environment | null;
  readonly tier: Tier | null;
  readonly tags: Readonly<Record<string, string>>;
  readonly description: string | null;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly updatedAt: string;
  readonly stateChangedAt: string;
  readonly currentVersion: number;
  readonly minDecryptionVersion: number;
  readonly rotationPeriodDays: number | null;
  readonly lastRotatedAt: string | null;
  readonly compromisedAt: string | null;
  readonly destroyedAt: string | null;
  /** Bumped on every update; writers compare it to refuse lost updates. */
  readonly revision: number;
}

export interface KeyVersionRecord {
  readonly keyId: string;
  readonly version: number;
  /** Material wrapped under the root key; null once destroyed (crypto-shredded). */
  readonly wrappedMaterial: Buffer | null;
  /** SPKI PEM of asymmetric keys; null for symmetric ones. */
  readonly publicKey: string | null;
  readonly origin: KeyOrigin;
  readonly createdAt: string;
  /** Encryptions reserved against this version (AES-GCM nonce budget). */
  readonly encryptionCount: number;
}

export interface KeyListFilter {
  readonly state?: KeyState;
  readonly spec?: KeySpec;
  readonly environment?: Environment;
  readonly owner?: string;
  readonly tier?: Tier;
  readonly tag?: { readonly key: string; readonly value?: string };
  readonly namePrefix?: string;
  /** Keyset pagination: names strictly after this one. */
  readonly after?: string;
  readonly limit: number;
}

export type KeyPatch = Partial<
  Pick<
    KeyRecord,
    | 'state'
    | 'owner'
    | 'purpose'
    | 'environment'
    | 'tier'
    | 'tags'
    | 'description'
    | 'updatedAt'
    | 'stateChangedAt'
    | 'currentVersion'
    | 'minDecryptionVersion'
    | 'rotationPeriodDays'
    | 'lastRotatedAt'
    | 'compromisedAt'
    | 'destroyedAt'
  >
>;

/** The seal's persistent half: how many shares, and the root key wrapped under the unseal key. */
export interface SealRecord {
  readonly threshold: number;
  readonly shares: number;
  readonly wrappedRootKey: Buffer;
  /** SHA-256 of each share (domain-separated), to reject a wrong share as soon as it is given. */
  readonly shareChecks: readonly string[];
  /** Ed25519 checkpoint-signing key, wrapped under the root key, and its public half (PEM). */
  readonly wrappedAuditSigningKey: Buffer;
  readonly auditPublicKey: string;
  readonly initializedAt: string;
}

export const AUDIT_OUTCOMES = ['success', 'denied', 'failure'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

export type AuditDetailValue = string | number | boolean | null | readonly string[] | { readonly [k: string]: string };

/** What an operation says about itself; the log adds sequence and chain hash. */
export interface AuditDraft {
  readonly time: string;
  readonly actor: string;
  readonly action: string;
  readonly keyId: string | null;
  readonly keyVersion: number | null;
  readonly outcome: AuditOutcome;
  readonly errorCode: string | null;
  readonly requestId: string | null;
  readonly correlationId: string | null;
  readonly source: string | null;
  readonly details: Readonly<Record<string, AuditDetailValue>>;
}

export interface AuditRecord extends AuditDraft {
  readonly seq: number;
  /** hex SHA-256 chain hash over the previous chain hash and this entry's leaf hash. */
  readonly chainHash: string;
}

export interface AuditHead {
  readonly seq: number;
  readonly chainHash: string;
}

export interface AuditQuery {
  readonly keyId?: string;
  readonly actor?: string;
  readonly action?: string;
  readonly outcome?: AuditOutcome;
  readonly since?: string;
  readonly until?: string;
  /** Keyset pagination: entries with seq strictly greater (ascending) or smaller (descending). */
  readonly afterSeq?: number;
  readonly beforeSeq?: number;
  readonly descending?: boolean;
  readonly limit: number;
}

export interface CheckpointRecord {
  readonly origin: string;
  /** Number of entries covered: entries 1..size. */
  readonly size: number;
  readonly chainHash: string;
  readonly time: string;
  /** base64 Ed25519 signature over the checkpoint's signed text. */
  readonly signature: string;
  readonly publicKey: string;
}

export type TokenType = 'root' | 'service' | 'identity';

/**
 * An API token, stored only as its SHA-256. The accessor names it in the audit log and in
 * lookups/revocation without revealing it.
 */
export interface TokenRecord {
  readonly accessor: string;
  /** SHA-256 of the token text; the token itself is never stored. */
  readonly hash: Buffer;
  readonly type: TokenType;
  /** Permission patterns (see auth/authorize.ts). */
  readonly permissions: readonly string[];
  readonly description: string | null;
  readonly createdAt: string;
  /** The actor that created it (`system:init` for the root token). */
  readonly createdBy: string;
  /** Null: never expires (root tokens). */
  readonly expiresAt: string | null;
  readonly renewable: boolean;
  /** The TTL it was created with; renewal extends by this much unless told otherwise. */
  readonly ttlSeconds: number | null;
  readonly revokedAt: string | null;
  /**
   * The identity this token speaks for (type `identity`: issued by a login or to a service
   * account); its permissions then come from the identity's role bindings, not `permissions`.
   */
  readonly identityId: string | null;
  /** Whether the login that issued it passed a second factor (TOTP). */
  readonly mfa: boolean;
}

export type TokenPatch = Partial<Pick<TokenRecord, 'expiresAt' | 'revokedAt'>>;

export interface TokenListFilter {
  /** Keyset pagination: accessors strictly after this one. */
  readonly after?: string;
  /** Only the tokens of this identity. */
  readonly identityId?: string;
  readonly limit: number;
}

/** JSON that a document may hold. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [k: string]: JsonValue };

/**
 * A document: a JSON record of one kind (identity, role binding, approval request, policy,
 * inventory item…). The domains above storage keep their records as documents, so a new record
 * type needs no schema migration; what they must find fast they put in `lookup` (unique within the
 * kind, e.g. a user name) or `ref` (not unique, e.g. the key an approval is about).
 */
export interface DocumentRecord<T = JsonValue> {
  readonly kind: string;
  readonly id: string;
  readonly lookup: string | null;
  readonly ref: string | null;
  readonly data: T;
  /** 1 when inserted, bumped by every update; writers compare it to refuse lost updates. */
  readonly revision: number;
  readonly updatedAt: string;
}

export interface DocumentWrite<T = JsonValue> {
  readonly kind: string;
  readonly id: string;
  readonly lookup?: string | null;
  readonly ref?: string | null;
  readonly data: T;
  readonly updatedAt: string;
}

export interface DocumentListFilter {
  /** Only documents with this `ref`. */
  readonly ref?: string;
  /** Keyset pagination: ids strictly after this one. */
  readonly after?: string;
  readonly limit: number;
}
