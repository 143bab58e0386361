// Package google is the Google connector: one connector.Provider named
// "google" whose tools search and read Gmail, write drafts and send mail,
// and search, read and create files in Google Drive. One connection serves
// both APIs when it was granted both sets of scopes; the gateway exposes
// the tools as "<connection>_gmail_search", "<connection>_drive_read", ...
//
// It speaks plain net/http with typed structs, like the GitHub connector,
// rather than google.golang.org/api. The generated gmail/v1 and drive/v3
// packages are some 24,000 lines (and pull Google's transport, telemetry
// and gRPC settings into the binary) for the ten REST calls used here; and
// the tools need things the library makes roundabout: every response body
// read with a bound, no error value that carries Google's raw response
// headers and body around, one configurable base URL for both APIs (Gmail
// under /gmail/v1, Drive under /drive/v3 and /upload/drive/v3) that tests
// point at a loopback fake; by default Gmail is called at its own root,
// gmail.googleapis.com, and Drive at www.googleapis.com. The wire format the package speaks is checked against
// googlefake, which was written from Google's API reference.
//
// The credential is the bare OAuth access token; the gateway refreshes it
// before calling. Every text a tool hands back — a result or an error — has
// the token removed first, in case Google (or something in front of it)
// echoes it. Write tools are marked not read-only.
//
// The package also exports the OAuth metadata a connection needs (AuthURL,
// TokenURL, RevokeURL, DefaultScopes, AuthParams). Importing it registers
// the provider.
package google
