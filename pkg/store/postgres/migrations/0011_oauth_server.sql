-- Version 11, PostgreSQL only: the authorization server's tables (see the
-- shared 0011_oauth_server.sql).
--
-- oauth_grants and oauth_tokens are per-user: Row-Level Security, FORCE'd,
-- as every per-user table (user_rows for the user's own transactions,
-- admin_rows for mcpgate_admin). serve finds a token by its hash before it
-- knows the user, through a SECURITY DEFINER function doing that one
-- thing, as it finds an API key by its id (version 6).
--
-- oauth_clients and oauth_requests belong to no user, hold only hashes,
-- and are serve's to write (registration, authorization): granted to
-- mcpgate_app and mcpgate_admin directly, without RLS. A transaction of
-- the app role without a user (mcpgate.user_id unset) sees them and no
-- user's rows.
DO $$
DECLARE
	t text;
BEGIN
	FOREACH t IN ARRAY ARRAY['oauth_grants', 'oauth_tokens'] LOOP
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
GRANT SELECT, INSERT, UPDATE, DELETE ON oauth_clients, oauth_requests TO mcpgate_app, mcpgate_admin;

-- One token by its exact hash, before its owner is known.
CREATE FUNCTION mcpgate_oauth_token(p_hash text) RETURNS TABLE (hash text, user_id text, key_id text, kind text,
		resource text, expires_at bigint, used_at bigint, created_at bigint)
	LANGUAGE sql STABLE STRICT SECURITY DEFINER AS $$
	SELECT t.hash, t.user_id, t.key_id, t.kind, t.resource, t.expires_at, t.used_at, t.created_at
	FROM oauth_tokens t WHERE t.hash = p_hash
$$;

-- Marks one refresh token used, if it was not: the row as it was before,
-- or no row if there is no such token. used_at in the result tells the
-- caller whether it was already used (a replay).
CREATE FUNCTION mcpgate_use_oauth_refresh(p_hash text, p_now bigint) RETURNS TABLE (hash text, user_id text,
		key_id text, kind text, resource text, expires_at bigint, used_at bigint, created_at bigint)
	LANGUAGE sql STRICT SECURITY DEFINER AS $$
	WITH old AS (SELECT t.* FROM oauth_tokens t WHERE t.hash = p_hash AND t.kind = 'refresh' FOR UPDATE),
	upd AS (UPDATE oauth_tokens t SET used_at = p_now FROM old
		WHERE t.hash = old.hash AND old.used_at = 0 RETURNING t.hash)
	SELECT old.hash, old.user_id, old.key_id, old.kind, old.resource, old.expires_at, old.used_at, old.created_at FROM old
$$;

DO $$
DECLARE
	f text;
BEGIN
	FOREACH f IN ARRAY ARRAY['mcpgate_oauth_token(text)', 'mcpgate_use_oauth_refresh(text, bigint)'] LOOP
		EXECUTE format('ALTER FUNCTION %s SET search_path = %I, pg_temp', f, current_schema());
		EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
		EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO mcpgate_app', f);
	END LOOP;
END
$$;
