-- Version 5: keyed audit chains. Each record names the chain format that
-- hashed it (1: the unkeyed SHA-256 of versions before 5, 2: HMAC-SHA-256
-- under the user's audit key), and each user's audit keys (the HMAC key
-- and the checkpoint signing key) are kept sealed under the user's DEK.
-- Existing records stay format 1 until mcpgate re-chains them.
ALTER TABLE audit_records ADD COLUMN chain INTEGER NOT NULL DEFAULT 1;

CREATE TABLE audit_keys (
	user_id     TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
	sealed      {{.Blob}} NOT NULL,
	dek_version INTEGER NOT NULL,
	created_at  {{.BigInt}} NOT NULL DEFAULT 0
){{.Options}};
