package google_test

import (
	"testing"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/connectortest"
	"github.com/mcpgate/mcpgate/pkg/connector/google/googlefake"
	"github.com/mcpgate/mcpgate/pkg/secret"
)

// canary is a recognisable access token: no text a tool returns may
// contain it.
const canary = "ya29.CANARY-0123456789abcdefghijklmnopqrstuvwxyz"

// suite runs the checks every connector shares; its Call checks every
// result and error for the canary.
var suite = connectortest.Suite[*googlefake.Server]{
	Name:      "google",
	Canary:    canary,
	NewFake:   func(tb testing.TB) (*googlefake.Server, connector.Upstream) { return newFake(tb) },
	ValidArgs: validArgs,
}

// newFake starts a fake that accepts canary and an Upstream aimed at it.
func newFake(t testing.TB, opts ...googlefake.Option) (*googlefake.Server, connector.Upstream) {
	t.Helper()
	fake := googlefake.New(canary, opts...)
	t.Cleanup(fake.Close)
	return fake, connectortest.Upstream(fake.URL, canary)
}

// validArgs has arguments each tool accepts against the seeded fake.
var validArgs = map[string]string{
	"gmail_search":       `{"q":"meeting"}`,
	"gmail_read":         `{"id":"` + googlefake.MsgAlternative + `"}`,
	"gmail_list_labels":  `{}`,
	"gmail_create_draft": `{"to":["bob@example.com"],"subject":"Hi","body":"Hello"}`,
	"gmail_send":         `{"to":["bob@example.com"],"subject":"Hi","body":"Hello"}`,
	"drive_search":       `{"q":"plan"}`,
	"drive_get":          `{"file_id":"` + googlefake.DocPlan + `"}`,
	"drive_read":         `{"file_id":"` + googlefake.TextNotes + `"}`,
	"drive_create_text":  `{"name":"n.txt","content":"hello"}`,
}

func zeroSecret() secret.Value { return secret.Value{} }
