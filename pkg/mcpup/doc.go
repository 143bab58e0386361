// Package mcpup reaches the MCP servers a user connects to mcpgate: a
// remote one over Streamable HTTP (or the older HTTP+SSE transport) with a
// header sealed in the vault, or a local one run as a child process over
// stdio with a clean environment, resource limits and its stderr scrubbed
// into the log. A Pool keeps one session per connection, started on first
// use, shared by concurrent calls, restarted with backoff when it dies and
// closed when idle.
//
// It also pins tool definitions: each tool's name, description, input
// schema and annotations are hashed when the user approves them, and a
// tool the server adds or changes later is withheld until approved again.
package mcpup
