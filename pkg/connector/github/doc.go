// Package github is the GitHub connector: a connector.Provider named
// "github" whose tools read repositories, issues, pull requests, files and
// search results, and open issues and comments, through the GitHub REST API
// (github.com or a GitHub Enterprise Server base URL such as
// https://ghe.example.com/api/v3).
//
// It speaks plain net/http with typed structs so that what it sends and
// accepts is visible in this package, not hidden in a client library. Every
// text it hands back — a result or an error — has the connection's token
// removed first, because GitHub sometimes echoes what it was sent.
//
// Importing the package registers the provider.
package github
