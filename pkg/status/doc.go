// Package status answers "is it working?" for `mcpgate status`: it probes
// a running serve, reads the TLS certificate, the key provider, the vault,
// every user's connections, keys and audit chain, and the data dir's free
// space, and lists what needs a person's attention. It reports; it changes
// nothing an operator would notice (verifying a chain still in the legacy
// format re-chains it, as `audit verify` does).
package status
