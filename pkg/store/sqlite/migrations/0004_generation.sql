-- Version 4, SQLite only: the triggers that move the generation (see the
-- shared 0004_generation.sql). A key's last use does not move it.
CREATE TRIGGER users_insert_generation AFTER INSERT ON users
BEGIN UPDATE generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER users_update_generation AFTER UPDATE ON users
BEGIN UPDATE generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER users_delete_generation AFTER DELETE ON users
BEGIN UPDATE generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER connections_insert_generation AFTER INSERT ON connections
BEGIN UPDATE generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER connections_update_generation AFTER UPDATE ON connections
BEGIN UPDATE generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER connections_delete_generation AFTER DELETE ON connections
BEGIN UPDATE generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER api_keys_insert_generation AFTER INSERT ON api_keys
BEGIN UPDATE generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER api_keys_update_generation AFTER UPDATE OF user_id, name, hash, scope, revoked_at ON api_keys
BEGIN UPDATE generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER api_keys_delete_generation AFTER DELETE ON api_keys
BEGIN UPDATE generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER policies_insert_generation AFTER INSERT ON policies
BEGIN UPDATE generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER policies_update_generation AFTER UPDATE ON policies
BEGIN UPDATE generation SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER policies_delete_generation AFTER DELETE ON policies
BEGIN UPDATE generation SET n = n + 1 WHERE id = 1; END;
