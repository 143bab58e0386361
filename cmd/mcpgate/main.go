// Command mcpgate is a self-hosted MCP gateway that keeps upstream
// credentials in its own vault. See README.md.
package main

import (
	"os"

	// The store and key provider drivers this binary ships with, opened
	// by URL (database.url, key_provider).
	_ "github.com/mcpgate/mcpgate/pkg/keyprovider/awskms"
	_ "github.com/mcpgate/mcpgate/pkg/keyprovider/gcpkms"
	_ "github.com/mcpgate/mcpgate/pkg/keyprovider/local"
	_ "github.com/mcpgate/mcpgate/pkg/store/postgres"
	_ "github.com/mcpgate/mcpgate/pkg/store/sqlite"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
