// Package mcpauth finds out how to get a token for an OAuth-protected MCP
// server and registers mcpgate with its authorization server.
//
// Discovery starts from the server's 401: its WWW-Authenticate header
// names the protected resource metadata (RFC 9728), else the well-known
// URLs are tried (path-suffixed, then root). The metadata must name the
// server as its resource. Its authorization server's metadata is read by
// RFC 8414 (path insertion), then OpenID Connect discovery, and must name
// the same issuer. Every URL must be https; plain http is allowed only for
// loopback addresses and only when the caller asks for it (tests).
//
// Registration tries, in order: a pre-registered client the person named,
// a Client ID Metadata Document (the URL of mcpgate's own client metadata
// is the client_id), Dynamic Client Registration (RFC 7591).
//
// The package makes HTTP requests and nothing else: the authorization
// itself runs through package oauth's browser flow.
package mcpauth
