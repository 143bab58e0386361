// Package slackfake is an in-memory Slack Web API and OAuth v2 server on
// loopback for tests.
//
// It answers the methods the slack connector uses — auth.test, auth.revoke,
// conversations.list/history/replies, chat.postMessage, users.list/info/
// lookupByEmail — with the real API's shapes: HTTP 200 with {"ok":true,…}
// or {"ok":false,"error":"<code>"} (invalid_auth, not_authed,
// token_revoked, token_expired, missing_scope with needed/provided,
// channel_not_found, not_in_channel, is_archived, thread_not_found,
// user_not_found, users_not_found, invalid_cursor…), cursor pagination in
// response_metadata.next_cursor, HTTP 429 with Retry-After for ratelimited,
// and HTTP 404 unknown_method; conversations.list refuses a limit of 1000
// or more (invalid_limit), and WithNonMarketplaceLimits applies the limits
// on history and replies that non-Marketplace apps have had since
// 2025-05-29 (15 messages a call, one call a minute). Read methods take GET query or POST form
// parameters; chat.postMessage also takes JSON (and warns missing_charset
// when the JSON Content-Type has no charset, as Slack does). The token goes
// in "Authorization: Bearer" (or a token form parameter); scopes are
// enforced per method, and emails are only shown with users:read.email.
//
// OAuth v2: GET /oauth/v2/authorize approves at once (or, after
// DenyConsent, redirects with error=access_denied) and redirects to
// redirect_uri with code and state; MintCode does the same without a
// browser. POST /api/oauth.v2.access checks client authentication (HTTP
// Basic or client_id/client_secret parameters), the code (single use, ten
// minutes), redirect_uri and the PKCE code_verifier when the code was
// minted with a challenge, and answers like Slack: HTTP 200 with
// {"ok":false,"error":"invalid_code"} and friends on failure. With
// WithTokenRotation the access token expires and a refresh_token comes
// with it; grant_type=refresh_token mints a new pair.
//
// Seed data: workspace "Acme Corp" (T0ACME); the bot user "mcpgate"
// (U0BOT); people alice (U01ALICE, owner), bob (U02BOB), carol (U03CAROL,
// deactivated); channels #general (C01GENERAL, with a two-reply thread),
// #random, private #secret-plans, archived #old-news, #announcements
// (the bot is not a member) and a private channel the bot cannot see.
//
// Knobs (FailNext, with a fakekit.Failure) make the next responses hang,
// return garbage, fail with 500, hit the rate limit or echo the caller's
// token in an error message.
package slackfake
