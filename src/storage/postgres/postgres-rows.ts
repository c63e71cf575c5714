import type { KeySpec, KeyUsage } from '../../crypto/key-specs.ts';
import type {
  AuditDetailValue,
  AuditOutcome,
  AuditRecord,
  CheckpointRecord,
  Environment,
  KeyOrigin,
  KeyRecord,
  KeyState,
  KeyVersionRecord,
  SealRecord,
  Tier,
  TokenRecord,
  DocumentRecord,
  TokenType,
} from '../records.ts';
import type { PostgresValue } from './postgres-driver.ts';
import { nullableTimestampParam, timestampParam } from './postgres-values.ts';

/**
 * Row shapes as our pool returns them (bigint already a number, timestamptz already the record's
 * ISO string: see postgres-pool.ts), and the mapping between rows and records.
 */
export interface KeyRow {
  id: string;
  name: string;
  spec: string;
  usage: string;
  state: string;
  origin: string;
  owner: string | null;
  purpose: string | null;
  environment: string | null;
  tier: number | null;
  tags: Record<string, string>;
  description: string | null;
  created_at: string;
  created_by: string;
  updated_at: string;
  state_changed_at: string;
  current_version: number;
  min_decryption_version: number;
  rotation_period_days: number | null;
  last_rotated_at: string | null;
  compromised_at: string | null;
  destroyed_at: string | null;
  revision: number;
}

export function keyFromRow(r: KeyRow): KeyRecord {
  return {
    id: r.id,
    name: r.name,
    spec: r.spec as KeySpec,
    usage: r.usage as KeyUsage,
    state: r.state as KeyState,
    origin: r.origin as KeyOrigin,
    owner: r.owner,
    purpose: r.purpose,
    environment: r.environment as Environment | null,
    tier: r.tier as Tier | null,
    tags: r.tags,
    description: r.description,
    createdAt: r.created_at,
    createdBy: r.created_by,
    updatedAt: r.updated_at,
    stateChangedAt: r.state_changed_at,
    currentVersion: r.current_version,
    minDecryptionVersion: r.min_decryption_version,
    rotationPeriodDays: r.rotation_period_days,
    lastRotatedAt: r.last_rotated_at,
    compromisedAt: r.compromised_at,
    destroyedAt: r.destroyed_at,
    revision: r.revision,
  };
}

/** Column → parameter for an INSERT; timestamps are checked (postgres-values.ts), tags go as jsonb text. */
export function keyToParams(k: KeyRecord): Record<string, PostgresValue> {
  return {
    id: k.id,
    name: k.name,
    spec: k.spec,
    usage: k.usage,
    state: k.state,
    origin: k.origin,
    owner: k.owner,
    purpose: k.purpose,
    environment: k.environment,
    tier: k.tier,
    tags: JSON.stringify(k.tags),
    description: k.description,
    created_at: timestampParam(k.createdAt, 'createdAt'),
    created_by: k.createdBy,
    updated_at: timestampParam(k.updatedAt, 'updatedAt'),
    state_changed_at: timestampParam(k.stateChangedAt, 'stateChangedAt'),
    current_version: k.currentVersion,
    min_decryption_version: k.minDecryptionVersion,
    rotation_period_days: k.rotationPeriodDays,
    last_rotated_at: nullableTimestampParam(k.lastRotatedAt, 'lastRotatedAt'),
    compromised_at: nullableTimestampParam(k.compromisedAt, 'compromisedAt'),
    destroyed_at: nullableTimestampParam(k.destroyedAt, 'destroyedAt'),
    revision: k.revision,
  };
}

export interface KeyVersionRow {
  key_id: string;
  version: number;
  wrapped_material: Buffer | null;
  public_key: string | null;
  origin: string;
  created_at: string;
  encryption_count: number;
}

export function keyVersionFromRow(r: KeyVersionRow): KeyVersionRecord {
  return {
    keyId: r.key_id,
    version: r.version,
    wrappedMaterial: r.wrapped_material,
    publicKey: r.public_key,
    origin: r.origin as KeyOrigin,
    createdAt: r.created_at,
    encryptionCount: r.encryption_count,
  };
}

export function keyVersionToParams(v: KeyVersionRecord): Record<string, PostgresValue> {
  return {
    key_id: v.keyId,
    version: v.version,
    wrapped_material: v.wrappedMaterial,
    public_key: v.publicKey,
    origin: v.origin,
    created_at: timestampParam(v.createdAt, 'createdAt'),
    encryption_count: v.encryptionCount,
  };
}

export interface SealRow {
  threshold: number;
  shares: number;
  wrapped_root_key: Buffer;
  share_checks: string[];
  wrapped_audit_signing_key: Buffer;
  audit_public_key: string;
  initialized_at: string;
}

