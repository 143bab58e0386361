package e2e

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/mcpup"
	"github.com/mcpgate/mcpgate/pkg/store"
)

// TestMCPRevisions: the go-sdk client negotiates the 2026-07-28 revision
// (server/discover, SEP-2575) on /mcp and /mcp/<connection> and calls
// tools there; clients of 2025-06-18 and 2025-11-25 still initialize and
// call as before.
func TestMCPRevisions(t *testing.T) {
	g := startGateway(t)
	ctx := context.Background()
	if _, _, err := g.App.AddMCPConnection(ctx, g.Owner, "fake", mcpup.Config{Command: goBinary(t, "github.com/mcpgate/mcpgate/test/mcpfake")}, mcpup.Secrets{}); err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"2026-07-28", "2025-11-25", "2025-06-18"} {
		for _, ep := range []struct{ url, tool string }{{g.URL, "fake_env_names"}, {g.endpoint("fake"), "env_names"}} {
			s := g.connectToVersion(t, ep.url, nil, v)
			if got := s.InitializeResult().ProtocolVersion; got != v {
				t.Errorf("%s asking for %s: negotiated %s", ep.url, v, got)
			}
			if toolNames(t, s)[ep.tool] == nil {
				t.Errorf("%s at %s: %s is not listed", ep.url, v, ep.tool)
			}
			if res := call(t, s, ep.tool, nil); res.IsError {
				t.Errorf("%s at %s: %s failed: %s", ep.url, v, ep.tool, text(res))
			}
		}
	}
	if !strings.Contains(g.Wire.String(), "2026-07-28") {
		t.Error("no answer on the wire names the 2026-07-28 revision")
	}
}

// TestMCPHeadersMustMatchTheBody: under the 2026-07-28 revision, a request
// whose Mcp-Method or Mcp-Name header differs from its body, or lacks
// them, is refused with 400 before anything is called or audited.
func TestMCPHeadersMustMatchTheBody(t *testing.T) {
	g := startGateway(t)
	if _, _, err := g.App.AddMCPConnection(context.Background(), g.Owner, "fake", mcpup.Config{Command: goBinary(t, "github.com/mcpgate/mcpgate/test/mcpfake")}, mcpup.Secrets{}); err != nil {
		t.Fatal(err)
	}
	const meta = `"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"raw","version":"1"},"io.modelcontextprotocol/clientCapabilities":{}}`
	ghCall := `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"github_list_issues","arguments":{"owner":"octocat","repo":"hello-world"},` + meta + `}}`
	fakeCall := `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"env_names","arguments":{},` + meta + `}}`
	send := func(url, body string, hdr map[string]string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("Authorization", "Bearer "+g.Key)
		req.Header.Set("Mcp-Protocol-Version", "2026-07-28")
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	cases := []struct {
		name, url, body string
		hdr             map[string]string
	}{
		{"a mismatched Mcp-Name on /mcp", g.URL, ghCall, map[string]string{"Mcp-Method": "tools/call", "Mcp-Name": "github_get_repo"}},
		{"a mismatched Mcp-Method on /mcp", g.URL, ghCall, map[string]string{"Mcp-Method": "tools/list", "Mcp-Name": "github_list_issues"}},
		{"no Mcp-Name on /mcp", g.URL, ghCall, map[string]string{"Mcp-Method": "tools/call"}},
		{"no Mcp-Method on /mcp", g.URL, ghCall, map[string]string{"Mcp-Name": "github_list_issues"}},
		{"a mismatched Mcp-Name on /mcp/fake", g.endpoint("fake"), fakeCall, map[string]string{"Mcp-Method": "tools/call", "Mcp-Name": "big"}},
	}
	for _, c := range cases {
		before := g.GH.Requests()
		code, body := send(c.url, c.body, c.hdr)
		if code != http.StatusBadRequest || !strings.Contains(body, "Mcp-") {
			t.Errorf("%s: %d %s, want 400 naming the header", c.name, code, body)
		}
		if g.GH.Requests() != before {
			t.Errorf("%s: the call reached GitHub", c.name)
		}
	}
	recs, err := g.App.Store.User(g.Owner.ID).ListAudit(context.Background(), store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 0 {
		t.Fatalf("refused requests were audited as calls: %+v", recs)
	}
	// The same calls with matching headers run, and are audited.
	for _, c := range []struct{ url, body, name string }{{g.URL, ghCall, "github_list_issues"}, {g.endpoint("fake"), fakeCall, "env_names"}} {
		code, body := send(c.url, c.body, map[string]string{"Mcp-Method": "tools/call", "Mcp-Name": c.name})
		if code != http.StatusOK || strings.Contains(body, `"isError":true`) || strings.Contains(body, `"error"`) {
			t.Errorf("%s with matching headers: %d %s", c.name, code, body)
		}
	}
	if recs, _ = g.App.Store.User(g.Owner.ID).ListAudit(context.Background(), store.AuditFilter{}); len(recs) != 2 {
		t.Errorf("calls with matching headers: %d audit records, want 2", len(recs))
	}
}
