-- Version 6, PostgreSQL only: least privilege for serve.
--
-- Until now a privileged transaction was mcpgate_app with the setting
-- mcpgate.privileged 'on', which any transaction of the app role could set
-- for itself. Now:
--
--  * mcpgate_admin (NOLOGIN, NOBYPASSRLS) is the role of the admin
--    commands' cross-user transactions. The tables' owner is a member and
--    switches to it; serve's login is not, and cannot.
--  * the policies named privileged_rows, which trusted the setting, are
--    gone: a policy for mcpgate_admin takes their place, so setting
--    mcpgate.privileged does nothing.
--  * what serve itself must do across users goes through the functions
--    below: SECURITY DEFINER (they run as the owner), search_path pinned,
--    each doing one narrow thing, EXECUTE granted to mcpgate_app only.
--  * keks and the generation counter are no longer written by mcpgate_app
--    directly: the functions and the trigger do it.
DO $$
BEGIN
	CREATE ROLE mcpgate_admin NOLOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT NOCREATEROLE NOCREATEDB;
EXCEPTION
	WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;

DO $$
BEGIN
	IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
		GRANT mcpgate_admin TO CURRENT_USER;
	END IF;
	IF NOT has_schema_privilege('mcpgate_admin', current_schema(), 'USAGE') THEN
		EXECUTE format('GRANT USAGE ON SCHEMA %I TO mcpgate_admin', current_schema());
	END IF;
END
$$;

DO $$
DECLARE
	t text;
BEGIN
	FOREACH t IN ARRAY ARRAY['users', 'deks', 'connections', 'api_keys', 'policies', 'audit_records', 'oauth_states',
			'rate_counters', 'audit_anchors', 'keks', 'audit_keys'] LOOP
		EXECUTE format('DROP POLICY privileged_rows ON %I', t);
		EXECUTE format('CREATE POLICY admin_rows ON %I TO mcpgate_admin USING (true) WITH CHECK (true)', t);
		EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO mcpgate_admin', t);
	END LOOP;
END
$$;
REVOKE ALL ON keks FROM mcpgate_app;
GRANT USAGE, SELECT ON SEQUENCE audit_records_seq_seq TO mcpgate_admin;
GRANT SELECT ON schema_migrations, generation TO mcpgate_app, mcpgate_admin;

-- The generation moves by the trigger alone.
REVOKE UPDATE ON generation FROM mcpgate_app;
ALTER FUNCTION mcpgate_next_generation() SECURITY DEFINER;

-- The users, oldest first: for finding the owner and the users to prune.
-- No data key, credential or key hash.
CREATE FUNCTION mcpgate_list_users() RETURNS TABLE (id text, name text, admin boolean, created_at bigint)
	LANGUAGE sql STABLE SECURITY DEFINER AS $$
	SELECT u.id, u.name, u.admin, u.created_at FROM users u ORDER BY u.created_at, u.name
$$;

CREATE FUNCTION mcpgate_user_by_name(p_name text) RETURNS TABLE (id text, name text, admin boolean, created_at bigint)
	LANGUAGE sql STABLE STRICT SECURITY DEFINER AS $$
	SELECT u.id, u.name, u.admin, u.created_at FROM users u WHERE u.name = p_name
$$;

-- One API key by its exact public id, before its owner is known.
CREATE FUNCTION mcpgate_api_key(p_id text) RETURNS TABLE (id text, user_id text, name text, hash text, scope text,
		created_at bigint, last_used_at bigint, revoked_at bigint)
	LANGUAGE sql STABLE STRICT SECURITY DEFINER AS $$
	SELECT k.id, k.user_id, k.name, k.hash, k.scope, k.created_at, k.last_used_at, k.revoked_at
	FROM api_keys k WHERE k.id = p_id
$$;

-- One pending authorization by its exact state hash, deleted as it is read.
CREATE FUNCTION mcpgate_take_oauth_state(p_state_hash text) RETURNS TABLE (state_hash text, user_id text,
		provider text, name text, verifier bytea, dek_version integer, scopes text, redirect_url text,
		local_callback boolean, expires_at bigint, created_at bigint)
	LANGUAGE sql STRICT SECURITY DEFINER AS $$
	DELETE FROM oauth_states s WHERE s.state_hash = p_state_hash
	RETURNING s.state_hash, s.user_id, s.provider, s.name, s.verifier, s.dek_version, s.scopes, s.redirect_url,
		s.local_callback, s.expires_at, s.created_at
$$;

-- Housekeeping: how many pending authorizations expired before p_now.
CREATE FUNCTION mcpgate_delete_expired_oauth_states(p_now bigint) RETURNS bigint
	LANGUAGE sql STRICT SECURITY DEFINER AS $$
	WITH gone AS (DELETE FROM oauth_states s WHERE s.expires_at > 0 AND s.expires_at < p_now RETURNING 1)
	SELECT count(*) FROM gone
$$;

-- The KEK registry: where each KEK lives (a URL, never key material).
CREATE FUNCTION mcpgate_keks() RETURNS TABLE (id text, url text, created_at bigint)
	LANGUAGE sql STABLE SECURITY DEFINER AS $$
	SELECT k.id, k.url, k.created_at FROM keks k ORDER BY k.created_at, k.id
$$;

CREATE FUNCTION mcpgate_put_kek(p_id text, p_url text, p_created_at bigint) RETURNS void
	LANGUAGE sql STRICT SECURITY DEFINER AS $$
	INSERT INTO keks (id, url, created_at) VALUES (p_id, p_url, p_created_at)
	ON CONFLICT (id) DO UPDATE SET url = excluded.url
$$;

-- Functions are executable by PUBLIC unless revoked; pin each one's
-- search_path to this schema, so no object a caller creates (a temporary
-- table, say) can stand in for the tables they name.
DO $$
DECLARE
	f text;
BEGIN
	FOREACH f IN ARRAY ARRAY['mcpgate_next_generation()', 'mcpgate_list_users()', 'mcpgate_user_by_name(text)',
			'mcpgate_api_key(text)', 'mcpgate_take_oauth_state(text)', 'mcpgate_delete_expired_oauth_states(bigint)',
			'mcpgate_keks()', 'mcpgate_put_kek(text, text, bigint)'] LOOP
		EXECUTE format('ALTER FUNCTION %s SET search_path = %I, pg_temp', f, current_schema());
		EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
		IF f <> 'mcpgate_next_generation()' THEN
			EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO mcpgate_app', f);
		END IF;
	END LOOP;
END
$$;