export function sealFromRow(r: SealRow): SealRecord {
  return {
    threshold: r.threshold,
    shares: r.shares,
    wrappedRootKey: r.wrapped_root_key,
    shareChecks: r.share_checks,
    wrappedAuditSigningKey: r.wrapped_audit_signing_key,
    auditPublicKey: r.audit_public_key,
    initializedAt: r.initialized_at,
  };
}

export function sealToParams(s: SealRecord): Record<string, PostgresValue> {
  return {
    id: 1,
    threshold: s.threshold,
    shares: s.shares,
    wrapped_root_key: s.wrappedRootKey,
    share_checks: s.shareChecks,
    wrapped_audit_signing_key: s.wrappedAuditSigningKey,
    audit_public_key: s.auditPublicKey,
    initialized_at: timestampParam(s.initializedAt, 'initializedAt'),
  };
}

export interface AuditRow {
  seq: number;
  time: string;
  actor: string;
  action: string;
  key_id: string | null;
  key_version: number | null;
  outcome: string;
  error_code: string | null;
  request_id: string | null;
  correlation_id: string | null;
  source: string | null;
  details: Record<string, AuditDetailValue>;
  chain_hash: string;
}

export function auditFromRow(r: AuditRow): AuditRecord {
  return {
    seq: r.seq,
    time: r.time,
    actor: r.actor,
    action: r.action,
    keyId: r.key_id,
    keyVersion: r.key_version,
    outcome: r.outcome as AuditOutcome,
    errorCode: r.error_code,
    requestId: r.request_id,
    correlationId: r.correlation_id,
    source: r.source,
    details: r.details,
    chainHash: r.chain_hash,
  };
}

export function auditToParams(e: AuditRecord): Record<string, PostgresValue> {
  return {
    seq: e.seq,
    time: timestampParam(e.time, 'time'),
    actor: e.actor,
    action: e.action,
    key_id: e.keyId,
    key_version: e.keyVersion,
    outcome: e.outcome,
    error_code: e.errorCode,
    request_id: e.requestId,
    correlation_id: e.correlationId,
    source: e.source,
    details: JSON.stringify(e.details),
    chain_hash: e.chainHash,
  };
}

export interface CheckpointRow {
  size: number;
  time: string;
  origin: string;
  chain_hash: string;
  signature: string;
  public_key: string;
}

export function checkpointFromRow(r: CheckpointRow): CheckpointRecord {
  return { size: r.size, time: r.time, origin: r.origin, chainHash: r.chain_hash, signature: r.signature, publicKey: r.public_key };
}

export function checkpointToParams(c: CheckpointRecord): Record<string, PostgresValue> {
  return { size: c.size, time: timestampParam(c.time, 'time'), origin: c.origin, chain_hash: c.chainHash, signature: c.signature, public_key: c.publicKey };
}

export interface TokenRow {
  accessor: string;
  hash: Buffer;
  type: string;
  permissions: string[];
  description: string | null;
  created_at: string;
  created_by: string;
  expires_at: string | null;
  renewable: boolean;
  ttl_seconds: number | null;
  revoked_at: string | null;
  identity_id: string | null;
  mfa: boolean;
}

export function tokenFromRow(r: TokenRow): TokenRecord {
  return {
    accessor: r.accessor,
    hash: r.hash,
    type: r.type as TokenType,
    permissions: r.permissions,
    description: r.description,
    createdAt: r.created_at,
    createdBy: r.created_by,
    expiresAt: r.expires_at,
    renewable: r.renewable,
    ttlSeconds: r.ttl_seconds,
    revokedAt: r.revoked_at,
    identityId: r.identity_id,
    mfa: r.mfa,
  };
}

export function tokenToParams(t: TokenRecord): Record<string, PostgresValue> {
  return {
    accessor: t.accessor,
    hash: t.hash,
    type: t.type,
    permissions: t.permissions,
    description: t.description,
    created_at: timestampParam(t.createdAt, 'createdAt'),
    created_by: t.createdBy,
    expires_at: nullableTimestampParam(t.expiresAt, 'expiresAt'),
    renewable: t.renewable,
    ttl_seconds: t.ttlSeconds,
    revoked_at: nullableTimestampParam(t.revokedAt, 'revokedAt'),
    identity_id: t.identityId,
    mfa: t.mfa,
  };
}

export interface DocumentRow {
  kind: string;
  id: string;
  lookup: string | null;
  ref: string | null;
  data: string;
  revision: number;
  updated_at: string;
}

export function documentFromRow<T>(r: DocumentRow): DocumentRecord<T> {
  return { kind: r.kind, id: r.id, lookup: r.lookup, ref: r.ref, data: JSON.parse(r.data) as T, revision: r.revision, updatedAt: r.updated_at };
}
