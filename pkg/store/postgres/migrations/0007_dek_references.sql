-- Version 7, PostgreSQL only (see the shared 0007_dek_references.sql).
--
-- Rows sealed under a version that no longer exists (written by an older
-- mcpgate while a DEK rotation deleted that version) cannot be opened by
-- anyone: a pending authorization is dropped (it lasts minutes anyway), a
-- connection keeps its name and metadata, loses the unreadable ciphertext
-- and is marked for re-authorization, under the user's current version.
-- The tables' owner is under RLS too (FORCE), so the repair runs as
-- mcpgate_admin (version 6), whose policies see every user's rows.
SET LOCAL ROLE mcpgate_admin;
DELETE FROM oauth_states WHERE NOT EXISTS (SELECT 1 FROM deks
	WHERE deks.user_id = oauth_states.user_id AND deks.version = oauth_states.dek_version);
UPDATE connections SET status = 'needs_reauth', credential = ''::bytea,
	dek_version = (SELECT MAX(version) FROM deks WHERE deks.user_id = connections.user_id)
	WHERE NOT EXISTS (SELECT 1 FROM deks WHERE deks.user_id = connections.user_id AND deks.version = connections.dek_version)
	AND EXISTS (SELECT 1 FROM deks WHERE deks.user_id = connections.user_id);
RESET ROLE;

-- The store maps a violation of these two constraints, by name, to
-- store.ErrStaleDEK. Referential checks are not subject to RLS.
ALTER TABLE connections ADD CONSTRAINT connections_dek_fkey
	FOREIGN KEY (user_id, dek_version) REFERENCES deks (user_id, version);
ALTER TABLE oauth_states ADD CONSTRAINT oauth_states_dek_fkey
	FOREIGN KEY (user_id, dek_version) REFERENCES deks (user_id, version);

-- A new or deleted DEK version moves the generation: a process caching
-- "the current version" reads it again before it seals.
CREATE TRIGGER deks_generation AFTER INSERT OR DELETE ON deks
	FOR EACH STATEMENT EXECUTE FUNCTION mcpgate_next_generation();

-- The OAuth callback opens a pending authorization's verifier before it
-- takes the row (while the row exists, its DEK version cannot be retired),
-- so serve's login reads one state by its exact hash, as it takes one.
CREATE FUNCTION mcpgate_oauth_state(p_state_hash text) RETURNS TABLE (state_hash text, user_id text,
		provider text, name text, verifier bytea, dek_version integer, scopes text, redirect_url text,
		local_callback boolean, expires_at bigint, created_at bigint)
	LANGUAGE sql STABLE STRICT SECURITY DEFINER AS $$
	SELECT s.state_hash, s.user_id, s.provider, s.name, s.verifier, s.dek_version, s.scopes, s.redirect_url,
		s.local_callback, s.expires_at, s.created_at
	FROM oauth_states s WHERE s.state_hash = p_state_hash
$$;
DO $$
BEGIN
	EXECUTE format('ALTER FUNCTION mcpgate_oauth_state(text) SET search_path = %I, pg_temp', current_schema());
END
$$;
REVOKE ALL ON FUNCTION mcpgate_oauth_state(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mcpgate_oauth_state(text) TO mcpgate_app;
