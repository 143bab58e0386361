// Package connector is the registry of upstream providers (GitHub, ...) and
// the contract each one implements: its auth kind, its tools and how to
// call them with a credential the gateway hands it for one call.
//
// A call's arguments take one path, Prepare: a strict parse (duplicate keys
// refused at any depth), validation against the tool's input schema (unknown
// names, names differing only in case, wrong types refused), then the tool's
// own decoding and normalisation into one canonical value. The guard, the
// audit log and the upstream request all read that value, never the raw
// JSON.
package connector
