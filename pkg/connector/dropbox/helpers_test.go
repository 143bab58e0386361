package dropbox_test

import (
	"testing"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/connectortest"
	"github.com/mcpgate/mcpgate/pkg/connector/dropbox/dropboxfake"
)

// canary is a recognisable token: no text a tool returns may contain it.
const canary = "sl.CANARY-0123456789-abcdefghijklmnopqrstuvwxyz"

// suite runs the checks every connector shares; its Call checks every
// result and error for the canary.
var suite = connectortest.Suite[*dropboxfake.Server]{
	Name:      "dropbox",
	Canary:    canary,
	NewFake:   func(tb testing.TB) (*dropboxfake.Server, connector.Upstream) { return newFake(tb) },
	ValidArgs: validArgs,
}

// newFake starts a fake that accepts canary and an Upstream aimed at it.
func newFake(t testing.TB, opts ...dropboxfake.Option) (*dropboxfake.Server, connector.Upstream) {
	t.Helper()
	fake := dropboxfake.New(canary, opts...)
	t.Cleanup(fake.Close)
	return fake, connectortest.Upstream(fake.URL, canary)
}

// validArgs has arguments each tool accepts against the seeded fake.
var validArgs = map[string]string{
	"list_folder":        `{"path":"/Documents"}`,
	"search":             `{"query":"notes"}`,
	"read_file":          `{"path":"/Documents/notes.txt"}`,
	"upload_text":        `{"path":"/Documents/new.txt","text":"hello"}`,
	"create_shared_link": `{"path":"/Documents/notes.txt"}`,
}
