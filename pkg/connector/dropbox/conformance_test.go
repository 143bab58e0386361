package dropbox_test

import (
	"strings"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/connector/connectortest"
)

// dropboxReads are the API v2 endpoints that change nothing. Dropbox takes
// every call by POST, so a write is any other endpoint.
var dropboxReads = map[string]bool{
	"files/download": true, "files/get_metadata": true, "files/list_folder": true, "files/list_folder/continue": true,
	"files/search_v2": true, "files/search/continue_v2": true, "sharing/list_shared_links": true,
	"users/get_current_account": true,
}

// TestConformance runs the checks every connector must pass.
func TestConformance(t *testing.T) {
	s := suite
	s.Mutating = func(e connectortest.Exchange) bool {
		return !dropboxReads[strings.TrimPrefix(e.URL.Path, "/2/")]
	}
	connectortest.Run(t, s, connectortest.Options{})
}
