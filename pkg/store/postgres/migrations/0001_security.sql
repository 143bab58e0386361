-- Version 1, PostgreSQL only: the role the store's transactions run as, and
-- Row-Level Security on every per-user table.
--
-- mcpgate_app cannot log in, owns nothing and cannot bypass RLS. Every
-- transaction of the store starts by switching to it (SET LOCAL ROLE), so
-- the policies hold even when the connecting role is a superuser or owns
-- the tables. Roles are cluster-wide: another database's migration may
-- have created it already, or be creating it at this moment.
DO $$
BEGIN
	CREATE ROLE mcpgate_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT;
EXCEPTION
	WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;

-- A superuser may switch to any role; anyone else must be a member.
DO $$
BEGIN
	IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
		GRANT mcpgate_app TO CURRENT_USER;
	END IF;
	IF NOT has_schema_privilege('mcpgate_app', current_schema(), 'USAGE') THEN
		EXECUTE format('GRANT USAGE ON SCHEMA %I TO mcpgate_app', current_schema());
	END IF;
END
$$;

-- A user-scoped transaction sets mcpgate.user_id and sees that user's rows;
-- a privileged one sets mcpgate.privileged to 'on' and sees every row. The
-- two policies are permissive, so a row passes if either allows it.
DO $$
DECLARE
	t text;
BEGIN
	FOREACH t IN ARRAY ARRAY['users', 'deks', 'connections', 'api_keys', 'policies', 'audit_records', 'oauth_states'] LOOP
		EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
		EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
		EXECUTE format($p$CREATE POLICY user_rows ON %1$I
			USING (%2$I = current_setting('mcpgate.user_id', true))
			WITH CHECK (%2$I = current_setting('mcpgate.user_id', true))$p$,
			t, CASE t WHEN 'users' THEN 'id' ELSE 'user_id' END);
		EXECUTE format($p$CREATE POLICY privileged_rows ON %I
			USING (current_setting('mcpgate.privileged', true) = 'on')
			WITH CHECK (current_setting('mcpgate.privileged', true) = 'on')$p$, t);
		EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO mcpgate_app', t);
	END LOOP;
END
$$;

GRANT USAGE, SELECT ON SEQUENCE audit_records_seq_seq TO mcpgate_app;
