-- Version 16, PostgreSQL only: serve learns the generation by LISTEN
-- instead of reading it on every request, and a change waits until every
-- serve has taken it (see watch.go).
--
-- Whatever moves the generation notifies the channel mcpgate_generation,
-- in the same transaction, so at its commit. The function stays SECURITY
-- DEFINER with its search_path pinned (version 6).
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

-- One row per serve process that answers from the generation it learnt
-- by LISTEN: the generation it has taken, and until when it may go on
-- trusting it without hearing from the database (its lease). A writer
-- waits, after its commit, until every row whose lease has not run out
-- has taken the generation the commit made. The rows hold no user's data.
CREATE TABLE generation_watchers (
	id          TEXT PRIMARY KEY,
	seen        BIGINT NOT NULL,
	lease_until TIMESTAMPTZ NOT NULL
);
GRANT SELECT, INSERT, UPDATE, DELETE ON generation_watchers TO mcpgate_app, mcpgate_admin;
