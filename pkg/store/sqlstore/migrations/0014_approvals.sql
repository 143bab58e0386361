-- Version 14: calls waiting for a person's approval.
--
-- A row is one call a policy sent to a person (approve: or a rule with
-- action: approve), bound to the key that made it, the tool and the
-- SHA-256 of its canonical arguments: an approval is used once, by that
-- key, for that tool and those exact arguments, before expires_at.
--
-- arguments is what the approver is shown by default: the canonical
-- arguments with content fields as their hash and length (as the audit
-- log keeps them). sealed holds the full canonical arguments, sealed by
-- the vault under the user's DEK version dek_version, so the approver
-- can open them; both are cleared once the call is decided.
CREATE TABLE approvals (
	id          TEXT PRIMARY KEY,
	user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	key_id      TEXT NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
	tool        TEXT NOT NULL,
	rule        TEXT NOT NULL DEFAULT '',
	args_hash   TEXT NOT NULL,
	arguments   TEXT NOT NULL,
	sealed      {{.Blob}},
	dek_version {{.BigInt}},
	status      TEXT NOT NULL,
	decided_by  TEXT NOT NULL DEFAULT '',
	reason      TEXT NOT NULL DEFAULT '',
	created_at  {{.BigInt}} NOT NULL,
	expires_at  {{.BigInt}} NOT NULL,
	decided_at  {{.BigInt}} NOT NULL DEFAULT 0,
	used_at     {{.BigInt}} NOT NULL DEFAULT 0,
	FOREIGN KEY (user_id, dek_version) REFERENCES deks (user_id, version)
){{.Options}};
CREATE INDEX approvals_call ON approvals (user_id, key_id, tool, args_hash);
CREATE INDEX approvals_status ON approvals (user_id, status, created_at);
