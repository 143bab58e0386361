-- Version 8 on PostgreSQL: the KEK registry's functions carry each entry's
-- wrapped MAC key and MAC. An entry's MAC key, once set, is kept, so two
-- processes that create the registry key at once agree on the first one.
DROP FUNCTION mcpgate_keks();
DROP FUNCTION mcpgate_put_kek(text, text, bigint);

CREATE FUNCTION mcpgate_keks() RETURNS TABLE (id text, url text, mac_key bytea, mac bytea, created_at bigint)
	LANGUAGE sql STABLE SECURITY DEFINER AS $$
	SELECT k.id, k.url, k.mac_key, k.mac, k.created_at FROM keks k ORDER BY k.created_at, k.id
$$;

CREATE FUNCTION mcpgate_put_kek(p_id text, p_url text, p_mac_key bytea, p_mac bytea, p_created_at bigint) RETURNS void
	LANGUAGE sql SECURITY DEFINER AS $$
	INSERT INTO keks (id, url, mac_key, mac, created_at) VALUES (p_id, p_url, p_mac_key, p_mac, p_created_at)
	ON CONFLICT (id) DO UPDATE SET url = excluded.url, mac = excluded.mac,
		mac_key = COALESCE(keks.mac_key, excluded.mac_key)
$$;

DO $$
DECLARE
	f text;
BEGIN
	FOREACH f IN ARRAY ARRAY['mcpgate_keks()', 'mcpgate_put_kek(text, text, bytea, bytea, bigint)'] LOOP
		EXECUTE format('ALTER FUNCTION %s SET search_path = %I, pg_temp', f, current_schema());
		EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
		EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO mcpgate_app', f);
	END LOOP;
END
$$;
