// Package authserver makes mcpgate the OAuth 2.1 authorization server and
// resource server for its own MCP endpoints, so clients that connect only
// through OAuth (Claude.ai, ChatGPT) can use it: the discovery documents
// (RFC 9728 protected resource metadata, RFC 8414 authorization server
// metadata), the authorization and token endpoints, and the resource
// (audience) each token is bound to.
//
// A person signs in either by `mcpgate oauth approve CODE` or with a
// passkey (WebAuthn, relying party public_url) enrolled through a one-time
// link; a passkey sign-in starts a server-side browser session, which
// SignedInUser reports to other pages. SignInURL links another page (an
// approval page) to the passkey sign-in, which then goes back to it.
//
// Everything here is off unless oauth_server.enabled is set; mgw_ keys
// work the same either way.
package authserver
