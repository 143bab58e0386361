// Package gateway is the MCP server: it authenticates an app key, lists
// the tools of the key's connections, and runs each call through the
// guard, the vault, the connector and the audit log, in that order.
package gateway
