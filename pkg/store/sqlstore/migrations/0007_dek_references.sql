-- Version 7: a sealed row refers to the DEK version that sealed it. Each
-- driver's 0007 file adds the foreign keys (connections, oauth_states) ->
-- deks (user_id, version), so that a version cannot be deleted while a
-- row is sealed under it, and a row cannot be written naming a version
-- that is gone (a process whose cached current version was rotated away
-- is told so and seals again); rows that already name a deleted version
-- are repaired there first, and deks is made to move the generation, so
-- other processes learn of a new version before they seal. These indexes
-- keep the check made when a DEK version is deleted cheap.
CREATE INDEX connections_dek ON connections (user_id, dek_version);
CREATE INDEX oauth_states_dek ON oauth_states (user_id, dek_version);
