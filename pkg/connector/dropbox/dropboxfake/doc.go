// Package dropboxfake is an in-memory Dropbox API v2 and OAuth 2 server on
// loopback for tests.
//
// One listener serves what Dropbox splits over hosts: the RPC routes
// (files/list_folder[/continue], files/search_v2,
// sharing/create_shared_link_with_settings, sharing/list_shared_links,
// users/get_current_account, auth/token/revoke) and the content routes
// (files/download, files/upload) under /2, and /oauth2/authorize and
// /oauth2/token. The dropbox connector uses Server.URL for both, as it does
// for any base URL that is not api.dropboxapi.com.
//
// It answers with the real API's shapes and checks what the real API
// checks: POST only; "Authorization: Bearer" (a missing or malformed header
// is a plain-text 400 that quotes the header back, as Dropbox's does); 401
// {"error_summary":"invalid_access_token/..","error":{".tag":…}} for an
// unknown or revoked token and expired_access_token for an expired one;
// 401 missing_scope with required_scope per route; RPC bodies as JSON with
// Content-Type application/json (a route without arguments takes "null",
// or no body and no Content-Type); content-route arguments in the
// Dropbox-API-Arg header as ASCII-only JSON, results in Dropbox-API-Result
// likewise; path validation ("" is the root, "/" is refused) as plain-text
// 400s; route errors as 409 with error_summary and the error union
// (path/not_found, path/not_folder, path/not_file, unsupported_file,
// path/conflict/file with autorename, path/conflict/file_ancestor under a
// file, shared_link_already_exists with the existing link's metadata);
// cursors for list_folder/continue.
//
// OAuth: the authorize step approves at once (or, after DenyConsent,
// redirects with error=access_denied) and redirects to redirect_uri with
// code and state; MintCode does the same without a browser. /oauth2/token
// checks client authentication (HTTP Basic or parameters; a PKCE exchange
// may send client_id alone), that the code is unused and under ten minutes
// old, the redirect_uri, and the code_verifier against the challenge
// (S256 or plain), and answers RFC 6749 errors such as
// {"error":"invalid_grant","error_description":"…"} with HTTP 400. With
// token_access_type=offline a refresh_token comes too; grant_type
// refresh_token mints a new short-lived access token (four hours unless
// WithAccessTokenTTL). Revoking a token ends its whole grant.
//
// Seed data (account alice@example.com): /Documents/notes.txt,
// /Documents/Plan 2024.md, /Documents/Reports/q1.csv,
// /Documents/Design.paper (not downloadable), /Photos/cat.jpg (binary, with
// a shared link), /Résumé.txt, /logs/big.log (256,000 bytes of text) and
// the empty folder /Empty.
//
// Knobs (FailNext, with a fakekit.Failure) make the next responses hang,
// return garbage, fail with 500, hit the rate limit or echo the caller's
// token in an error message.
package dropboxfake
