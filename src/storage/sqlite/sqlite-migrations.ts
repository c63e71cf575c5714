/**
 * Schema migrations for SQLite, applied in order and recorded in schema_migrations. Never edit a
 * shipped migration; add a new one.
 */
export const SQLITE_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;

  CREATE TABLE seal (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    threshold INTEGER NOT NULL,
    shares INTEGER NOT NULL,
    wrapped_root_key BLOB NOT NULL,
    share_checks TEXT NOT NULL,
    wrapped_audit_signing_key BLOB NOT NULL,
    audit_public_key TEXT NOT NULL,
    initialized_at TEXT NOT NULL
  ) STRICT;

  CREATE TABLE keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    spec TEXT NOT NULL,
    usage TEXT NOT NULL,
    state TEXT NOT NULL,
    origin TEXT NOT NULL,
    owner TEXT,
    purpose TEXT,
    environment TEXT,
    tier INTEGER,
    tags TEXT NOT NULL,
    description TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    state_changed_at TEXT NOT NULL,
    current_version INTEGER NOT NULL,
    min_decryption_version INTEGER NOT NULL,
    rotation_period_days INTEGER,
    last_rotated_at TEXT,
    compromised_at TEXT,
    destroyed_at TEXT,
    revision INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX keys_state ON keys (state);
  CREATE INDEX keys_environment ON keys (environment);
  CREATE INDEX keys_owner ON keys (owner);

  CREATE TABLE key_versions (
    key_id TEXT NOT NULL REFERENCES keys (id),
    version INTEGER NOT NULL,
    wrapped_material BLOB,
    public_key TEXT,
    origin TEXT NOT NULL,
    created_at TEXT NOT NULL,
    encryption_count INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (key_id, version)
  ) STRICT;

  CREATE TABLE audit_entries (
    seq INTEGER PRIMARY KEY,
    time TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    key_id TEXT,
    key_version INTEGER,
    outcome TEXT NOT NULL,
    error_code TEXT,
    request_id TEXT,
    correlation_id TEXT,
    source TEXT,
    details TEXT NOT NULL,
    chain_hash TEXT NOT NULL
  ) STRICT;
  CREATE INDEX audit_key ON audit_entries (key_id, seq);
  CREATE INDEX audit_actor ON audit_entries (actor, seq);
  CREATE INDEX audit_action ON audit_entries (action, seq);
  CREATE INDEX audit_time ON audit_entries (time);

  CREATE TABLE audit_checkpoints (
    size INTEGER NOT NULL,
    time TEXT NOT NULL,
    origin TEXT NOT NULL,
    chain_hash TEXT NOT NULL,
    signature TEXT NOT NULL,
    public_key TEXT NOT NULL,
    PRIMARY KEY (size, time)
  ) STRICT;
  `,
  // 2: API tokens (hashed), replacing the root-token file of the first server version.
  `
  CREATE TABLE tokens (
    accessor TEXT PRIMARY KEY,
    hash BLOB NOT NULL UNIQUE,
    type TEXT NOT NULL,
    permissions TEXT NOT NULL,
    description TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    expires_at TEXT,
    renewable INTEGER NOT NULL,
    ttl_seconds INTEGER,
    revoked_at TEXT
  ) STRICT;
  `,
  // 3: documents (governance, lifecycle and inventory records as JSON) and identity tokens.
  `
  CREATE TABLE documents (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    lookup TEXT,
    ref TEXT,
    data TEXT NOT NULL,
    revision INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (kind, id)
  ) STRICT;
  CREATE UNIQUE INDEX documents_lookup ON documents (kind, lookup) WHERE lookup IS NOT NULL;
  CREATE INDEX documents_ref ON documents (kind, ref, id) WHERE ref IS NOT NULL;

  ALTER TABLE tokens ADD COLUMN identity_id TEXT;
  ALTER TABLE tokens ADD COLUMN mfa INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX tokens_identity ON tokens (identity_id) WHERE identity_id IS NOT NULL;
  `,
];
