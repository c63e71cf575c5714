/**
 * Schema migrations for PostgreSQL, applied in order (each in its own transaction) and recorded in
 * schema_migrations. Never edit a shipped migration; add a new one. Version numbers follow the
 * SQLite ones, so "schema version N" names the same content on both backends.
 *
 * Types: bytea for binary, timestamptz for times, bigint for sequence numbers and counters, jsonb
 * for tags (indexed for the `?` and `@>` filters), text[] for lists of strings, and json — not
 * jsonb — for audit details, which keeps the stored text exactly and accepts every string JSON can
 * hold (jsonb rejects \u0000). Names and accessors use the "C" collation: byte order, as in SQLite,
 * so listings and keyset pagination agree across backends and prefix LIKE can use the index.
 */
export const POSTGRES_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE meta (name text PRIMARY KEY, value text NOT NULL);

  CREATE TABLE seal (
    id smallint PRIMARY KEY CHECK (id = 1),
    threshold smallint NOT NULL,
    shares smallint NOT NULL,
    wrapped_root_key bytea NOT NULL,
    share_checks text[] NOT NULL,
    wrapped_audit_signing_key bytea NOT NULL,
    audit_public_key text NOT NULL,
    initialized_at timestamptz NOT NULL
  );

  CREATE TABLE keys (
    id text PRIMARY KEY,
    name text COLLATE "C" NOT NULL UNIQUE,
    spec text NOT NULL,
    usage text NOT NULL,
    state text NOT NULL,
    origin text NOT NULL,
    owner text,
    purpose text,
    environment text,
    tier smallint,
    tags jsonb NOT NULL,
    description text,
    created_at timestamptz NOT NULL,
    created_by text NOT NULL,
    updated_at timestamptz NOT NULL,
    state_changed_at timestamptz NOT NULL,
    current_version integer NOT NULL,
    min_decryption_version integer NOT NULL,
    rotation_period_days integer,
    last_rotated_at timestamptz,
    compromised_at timestamptz,
    destroyed_at timestamptz,
    revision bigint NOT NULL
  );
  -- Listing filters, each followed by name so the filtered listing is read in order.
  CREATE INDEX keys_state ON keys (state, name);
  CREATE INDEX keys_environment ON keys (environment, name);
  CREATE INDEX keys_owner ON keys (owner, name);
  CREATE INDEX keys_tags ON keys USING gin (tags);

  CREATE TABLE key_versions (
    key_id text NOT NULL REFERENCES keys (id),
    version integer NOT NULL,
    wrapped_material bytea,
    public_key text,
    origin text NOT NULL,
    created_at timestamptz NOT NULL,
    encryption_count bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (key_id, version)
  );

  CREATE TABLE audit_entries (
    seq bigint PRIMARY KEY,
    time timestamptz NOT NULL,
    actor text NOT NULL,
    action text NOT NULL,
    key_id text,
    key_version integer,
    outcome text NOT NULL,
    error_code text,
    request_id text,
    correlation_id text,
    source text,
    details json NOT NULL,
    chain_hash text NOT NULL
  );
  CREATE INDEX audit_key ON audit_entries (key_id, seq);
  CREATE INDEX audit_actor ON audit_entries (actor, seq);
  CREATE INDEX audit_action ON audit_entries (action, seq);
  CREATE INDEX audit_time ON audit_entries (time, seq);

  CREATE TABLE audit_checkpoints (
    size bigint NOT NULL,
    time timestamptz NOT NULL,
    origin text NOT NULL,
    chain_hash text NOT NULL,
    signature text NOT NULL,
    public_key text NOT NULL,
    PRIMARY KEY (size, time)
  );
  `,
  // 2: API tokens (hashed).
  `
  CREATE TABLE tokens (
    accessor text COLLATE "C" PRIMARY KEY,
    hash bytea NOT NULL UNIQUE,
    type text NOT NULL,
    permissions text[] NOT NULL,
    description text,
    created_at timestamptz NOT NULL,
    created_by text NOT NULL,
    expires_at timestamptz,
    renewable boolean NOT NULL,
    ttl_seconds bigint,
    revoked_at timestamptz
  );
  `,
  // 3: documents (governance, lifecycle and inventory records as JSON) and identity tokens.
  `
  CREATE TABLE documents (
    kind text COLLATE "C" NOT NULL,
    id text COLLATE "C" NOT NULL,
    lookup text COLLATE "C",
    ref text COLLATE "C",
    data text NOT NULL, -- JSON text: jsonb cannot hold U+0000, which a JSON string may
    revision bigint NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (kind, id)
  );
  CREATE UNIQUE INDEX documents_lookup ON documents (kind, lookup) WHERE lookup IS NOT NULL;
  CREATE INDEX documents_ref ON documents (kind, ref, id) WHERE ref IS NOT NULL;

  ALTER TABLE tokens ADD COLUMN identity_id text;
  ALTER TABLE tokens ADD COLUMN mfa boolean NOT NULL DEFAULT false;
  CREATE INDEX tokens_identity ON tokens (identity_id) WHERE identity_id IS NOT NULL;
  `,
];
