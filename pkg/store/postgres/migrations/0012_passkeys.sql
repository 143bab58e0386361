-- Version 12, PostgreSQL only: passkeys and browser sessions (see the
-- shared 0012_passkeys.sql).
--
-- passkeys, passkey_enrolments and browser_sessions are per-user: Row-Level
-- Security, FORCE'd, as every per-user table. serve reads them only in the
-- user's own transaction: a sign-in names its user (the passkey's user
-- handle), and an enrolment link and a session cookie carry their user's
-- id beside the secret, so no cross-user function is needed.
--
-- passkey_ceremonies belong to no user and hold no secret: granted to
-- mcpgate_app and mcpgate_admin directly, as oauth_requests.
DO $$
DECLARE
	t text;
BEGIN
	FOREACH t IN ARRAY ARRAY['passkeys', 'passkey_enrolments', 'browser_sessions'] LOOP
		EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
		EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
		EXECUTE format($p$CREATE POLICY user_rows ON %I
			USING (user_id = current_setting('mcpgate.user_id', true))
			WITH CHECK (user_id = current_setting('mcpgate.user_id', true))$p$, t);
		EXECUTE format('CREATE POLICY admin_rows ON %I TO mcpgate_admin USING (true) WITH CHECK (true)', t);
		EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO mcpgate_app, mcpgate_admin', t);
	END LOOP;
END
$$;
GRANT SELECT, INSERT, UPDATE, DELETE ON passkey_ceremonies TO mcpgate_app, mcpgate_admin;
