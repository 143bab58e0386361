// Package githubfake is an in-memory GitHub REST API on loopback for tests.
//
// It answers the endpoints the github connector uses with the JSON shapes,
// status codes and headers of the real API (api.github.com, versions
// 2022-11-28 and 2026-03-10), so tests exercise the connector's real decoding and error
// paths: authentication with a bearer or "token" header, 401 Bad
// credentials, 404 Not Found documents, 422 Validation Failed, pagination
// Link headers, rate limit headers, base64 file contents wrapped at 60
// columns (a file over 1 MB: content "" and encoding "none", its bytes
// under the raw media type), and search results shaped {total_count,
// incomplete_results, items}; a code search of qualifiers alone, and an
// issue search without is:issue or is:pull-request by a GitHub App user
// token (ghu_), get 422. Created issues and comments are kept in memory;
// AddFile adds a file.
//
// Seed data: the user "octocat" owns "hello-world" (public; issues #1 open
// bug, #2 a pull request, #3 closed; pull #2; files README.md, docs/guide.md,
// logo.png) and "secret-plans" (private, no issues).
//
// Knobs (FailNext) make the next responses hang, return garbage, fail with
// 500, hit the rate limit or echo the caller's token in an error message.
package githubfake
