// Package connector is the registry of upstream providers (GitHub, ...) and
// the contract each one implements: its auth kind, its tools and how to
// call them with a credential the gateway hands it for one call.
package connector
