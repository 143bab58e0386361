// Package snapshot is the gateway's read cache: keys, connections and
// policies are read once per store generation, and each request reads
// only the generation.
//
// Every change to those rows moves the store's generation in the
// change's own transaction (see store.Store.Generation), so a request
// that reads the generation first, and the rows through the Snapshot for
// that generation, never sees rows older than the last change committed
// before it began: a key revoked, a policy set or a connection removed
// from the CLI applies on the next request, as if every row were read
// again, for the price of one small read (on PostgreSQL, none while the
// driver's generation watch holds its lease: see its watch.go).
package snapshot
