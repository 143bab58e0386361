-- Version 11: mcpgate's own authorization server.
--
-- oauth_clients and oauth_requests belong to no user: a client registers,
-- and a person's browser starts an authorization, before anyone has
-- signed in. They hold no secret: a client secret, an approval code and
-- an authorization code are kept as SHA-256 hashes (each is 256 random
-- bits, so a fast hash is enough).
--
-- A consented grant is an app key (an api_keys row whose hash no mgw_
-- secret matches) with an oauth_grants row naming the client and the
-- endpoint it may use; its tokens are oauth_tokens rows, by hash.
CREATE TABLE oauth_clients (
	id            TEXT PRIMARY KEY,
	name          TEXT NOT NULL,
	kind          TEXT NOT NULL,
	redirect_uris TEXT NOT NULL DEFAULT '[]',
	secret_hash   TEXT NOT NULL DEFAULT '',
	created_at    {{.BigInt}} NOT NULL DEFAULT 0,
	last_used_at  {{.BigInt}} NOT NULL DEFAULT 0
){{.Options}};

CREATE TABLE oauth_requests (
	id             TEXT PRIMARY KEY,
	approval_hash  TEXT NOT NULL UNIQUE,
	client_id      TEXT NOT NULL,
	redirect_uri   TEXT NOT NULL,
	code_challenge TEXT NOT NULL,
	resource       TEXT NOT NULL,
	state          TEXT NOT NULL DEFAULT '',
	user_id        TEXT NOT NULL DEFAULT '',
	code_hash      TEXT NOT NULL DEFAULT '',
	code_expires_at {{.BigInt}} NOT NULL DEFAULT 0,
	grant_key_id   TEXT NOT NULL DEFAULT '',
	policy         TEXT NOT NULL DEFAULT '',
	expires_at     {{.BigInt}} NOT NULL,
	created_at     {{.BigInt}} NOT NULL DEFAULT 0
){{.Options}};
CREATE INDEX oauth_requests_code ON oauth_requests (code_hash);

CREATE TABLE oauth_grants (
	key_id      TEXT PRIMARY KEY REFERENCES api_keys (id) ON DELETE CASCADE,
	user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	client_id   TEXT NOT NULL,
	client_name TEXT NOT NULL,
	resource    TEXT NOT NULL,
	created_at  {{.BigInt}} NOT NULL DEFAULT 0
){{.Options}};
CREATE INDEX oauth_grants_user ON oauth_grants (user_id);

CREATE TABLE oauth_tokens (
	hash       TEXT PRIMARY KEY,
	user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	key_id     TEXT NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
	kind       TEXT NOT NULL,
	resource   TEXT NOT NULL,
	expires_at {{.BigInt}} NOT NULL,
	used_at    {{.BigInt}} NOT NULL DEFAULT 0,
	created_at {{.BigInt}} NOT NULL DEFAULT 0
){{.Options}};
CREATE INDEX oauth_tokens_key ON oauth_tokens (key_id);
