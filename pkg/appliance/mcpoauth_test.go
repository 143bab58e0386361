package appliance_test

import (
	"testing"

	"github.com/mcpgate/mcpgate/pkg/appliance"
	"github.com/mcpgate/mcpgate/pkg/config"
)

func TestServePublishesClientMetadataOnlyAtAnHTTPSPublicURL(t *testing.T) {
	for _, tc := range []struct {
		public string
		want   bool
	}{{"https://gate.example", true}, {"http://127.0.0.1:8443", false}, {"", false}} {
		a := &appliance.App{Config: &config.Config{PublicURL: tc.public}}
		path, h, ok := a.ClientMetadataRoute()
		if ok != tc.want || (ok && (path != "/oauth/client-metadata.json" || h == nil)) {
			t.Errorf("public_url %q: route %q, ok %v; want ok %v", tc.public, path, ok, tc.want)
		}
	}
}
