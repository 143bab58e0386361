-- Version 15, PostgreSQL only: audit_cursors is per-user, under the same
-- Row-Level Security as every per-user table; leases belong to no user
-- and are serve's to write, like oauth_clients (version 11).
ALTER TABLE audit_cursors ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_cursors FORCE ROW LEVEL SECURITY;
CREATE POLICY user_rows ON audit_cursors
	USING (user_id = current_setting('mcpgate.user_id', true))
	WITH CHECK (user_id = current_setting('mcpgate.user_id', true));
CREATE POLICY admin_rows ON audit_cursors TO mcpgate_admin USING (true) WITH CHECK (true);
GRANT SELECT, INSERT, UPDATE, DELETE ON audit_cursors TO mcpgate_app, mcpgate_admin;
GRANT SELECT, INSERT, UPDATE, DELETE ON leases TO mcpgate_app, mcpgate_admin;
