// Package dropbox is the Dropbox connector: a connector.Provider named
// "dropbox" whose tools list folders, search, read text files, upload text
// files and create shared links through the Dropbox API v2.
//
// Dropbox serves the API on two hosts: RPC routes (list_folder, search_v2,
// sharing, users) on https://api.dropboxapi.com/2 with a JSON body, and
// content routes (files/download, files/upload) on
// https://content.dropboxapi.com/2 with their argument in the
// Dropbox-API-Arg header as ASCII-only JSON. The connection has one base
// URL (Upstream.BaseURL, the API base); ContentURL derives the content base
// from it by swapping the host api.dropboxapi.com for
// content.dropboxapi.com. Any other base URL — a loopback fake, or a proxy
// that serves both — is used for both kinds of route.
//
// Errors follow the API's shapes: 409 {"error_summary":"path/not_found/..",
// "error":{...}} becomes a sentence per case, 401 invalid_access_token or
// expired_access_token becomes connector.ErrUnauthorized, 429 names the
// Retry-After wait, and a plain-text 400 is quoted (with any credential
// removed). The credential is the bare access token (a short-lived OAuth
// token or a generated one); the gateway refreshes OAuth tokens before the
// call. Every result and error has the token removed first.
//
// Importing the package registers the provider.
package dropbox
