-- Version 5, PostgreSQL only: audit_keys is per-user, under the same
-- Row-Level Security as the other per-user tables (see 0001_security.sql).
ALTER TABLE audit_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY user_rows ON audit_keys
	USING (user_id = current_setting('mcpgate.user_id', true))
	WITH CHECK (user_id = current_setting('mcpgate.user_id', true));
CREATE POLICY privileged_rows ON audit_keys
	USING (current_setting('mcpgate.privileged', true) = 'on')
	WITH CHECK (current_setting('mcpgate.privileged', true) = 'on');
GRANT SELECT, INSERT, UPDATE, DELETE ON audit_keys TO mcpgate_app;
