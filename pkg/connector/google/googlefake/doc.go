// Package googlefake is an in-memory Google on loopback for tests: the
// Gmail API v1 and Drive API v3 endpoints the google connector uses, and
// Google's OAuth 2.0 authorization server, all on one httptest server, so a
// connector whose base URL is the fake's URL reaches /gmail/v1/...,
// /drive/v3/... and /upload/drive/v3/... there, and an OAuth flow whose
// endpoints are AuthURL(), TokenURL() and RevokeURL() reaches the rest.
//
// It answers with the shapes of Google's API reference: Google's error
// document {"error":{"code","message","errors":[{"reason"}],"status"}},
// 401 for a missing, unknown, expired or revoked access token, 403
// insufficientPermissions (with WWW-Authenticate error="insufficient_scope")
// when the token lacks every scope an endpoint accepts, messages.list
// {messages:[{id,threadId}],resultSizeEstimate,nextPageToken}, messages.get
// format=full|metadata|minimal|raw with base64url part bodies parsed from a
// real RFC 5322 message, drafts.create and messages.send keeping the raw
// message they were given, Drive's partial responses (the fields
// parameter), its query language (q), files.export, alt=media, and
// multipart/related uploads (into a folder the app created, for a token
// with drive.file alone). A query parameter the method does not take gets
// 400, as Google answers; QueryParams lists what each route takes. The OAuth endpoints check the client (secret
// in the body or HTTP Basic), the exact redirect URI, single-use codes,
// PKCE (S256 or plain), and answer {"error":"invalid_grant",...} the way
// Google does. No id_token is issued.
//
// Seed data: the account ada@example.com ("Ada Lovelace") has four
// messages (a multipart/alternative one, an HTML-only newsletter, one with
// a non-ASCII subject, sender and ISO-8859-1 body and a PDF attachment, and
// a sent one), system labels plus "Recruiting" and "Receipts/2024"; and a
// Drive with a folder, a Google Doc, a Google Sheet, a form, a text file
// named "Bob's notes.txt", a JSON file, a PNG and a trashed text file. The
// ids are exported as constants.
//
// Knobs: FailNext (with a fakekit.Failure) makes the next responses hang,
// return garbage, fail with 500, hit a rate limit or echo the caller's
// token; ExpireAccessTokens makes every access token issued so far answer
// 401, so that a refresh can be tested; SetTokenLifetime sets expires_in of
// new tokens; RevokeGrants makes every refresh answer invalid_grant;
// AddToken and WithScopes choose a token's scopes (a token with drive.file
// alone sees only the files it uploaded, as with Drive). For OAuth,
// RegisterClient registers a client and its redirect URIs, IssueCode stands
// for a person's approval (with the PKCE challenge the token endpoint will
// check), SetAutoApprove skips the consent page, and TokenRequests,
// Refreshes and Revoked count and report.
package googlefake
