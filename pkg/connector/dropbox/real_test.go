package dropbox_test

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/connector/connectortest"
)

// real runs the tools against Dropbox when MCPGATE_TEST_DROPBOX_TOKEN holds
// an access token with the connector's scopes; MCPGATE_TEST_DROPBOX_WRITE=1
// adds an upload and a shared link in MCPGATE_TEST_DROPBOX_FOLDER (default
// /mcpgate-test).
var real = connectortest.Real{Provider: "dropbox", TokenEnv: "MCPGATE_TEST_DROPBOX_TOKEN", WriteEnv: "MCPGATE_TEST_DROPBOX_WRITE"}

func TestRealDropboxReads(t *testing.T) {
	up := real.Upstream(t)
	real.Identify(t, up)
	real.Call(t, up, "list_folder", `{"path":"","limit":10}`)
	real.Call(t, up, "search", `{"query":"mcpgate","max_results":5}`)
}

func TestRealDropboxWrites(t *testing.T) {
	up := real.Upstream(t)
	real.Writes(t)
	dir := strings.TrimRight(os.Getenv("MCPGATE_TEST_DROPBOX_FOLDER"), "/")
	if dir == "" {
		dir = "/mcpgate-test"
	}
	path := fmt.Sprintf("%s/test-%d.txt", dir, time.Now().Unix())
	real.Call(t, up, "upload_text", fmt.Sprintf(`{"path":%q,"text":"written by mcpgate's tests"}`, path))
	real.Call(t, up, "read_file", fmt.Sprintf(`{"path":%q}`, path))
	real.Call(t, up, "create_shared_link", fmt.Sprintf(`{"path":%q}`, path))
	real.Call(t, up, "create_shared_link", fmt.Sprintf(`{"path":%q}`, path)) // exists: listed with sharing.read
	real.Call(t, up, "list_folder", fmt.Sprintf(`{"path":%q}`, dir))
}
