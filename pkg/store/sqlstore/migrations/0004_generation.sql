-- Version 4: a counter that moves forward with every change to the rows a
-- running gateway keeps in memory (users, connections, API keys other than
-- their last use, policies), in the same transaction as the change. Each
-- engine's triggers move it (see the drivers' 0004 files). A gateway reads
-- it once per request and reads those rows again only when it has moved,
-- so a change made from the CLI still applies on the next request.
CREATE TABLE generation (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	n  {{.BigInt}} NOT NULL
){{.Options}};
INSERT INTO generation (id, n) VALUES (1, 1);
