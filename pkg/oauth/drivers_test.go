package oauth_test

// The store and key provider drivers an appliance.App opens by URL; the
// mcpgate binary links the same ones (cmd/mcpgate/main.go).
import (
	_ "github.com/mcpgate/mcpgate/pkg/keyprovider/awskms"
	_ "github.com/mcpgate/mcpgate/pkg/keyprovider/gcpkms"
	_ "github.com/mcpgate/mcpgate/pkg/keyprovider/local"
	_ "github.com/mcpgate/mcpgate/pkg/store/postgres"
	_ "github.com/mcpgate/mcpgate/pkg/store/sqlite"
)
