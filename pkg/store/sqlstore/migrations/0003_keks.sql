-- Version 3: where each KEK lives. A DEK names its KEK by id; this table
-- maps the id to the provider URL (a key file path or a KMS key, never key
-- material), so a process can open DEKs that a KEK rotation run elsewhere
-- moved to a KEK it was not started with.
CREATE TABLE keks (
	id         TEXT PRIMARY KEY,
	url        TEXT NOT NULL,
	created_at {{.BigInt}} NOT NULL DEFAULT 0
){{.Options}};
