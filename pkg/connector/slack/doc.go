// Package slack is the Slack connector: a connector.Provider named "slack"
// whose tools list channels, read a channel's history and threads, post
// messages and thread replies, and look up users through the Slack Web API
// (https://slack.com/api/<method>).
//
// It speaks plain net/http with typed structs. Slack answers most errors
// with HTTP 200 and {"ok":false,"error":"<code>"}; this package turns each
// code into a sentence a person can act on, and maps the token errors
// (invalid_auth, not_authed, token_revoked, token_expired, account_inactive)
// to connector.ErrUnauthorized so the gateway can refresh or ask for a
// reconnection. Every result and error has the token removed first.
//
// The credential is the bare access token: a bot token (xoxb-…) pasted with
// `connect add slack --token-stdin`, or the token the OAuth v2 flow
// obtained (AuthURL, TokenURL, DefaultScopes; TokenTransport makes Slack's
// token answers read as standard OAuth 2 ones). Importing the package
// registers the provider.
package slack
