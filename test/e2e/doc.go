// Package e2e tests mcpgate end to end: a real gateway on loopback, a fake
// GitHub API on loopback, real MCP clients, and canary secrets that must
// appear nowhere but in the requests to their own upstream.
package e2e
