package google_test

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/connector/connectortest"
)

// real runs the tools against Gmail and Drive when
// MCPGATE_TEST_GOOGLE_TOKEN holds an OAuth access token with the
// connector's scopes; MCPGATE_TEST_GOOGLE_WRITE=1 adds a draft to the
// account itself and a text file in MCPGATE_TEST_GOOGLE_FOLDER (a folder id,
// or My Drive when unset). gmail_send is not run: it would send mail.
var real = connectortest.Real{Provider: "google", TokenEnv: "MCPGATE_TEST_GOOGLE_TOKEN", WriteEnv: "MCPGATE_TEST_GOOGLE_WRITE"}

func TestRealGoogleReads(t *testing.T) {
	up := real.Upstream(t)
	real.Identify(t, up)
	real.Call(t, up, "gmail_list_labels", `{}`)
	real.Call(t, up, "gmail_search", `{"q":"newer_than:30d","max_results":3}`)
	real.Call(t, up, "drive_search", `{"q":"mcpgate"}`)
}

func TestRealGoogleWrites(t *testing.T) {
	up := real.Upstream(t)
	real.Writes(t)
	me := real.Identify(t, up)
	stamp := time.Now().UTC().Format(time.RFC3339)
	real.Call(t, up, "gmail_create_draft", fmt.Sprintf(`{"to":[%q],"subject":"mcpgate real-service test %s","body":"A draft from mcpgate's tests; delete it."}`, me, stamp))
	parent := ""
	if f := os.Getenv("MCPGATE_TEST_GOOGLE_FOLDER"); f != "" {
		parent = fmt.Sprintf(`,"parent_id":%q`, f)
	}
	real.Call(t, up, "drive_create_text", fmt.Sprintf(`{"name":"mcpgate-test-%s.txt","content":"written by mcpgate's tests"%s}`, stamp, parent))
}
