-- Version 2, PostgreSQL only: key deks by (user_id, version), in place, so
-- its policies and grants stay; put the new per-user tables under the same
-- Row-Level Security as version 1's (see 0001_security.sql).
ALTER TABLE deks DROP CONSTRAINT deks_pkey;
ALTER TABLE deks ADD PRIMARY KEY (user_id, version);

DO $$
DECLARE
	t text;
BEGIN
	FOREACH t IN ARRAY ARRAY['rate_counters', 'audit_anchors'] LOOP
		EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
		EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
		EXECUTE format($p$CREATE POLICY user_rows ON %I
			USING (user_id = current_setting('mcpgate.user_id', true))
			WITH CHECK (user_id = current_setting('mcpgate.user_id', true))$p$, t);
		EXECUTE format($p$CREATE POLICY privileged_rows ON %I
			USING (current_setting('mcpgate.privileged', true) = 'on')
			WITH CHECK (current_setting('mcpgate.privileged', true) = 'on')$p$, t);
	END LOOP;
END
$$;
GRANT SELECT, INSERT, UPDATE, DELETE ON rate_counters, audit_anchors TO mcpgate_app;

-- Version 1 had one DEK per user, and a pending authorization's verifier
-- was sealed under it. The tables' owner is under RLS too (FORCE), so the
-- backfill runs with the privileged setting, for this transaction only.
SELECT set_config('mcpgate.privileged', 'on', true);
UPDATE oauth_states SET dek_version = COALESCE(
	(SELECT MAX(version) FROM deks WHERE deks.user_id = oauth_states.user_id), 0);
SELECT set_config('mcpgate.privileged', '', true);
