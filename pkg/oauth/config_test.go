package oauth_test

import (
	"slices"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/config"
	"github.com/mcpgate/mcpgate/pkg/connector"
	_ "github.com/mcpgate/mcpgate/pkg/connector/github"
	"github.com/mcpgate/mcpgate/pkg/connector/google"
	_ "github.com/mcpgate/mcpgate/pkg/connector/slack"
	"github.com/mcpgate/mcpgate/pkg/oauth"
)

// The providers config lets set revoke_url for are exactly those with a
// revocation endpoint of their own.
func TestRevokeURLProvidersMatchTheConnectors(t *testing.T) {
	for _, name := range config.Providers {
		p, err := connector.Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		has := false
		if op, ok := p.(connector.OAuthProvider); ok {
			has = op.OAuth().RevokeURL != ""
		}
		if got := slices.Contains(config.RevokeURLProviders, name); got != has {
			t.Errorf("%s: in config.RevokeURLProviders = %v, has a revocation endpoint = %v", name, got, has)
		}
	}
}

func TestClientRevokeURLFromConfigElseTheProvidersOwn(t *testing.T) {
	tests := []struct {
		name, configured, want string
	}{
		{"configured", "http://127.0.0.1:9/revoke", "http://127.0.0.1:9/revoke"},
		{"default", "", google.RevokeURL},
	}
	for _, tt := range tests {
		cfg := &config.Config{Connectors: map[string]config.Connector{"google": {ClientID: "id", RevokeURL: tt.configured}}}
		c, err := oauth.Client(cfg, "google")
		if err != nil {
			t.Fatal(err)
		}
		if c.RevokeURL != tt.want {
			t.Errorf("%s: RevokeURL = %q, want %q", tt.name, c.RevokeURL, tt.want)
		}
	}
}
