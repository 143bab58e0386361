-- Version 2: DEK versions, what an OAuth callback needs, rate counters and
-- audit anchors. Existing rows stay valid: every added column has a
-- DEFAULT. Keying deks by (user_id, version) is engine-specific (SQLite
-- must rebuild the table), so each driver's own 0002 file does it, and
-- also backfills oauth_states.dek_version (see there).

ALTER TABLE oauth_states ADD COLUMN dek_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE oauth_states ADD COLUMN scopes TEXT NOT NULL DEFAULT '';
ALTER TABLE oauth_states ADD COLUMN redirect_url TEXT NOT NULL DEFAULT '';
ALTER TABLE oauth_states ADD COLUMN local_callback {{.Bool}} NOT NULL DEFAULT FALSE;

-- One row per fixed window of one rate-limit rule of one key.
CREATE TABLE rate_counters (
	user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	key_id       TEXT NOT NULL,
	rule         TEXT NOT NULL,
	window_start {{.BigInt}} NOT NULL,
	count        INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (user_id, key_id, rule, window_start)
){{.Options}};

-- What pruning leaves of the deleted head of a user's audit chain.
CREATE TABLE audit_anchors (
	user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
	seq     {{.BigInt}} NOT NULL,
	hash    TEXT NOT NULL,
	pruned  {{.BigInt}} NOT NULL DEFAULT 0
){{.Options}};
