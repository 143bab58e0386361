// Package audit records every tool call: the record's keyed hash chain,
// argument redaction, and a durable writer that commits records in groups so
// that a call's record is on disk before its result is returned, without one
// disk sync per call.
//
// Each user's records are chained by HMAC-SHA-256 under the user's audit key,
// which the vault keeps sealed under the user's DEK (Keys), so that someone
// who can write the database but does not hold the KEK cannot rewrite a
// record and recompute the chain. Records carry their chain format; records
// of the older unkeyed format are verified and re-chained under the key once,
// after which that format is refused. Signed checkpoints of each chain's head
// (Ed25519, the private key sealed the same way), kept outside the database,
// let Verify detect the newest records deleted, which no chain can show by
// itself.
package audit
