// Package gateway is the MCP server: it authenticates an app key, lists
// the tools of the key's connections, and runs each call through the
// guard, the vault, the connector and the audit log, in that order.
//
// A tool call goes through one layer per concern:
//
//	auth      authenticate (auth.go): the bearer key, verified
//	snapshot  lookupKey (gateway.go): the request's pkg/snapshot view of
//	          keys, connections and policies at the store's generation
//	validate  connector.Prepare (call.go): the arguments, parsed once
//	guard     Gateway.call: the key's effective policy
//	call      callUpstream: the credential and the upstream
//	audit     toolHandler: one record per call, before any result
//
// What a request carries from one layer to the next (its identity, its
// snapshot, its server and connections) is one struct in its context
// (context.go).
package gateway
