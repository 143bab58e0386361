-- Version 2, SQLite only: key deks by (user_id, version). SQLite cannot
-- change a primary key in place, so the table is rebuilt; this runs in the
-- migration's transaction, and nothing references deks, so dropping the
-- old table breaks no foreign key.
CREATE TABLE deks_new (
	user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	version    INTEGER NOT NULL,
	kek_id     TEXT NOT NULL,
	wrapped    BLOB NOT NULL,
	created_at INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (user_id, version)
) STRICT;
INSERT INTO deks_new (user_id, version, kek_id, wrapped, created_at)
	SELECT user_id, version, kek_id, wrapped, created_at FROM deks;
DROP TABLE deks;
ALTER TABLE deks_new RENAME TO deks;

-- Version 1 had one DEK per user, and a pending authorization's verifier
-- was sealed under it.
UPDATE oauth_states SET dek_version = COALESCE(
	(SELECT MAX(version) FROM deks WHERE deks.user_id = oauth_states.user_id), 0);
