-- Version 13: the connections a person chose at consent, for the grant's
-- key (a JSON array of connection names; '[]' for all of them).
ALTER TABLE oauth_requests ADD COLUMN scope TEXT NOT NULL DEFAULT '[]';
