-- Version 1: the tables. Rendered per engine with text/template; the
-- template fields are the engine's column types (see sqlstore.Types).
--
-- Timestamps are unix microseconds (0 = none), ids are text, scope lists are
-- JSON text. Columns added by later versions must be nullable or NOT NULL
-- with a DEFAULT, so that existing rows stay valid.

CREATE TABLE users (
	id         TEXT PRIMARY KEY,
	name       TEXT NOT NULL UNIQUE,
	admin      {{.Bool}} NOT NULL,
	created_at {{.BigInt}} NOT NULL DEFAULT 0
){{.Options}};

CREATE TABLE deks (
	user_id    TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
	version    INTEGER NOT NULL,
	kek_id     TEXT NOT NULL,
	wrapped    {{.Blob}} NOT NULL,
	created_at {{.BigInt}} NOT NULL DEFAULT 0
){{.Options}};

CREATE TABLE connections (
	id          TEXT PRIMARY KEY,
	user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name        TEXT NOT NULL,
	provider    TEXT NOT NULL,
	auth_kind   TEXT NOT NULL DEFAULT '',
	account     TEXT NOT NULL DEFAULT '',
	scopes      TEXT NOT NULL DEFAULT '',
	status      TEXT NOT NULL DEFAULT '',
	api_url     TEXT NOT NULL DEFAULT '',
	credential  {{.Blob}} NOT NULL,
	dek_version INTEGER NOT NULL DEFAULT 0,
	expires_at  {{.BigInt}} NOT NULL DEFAULT 0,
	created_at  {{.BigInt}} NOT NULL DEFAULT 0,
	updated_at  {{.BigInt}} NOT NULL DEFAULT 0,
	UNIQUE (user_id, name)
){{.Options}};

CREATE TABLE api_keys (
	id           TEXT PRIMARY KEY,
	user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name         TEXT NOT NULL,
	hash         TEXT NOT NULL,
	scope        TEXT NOT NULL DEFAULT '[]',
	created_at   {{.BigInt}} NOT NULL DEFAULT 0,
	last_used_at {{.BigInt}} NOT NULL DEFAULT 0,
	revoked_at   {{.BigInt}} NOT NULL DEFAULT 0
){{.Options}};
CREATE INDEX api_keys_user ON api_keys (user_id);
-- Revoked keys keep their name; only one active key may hold it.
CREATE UNIQUE INDEX api_keys_active_name ON api_keys (user_id, name) WHERE revoked_at = 0;

-- key_id '' is the user's default policy, so it cannot reference api_keys.
CREATE TABLE policies (
	user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	key_id     TEXT NOT NULL,
	body       TEXT NOT NULL,
	updated_at {{.BigInt}} NOT NULL DEFAULT 0,
	PRIMARY KEY (user_id, key_id)
){{.Options}};

CREATE TABLE audit_records (
	seq        {{.Serial}},
	user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	ts         {{.BigInt}} NOT NULL,
	key_id     TEXT NOT NULL DEFAULT '',
	tool       TEXT NOT NULL DEFAULT '',
	arguments  TEXT NOT NULL DEFAULT '',
	decision   TEXT NOT NULL DEFAULT '',
	rule       TEXT NOT NULL DEFAULT '',
	outcome    TEXT NOT NULL DEFAULT '',
	error      TEXT NOT NULL DEFAULT '',
	latency_us {{.BigInt}} NOT NULL DEFAULT 0,
	prev_hash  TEXT NOT NULL,
	hash       TEXT NOT NULL
){{.Options}};
CREATE INDEX audit_records_user_seq ON audit_records (user_id, seq);

CREATE TABLE oauth_states (
	state_hash TEXT PRIMARY KEY,
	user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	provider   TEXT NOT NULL,
	name       TEXT NOT NULL,
	verifier   {{.Blob}} NOT NULL,
	expires_at {{.BigInt}} NOT NULL DEFAULT 0,
	created_at {{.BigInt}} NOT NULL DEFAULT 0
){{.Options}};
CREATE INDEX oauth_states_user ON oauth_states (user_id);
