// Package appliance wires mcpgate's parts for one process: it opens the
// store, the key provider and the vault from a Config, and holds the
// operations the CLI offers (init, users, connections, keys) so that the
// commands only parse, call and print.
package appliance
