// Package mcpproxy makes an approved tool of an MCP connection a
// connector.Tool: the input schema its arguments are validated against
// (closed at the top level, see Tool), the read-only mark its readOnlyHint
// gives, and the one decoding of its arguments. The gateway proxies calls
// of such tools through its pool of sessions; Remote runs them on its own
// against a remote server, so that the connector conformance suite checks
// an MCP connection as it checks a built-in provider.
package mcpproxy
