// Package audit records every tool call: the record's hash chain, argument
// redaction, and a durable writer that commits records in groups so that a
// call's record is on disk before its result is returned, without one disk
// sync per call.
package audit
