package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

func rawPost(t testing.TB, g *gw, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, g.URL, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+g.Key)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestMalformedRequestsGetClearErrors sends what a broken client might, and
// checks that each gets a clear error and that the gateway keeps serving.
func TestMalformedRequestsGetClearErrors(t *testing.T) {
	g := startGateway(t)
	tests := []struct {
		name, body string
	}{
		{"not JSON", `{"jsonrpc":"2.0","id":1,"method":`},
		{"not JSON-RPC", `{"hello":"world"}`},
		{"unknown method", `{"jsonrpc":"2.0","id":1,"method":"tools/explode","params":{}}`},
		{"unknown tool", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"github_nope","arguments":{}}}`},
		{"arguments not an object", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"github_get_repo","arguments":[1,2]}}`},
		{"too large", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"github_get_repo","arguments":{"owner":"` + strings.Repeat("a", 2<<20) + `"}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := rawPost(t, g, tt.body)
			if code == http.StatusOK {
				// A JSON-RPC error or an isError tool result, never a result.
				var msg struct {
					Error  *struct{ Message string }
					Result *struct{ IsError bool }
				}
				if err := json.Unmarshal([]byte(body), &msg); err != nil {
					t.Fatalf("200 with a body that is not JSON: %q", body)
				}
				if msg.Error == nil && (msg.Result == nil || !msg.Result.IsError) {
					t.Fatalf("accepted: %s", body)
				}
			} else if code != http.StatusBadRequest && code != http.StatusRequestEntityTooLarge {
				t.Fatalf("status %d: %s", code, body)
			}
			if strings.Contains(body, canary) || strings.Contains(body, "goroutine") || strings.Contains(body, ".go:") {
				t.Fatalf("the error leaks internals: %s", body)
			}
		})
	}
	s := g.session(t)
	if r := call(t, s, "github_get_repo", helloRepo); r.IsError {
		t.Fatalf("after bad input the gateway no longer serves: %s", text(r))
	}
}

// TestToolListIsPrivateToTheKey checks the cache hints on tools/list: the
// list names the key owner's connections, so no shared cache may keep it,
// and it can change on the next request.
func TestToolListIsPrivateToTheKey(t *testing.T) {
	g := startGateway(t)
	code, body := rawPost(t, g, `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}`)
	var msg struct {
		Result struct {
			TTLMs      *int    `json:"ttlMs"`
			CacheScope *string `json:"cacheScope"`
			Tools      []struct{ Name string }
		}
	}
	if code != http.StatusOK || json.Unmarshal([]byte(body), &msg) != nil || len(msg.Result.Tools) == 0 {
		t.Fatalf("tools/list: %d %s", code, body)
	}
	if s := msg.Result.CacheScope; s == nil || *s != "private" {
		t.Errorf("tools/list cacheScope = %v, want private: %s", s, body)
	}
	if ttl := msg.Result.TTLMs; ttl != nil && *ttl != 0 {
		t.Errorf("tools/list ttlMs = %d, want 0", *ttl)
	}
}

// TestKeyScopeLimitsTools gives a key one of two connections.
func TestKeyScopeLimitsTools(t *testing.T) {
	g := startGateway(t)
	ctx := context.Background()
	addRawConnection(t, g, "work", "ghp_WORKTOKEN00000000000000000000000000")
	raw, _, err := g.App.CreateKey(ctx, g.Owner, "scoped", []string{"work"})
	if err != nil {
		t.Fatal(err)
	}
	s, err := g.connect(t, raw.Reveal())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	res, err := s.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tool := range res.Tools {
		if !strings.HasPrefix(tool.Name, "work_") {
			t.Errorf("a key scoped to %q sees %s", "work", tool.Name)
		}
	}
	if len(res.Tools) == 0 {
		t.Fatal("the scoped key sees no tools")
	}
	r, err := s.CallTool(ctx, toolParams("github_get_repo", helloRepo))
	if err == nil && !r.IsError {
		t.Fatal("a key called a tool outside its scope")
	}
}
