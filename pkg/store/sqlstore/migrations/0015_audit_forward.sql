-- Version 15: audit forwarding. audit_cursors holds, per user and sink
-- (a SIEM mcpgate forwards the audit log to), the newest record delivered
-- and the chain's record count up to it, so that a restarted serve
-- resumes where it stopped. leases belong to no user: the replica that
-- holds the 'audit-forward' lease is the one that forwards.
CREATE TABLE audit_cursors (
	user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	sink       TEXT NOT NULL,
	seq        {{.BigInt}} NOT NULL,
	hash       TEXT NOT NULL,
	records    {{.BigInt}} NOT NULL,
	updated_at {{.BigInt}} NOT NULL DEFAULT 0,
	PRIMARY KEY (user_id, sink)
){{.Options}};

CREATE TABLE leases (
	name       TEXT PRIMARY KEY,
	holder     TEXT NOT NULL,
	expires_at {{.BigInt}} NOT NULL
){{.Options}};
