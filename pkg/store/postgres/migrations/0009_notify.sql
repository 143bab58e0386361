-- Version 9, PostgreSQL only: whatever moves the generation also notifies
-- the channel mcpgate_generation, in the same transaction (so at its
-- commit), for serve to learn of a change without reading the generation
-- on every request (see watch.go). The function stays SECURITY DEFINER,
-- with no EXECUTE for the app role: the triggers alone move the counter.
CREATE OR REPLACE FUNCTION mcpgate_next_generation() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
	UPDATE generation SET n = n + 1 WHERE id = 1;
	PERFORM pg_notify('mcpgate_generation', '');
	RETURN NULL;
END
$$;
DO $$
BEGIN
	EXECUTE format('ALTER FUNCTION mcpgate_next_generation() SET search_path = %I, pg_temp', current_schema());
END
$$;
