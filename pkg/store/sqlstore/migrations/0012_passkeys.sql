-- Version 12: passkeys and browser sessions.
--
-- passkeys are a user's WebAuthn credentials: the public key and what the
-- authenticator reports (sign count, flags), never a secret.
-- passkey_enrolments are the one-time links `mcpgate user passkey add`
-- prints, and browser_sessions the sessions a passkey sign-in starts: both
-- kept by the SHA-256 hash of their 256-bit token only.
--
-- passkey_ceremonies belong to no user: the challenge of a registration
-- or sign-in in progress, by the hash of the browser's handle on it.
CREATE TABLE passkeys (
	id               TEXT PRIMARY KEY,
	user_id          TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	credential_id    TEXT NOT NULL UNIQUE,
	public_key       {{.Blob}} NOT NULL,
	attestation_type TEXT NOT NULL DEFAULT '',
	aaguid           {{.Blob}},
	transports       TEXT NOT NULL DEFAULT '[]',
	flags            {{.BigInt}} NOT NULL DEFAULT 0,
	sign_count       {{.BigInt}} NOT NULL DEFAULT 0,
	clone_warning    {{.BigInt}} NOT NULL DEFAULT 0,
	created_at       {{.BigInt}} NOT NULL DEFAULT 0,
	last_used_at     {{.BigInt}} NOT NULL DEFAULT 0
){{.Options}};
CREATE INDEX passkeys_user ON passkeys (user_id);

CREATE TABLE passkey_enrolments (
	hash       TEXT PRIMARY KEY,
	user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	expires_at {{.BigInt}} NOT NULL,
	used_at    {{.BigInt}} NOT NULL DEFAULT 0,
	created_at {{.BigInt}} NOT NULL DEFAULT 0
){{.Options}};
CREATE INDEX passkey_enrolments_user ON passkey_enrolments (user_id);

CREATE TABLE browser_sessions (
	id           TEXT PRIMARY KEY,
	hash         TEXT NOT NULL UNIQUE,
	user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	passkey_id   TEXT NOT NULL DEFAULT '',
	expires_at   {{.BigInt}} NOT NULL,
	created_at   {{.BigInt}} NOT NULL DEFAULT 0
){{.Options}};
CREATE INDEX browser_sessions_user ON browser_sessions (user_id);

CREATE TABLE passkey_ceremonies (
	id         TEXT PRIMARY KEY,
	kind       TEXT NOT NULL,
	user_id    TEXT NOT NULL DEFAULT '',
	data       TEXT NOT NULL,
	expires_at {{.BigInt}} NOT NULL
){{.Options}};
