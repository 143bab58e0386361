// Package oauth connects upstream accounts with the OAuth 2.0
// authorization-code flow with PKCE (S256), and keeps their tokens fresh:
// it refreshes before expiry and after a 401, persists the new token
// (sealed) before using it, and lets one refresh per connection run at a
// time. A refresh that fails for good marks the connection as needing
// re-authorization.
//
// A pending authorization is stored under the SHA-256 of its state, with
// its PKCE verifier sealed by the vault; it is bound to the user, used
// once, and expires after ten minutes.
package oauth
