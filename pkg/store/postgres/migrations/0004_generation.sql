-- Version 4, PostgreSQL only: the triggers that move the generation (see
-- the shared 0004_generation.sql), once per statement. A key's last use
-- does not move it. The table holds no user's rows, so it has no RLS; the
-- app role may read it and move it forward (the triggers run as that role).
CREATE FUNCTION mcpgate_next_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE generation SET n = n + 1 WHERE id = 1;
	RETURN NULL;
END
$$;
CREATE TRIGGER users_generation AFTER INSERT OR UPDATE OR DELETE ON users
	FOR EACH STATEMENT EXECUTE FUNCTION mcpgate_next_generation();
CREATE TRIGGER connections_generation AFTER INSERT OR UPDATE OR DELETE ON connections
	FOR EACH STATEMENT EXECUTE FUNCTION mcpgate_next_generation();
CREATE TRIGGER api_keys_generation AFTER INSERT OR UPDATE OF user_id, name, hash, scope, revoked_at OR DELETE ON api_keys
	FOR EACH STATEMENT EXECUTE FUNCTION mcpgate_next_generation();
CREATE TRIGGER policies_generation AFTER INSERT OR UPDATE OR DELETE ON policies
	FOR EACH STATEMENT EXECUTE FUNCTION mcpgate_next_generation();
GRANT SELECT, UPDATE ON generation TO mcpgate_app;
