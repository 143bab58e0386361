// Command mcpgate is a self-hosted MCP gateway that keeps upstream
// credentials in its own vault. See README.md.
package main

import (
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
