// Package tlstest checks how `mcpgate serve` terminates TLS, end to end: a
// certificate obtained over ACME from Pebble (the ACME test CA) and reused
// across restarts, certificate files reloaded when they change, TLS 1.3 as
// the minimum in both modes, and the rules that keep tls.mode off on
// loopback or behind a proxy.
//
// The ACME test needs pebble and pebble-challtestsrv; `make test-tools`
// installs them.
package tlstest
