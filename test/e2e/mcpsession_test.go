package e2e

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpgate/mcpgate/pkg/mcpup"
)

// TestMCPUpstreamSessions: a client that keeps a session on
// /mcp/<connection> (before the 2026-07-28 revision) gets the server's
// progress notifications during a call, and the session is its key's
// alone; a client of the 2026-07-28 revision, which keeps none, gets them
// on the call's own response.
func TestMCPUpstreamSessions(t *testing.T) {
	g := startGateway(t)
	ctx := context.Background()
	for name, cfg := range map[string]mcpup.Config{
		"every":  {Command: everythingServer(t)},
		"remote": {URL: serveHTTP(t, everythingServer(t))},
	} {
		if _, _, err := g.App.AddMCPConnection(ctx, g.Owner, name, cfg, mcpup.Secrets{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"every", "remote"} {
		var mu sync.Mutex
		var progress []float64
		onProgress := &mcp.ClientOptions{
			ProgressNotificationHandler: func(_ context.Context, req *mcp.ProgressNotificationClientRequest) {
				mu.Lock()
				progress = append(progress, req.Params.Progress)
				mu.Unlock()
			},
		}
		// The 2026-07-28 revision: no session, progress on the response.
		s26 := g.connectTo(t, g.endpoint(name), onProgress)
		params := &mcp.CallToolParams{Name: "test_tool_with_progress", Arguments: map[string]any{}}
		params.SetProgressToken("client-token-0")
		if res, err := s26.CallTool(ctx, params); err != nil || res.IsError {
			t.Fatalf("%s at 2026-07-28: test_tool_with_progress: %v %+v", name, err, res)
		}
		mu.Lock()
		if len(progress) < 2 || s26.ID() != "" || s26.InitializeResult().ProtocolVersion != "2026-07-28" {
			t.Errorf("%s at %s: %d progress notifications relayed, want the server's (3); session %q, want none",
				name, s26.InitializeResult().ProtocolVersion, len(progress), s26.ID())
		}
		progress = nil
		mu.Unlock()

		s := g.connectToVersion(t, g.endpoint(name), onProgress, "2025-11-25")
		params = &mcp.CallToolParams{Name: "test_tool_with_progress", Arguments: map[string]any{}}
		params.SetProgressToken("client-token-1")
		res, err := s.CallTool(ctx, params)
		if err != nil || res.IsError {
			t.Fatalf("%s: test_tool_with_progress: %v %+v", name, err, res)
		}
		mu.Lock()
		if len(progress) < 2 {
			t.Errorf("%s: %d progress notifications relayed, want the server's (3)", name, len(progress))
		}
		mu.Unlock()
		if s.ID() == "" {
			t.Errorf("%s: no session kept", name)
		}

		// Another key presenting this session id is refused.
		raw, _, err := g.App.CreateKey(ctx, g.Owner, "other-"+name, nil)
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("POST", g.endpoint(name), strings.NewReader(`{"jsonrpc":"2.0","id":9,"method":"tools/list"}`))
		req.Header.Set("Authorization", "Bearer "+raw.Reveal())
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("Mcp-Session-Id", s.ID())
		req.Header.Set("Mcp-Protocol-Version", "2025-06-18")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: another key using the session got %d, want 403", name, resp.StatusCode)
		}
	}
}
