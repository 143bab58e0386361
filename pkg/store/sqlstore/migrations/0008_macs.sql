-- Version 8: the database is not trusted with key material. A KEK entry
-- carries the registry's MAC key wrapped by that KEK and a MAC over its id
-- and URL; a DEK row carries a MAC over its user, version, KEK id and
-- wrapped bytes. Rows written before stay NULL and are judged by the
-- vault (see pkg/vault/registry.go).
ALTER TABLE keks ADD COLUMN mac_key {{.Blob}};
ALTER TABLE keks ADD COLUMN mac {{.Blob}};
ALTER TABLE deks ADD COLUMN mac {{.Blob}};
