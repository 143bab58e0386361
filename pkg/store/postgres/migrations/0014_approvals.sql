-- Version 14, PostgreSQL only: approvals are per-user rows, under
-- Row-Level Security, FORCE'd, as every per-user table (see the shared
-- 0014_approvals.sql).
ALTER TABLE approvals ENABLE ROW LEVEL SECURITY;
ALTER TABLE approvals FORCE ROW LEVEL SECURITY;
CREATE POLICY user_rows ON approvals
	USING (user_id = current_setting('mcpgate.user_id', true))
	WITH CHECK (user_id = current_setting('mcpgate.user_id', true));
CREATE POLICY admin_rows ON approvals TO mcpgate_admin USING (true) WITH CHECK (true);
GRANT SELECT, INSERT, UPDATE, DELETE ON approvals TO mcpgate_app, mcpgate_admin;
