-- Version 3, PostgreSQL only: keks is not per-user; only the privileged
-- path reads or writes it.
ALTER TABLE keks ENABLE ROW LEVEL SECURITY;
ALTER TABLE keks FORCE ROW LEVEL SECURITY;
CREATE POLICY privileged_rows ON keks
	USING (current_setting('mcpgate.privileged', true) = 'on')
	WITH CHECK (current_setting('mcpgate.privileged', true) = 'on');
GRANT SELECT, INSERT, UPDATE ON keks TO mcpgate_app;
