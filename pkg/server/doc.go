// Package server runs mcpgate's HTTP listeners: the gateway listener
// (/mcp, /oauth/callback, /healthz, /readyz) with TLS by certmagic or from
// files, the ACME/redirect listener, and the admin listener (/metrics) on
// loopback. It checks Host and Origin, bounds bodies and time, and shuts
// down gracefully, finishing in-flight calls.
package server
