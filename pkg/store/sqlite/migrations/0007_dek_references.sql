-- Version 7, SQLite only (see the shared 0007_dek_references.sql). SQLite
-- cannot add a foreign key to a table, so connections and oauth_states are
-- rebuilt with it, in the migration's transaction; nothing refers to
-- either table. Their triggers and indexes go with the old tables and are
-- made again.
--
-- Rows sealed under a version that no longer exists (written by an older
-- mcpgate while a DEK rotation deleted that version) cannot be opened by
-- anyone: a pending authorization is dropped (it lasts minutes anyway), a
-- connection keeps its name and metadata, loses the unreadable ciphertext
-- and is marked for re-authorization, under the user's current version.
DELETE FROM oauth_states WHERE NOT EXISTS (SELECT 1 FROM deks
	WHERE deks.user_id = oauth_states.user_id AND deks.version = oauth_states.dek_version);
UPDATE connections SET status = 'needs_reauth', credential = X'',
	dek_version = (SELECT MAX(version) FROM deks WHERE deks.user_id = connections.user_id)
	WHERE NOT EXISTS (SELECT 1 FROM deks WHERE deks.user_id = connections.user_id AND deks.version = connections.dek_version)
	AND EXISTS (SELECT 1 FROM deks WHERE deks.user_id = connections.user_id);

CREATE TABLE connections_new (
	id          TEXT PRIMARY KEY,
	user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name        TEXT NOT NULL,
	provider    TEXT NOT NULL,
	auth_kind   TEXT NOT NULL DEFAULT '',
	account     TEXT NOT NULL DEFAULT '',
	scopes      TEXT NOT NULL DEFAULT '',
	status      TEXT NOT NULL DEFAULT '',
	api_url     TEXT NOT NULL DEFAULT '',
	credential  BLOB NOT NULL,
	dek_version INTEGER NOT NULL DEFAULT 0,
	expires_at  INTEGER NOT NULL DEFAULT 0,
	created_at  INTEGER NOT NULL DEFAULT 0,
	updated_at  INTEGER NOT NULL DEFAULT 0,
	UNIQUE (user_id, name),
	CONSTRAINT connections_dek_fkey FOREIGN KEY (user_id, dek_version) REFERENCES deks (user_id, version)
) STRICT;
INSERT INTO connections_new SELECT id, user_id, name, provider, auth_kind, account, scopes, status, api_url,
	credential, dek_version, expires_at, created_at, updated_at FROM connections;
DROP TABLE connections;
ALTER TABLE connections_new RENAME TO connections;
CREATE INDEX connections_dek ON connections (user_id, dek_version);
CREATE TRIGGER connections_insert_generation AFTER INSERT ON connections
BEGIN UPDATE generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER connections_update_generation AFTER UPDATE ON connections
BEGIN UPDATE generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER connections_delete_generation AFTER DELETE ON connections
BEGIN UPDATE generation SET n = n + 1 WHERE id = 1; END;

CREATE TABLE oauth_states_new (
	state_hash     TEXT PRIMARY KEY,
	user_id        TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	provider       TEXT NOT NULL,
	name           TEXT NOT NULL,
	verifier       BLOB NOT NULL,
	expires_at     INTEGER NOT NULL DEFAULT 0,
	created_at     INTEGER NOT NULL DEFAULT 0,
	dek_version    INTEGER NOT NULL DEFAULT 0,
	scopes         TEXT NOT NULL DEFAULT '',
	redirect_url   TEXT NOT NULL DEFAULT '',
	local_callback INTEGER NOT NULL DEFAULT FALSE,
	CONSTRAINT oauth_states_dek_fkey FOREIGN KEY (user_id, dek_version) REFERENCES deks (user_id, version)
) STRICT;
INSERT INTO oauth_states_new SELECT state_hash, user_id, provider, name, verifier, expires_at, created_at,
	dek_version, scopes, redirect_url, local_callback FROM oauth_states;
DROP TABLE oauth_states;
ALTER TABLE oauth_states_new RENAME TO oauth_states;
CREATE INDEX oauth_states_user ON oauth_states (user_id);
CREATE INDEX oauth_states_dek ON oauth_states (user_id, dek_version);

-- A new or deleted DEK version moves the generation: a process caching
-- "the current version" reads it again before it seals.
CREATE TRIGGER deks_insert_generation AFTER INSERT ON deks
BEGIN UPDATE generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER deks_delete_generation AFTER DELETE ON deks
BEGIN UPDATE generation SET n = n + 1 WHERE id = 1; END;
