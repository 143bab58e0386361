package e2e

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/apikey"
)

const initBody = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}`

func post(t *testing.T, url, auth string, hdr map[string]string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(initBody))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	for k, v := range hdr {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestBadKeysGetTheSame401(t *testing.T) {
	g := startGateway(t)
	ctx := context.Background()
	revoked, _, err := g.App.CreateKey(ctx, g.Owner, "to-revoke", nil)
	if err != nil {
		t.Fatal(err)
	}
	regen, _, err := g.App.CreateKey(ctx, g.Owner, "to-regenerate", nil)
	if err != nil {
		t.Fatal(err)
	}
	// Both keys work, and are now in the verification cache.
	for _, k := range []string{revoked.Reveal(), regen.Reveal()} {
		if resp := post(t, g.URL, "Bearer "+k, nil); resp.StatusCode != http.StatusOK {
			t.Fatalf("a fresh key got %d", resp.StatusCode)
		}
	}
	if err := g.App.RevokeKey(ctx, g.Owner, "to-revoke"); err != nil {
		t.Fatal(err)
	}
	newSecret, _, err := g.App.RegenerateKey(ctx, g.Owner, "to-regenerate")
	if err != nil {
		t.Fatal(err)
	}
	wrong := g.Key[:len(g.Key)-10] + "AAAAAAAAAA"
	unknown, _, err := apikey.Generate() // well formed, with an id that does not exist
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, auth string }{
		{"no key", ""},
		{"not bearer", "Basic " + g.Key},
		{"garbled", "Bearer mgw_garbled"},
		{"wrong secret", "Bearer " + wrong},
		{"bad checksum", "Bearer mgw_AAAAAAAAAAAAAAAA_" + strings.Repeat("B", 49)},
		{"unknown id", "Bearer " + unknown.Reveal()},
		{"revoked", "Bearer " + revoked.Reveal()},
		{"regenerated old secret", "Bearer " + regen.Reveal()},
	}
	var bodies []string
	for _, tt := range tests {
		resp := post(t, g.URL, tt.auth, nil)
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 401", tt.name, resp.StatusCode)
		}
		if !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s: WWW-Authenticate = %q", tt.name, resp.Header.Get("WWW-Authenticate"))
		}
		bodies = append(bodies, string(b))
	}
	for i, b := range bodies {
		if b != bodies[0] {
			t.Errorf("%s: body %q differs from %q", tests[i].name, b, bodies[0])
		}
	}
	if resp := post(t, g.URL, "Bearer "+newSecret.Reveal(), nil); resp.StatusCode != http.StatusOK {
		t.Errorf("the regenerated key's new secret got %d", resp.StatusCode)
	}
}

func TestHostAndOriginAreChecked(t *testing.T) {
	g := startGateway(t)
	u, err := url.Parse(g.URL)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		hdr  map[string]string
		want int
	}{
		{"loopback host", nil, http.StatusOK},
		{"rebound host", map[string]string{"Host": "evil.example"}, http.StatusForbidden},
		{"foreign origin", map[string]string{"Origin": "https://evil.example"}, http.StatusForbidden},
		{"local origin", map[string]string{"Origin": "http://localhost:" + u.Port()}, http.StatusOK},
		{"local origin on another port", map[string]string{"Origin": "http://localhost:1234"}, http.StatusForbidden},
		{"local origin over https", map[string]string{"Origin": "https://localhost:" + u.Port()}, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if resp := post(t, g.URL, "Bearer "+g.Key, tt.hdr); resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
}

func TestHealthReadyMetrics(t *testing.T) {
	g := startGateway(t)
	s := g.session(t)
	call(t, s, "github_get_repo", map[string]any{"owner": "octocat", "repo": "hello-world"})
	post(t, g.URL, "Bearer mgw_nope", nil)
	for _, u := range []string{strings.TrimSuffix(g.URL, "/mcp") + "/healthz", strings.TrimSuffix(g.URL, "/mcp") + "/readyz", g.Admin + "/readyz"} {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %d", u, resp.StatusCode)
		}
	}
	resp, err := http.Get(g.Admin + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, want := range []string{
		`mcpgate_tool_calls_total{outcome="ok",tool="github.get_repo"} 1`,
		`mcpgate_auth_failures_total{reason="invalid"} 1`,
		`mcpgate_tool_call_duration_seconds_bucket`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	// /metrics is not on the public listener.
	resp2, err := http.Get(strings.TrimSuffix(g.URL, "/mcp") + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	if resp2.StatusCode == http.StatusOK {
		t.Error("/metrics is served on the gateway listener")
	}
}

// TestCallReadsItsConnectionOnce checks that a tool call uses the
// connection row its request already read.
func TestCallReadsItsConnectionOnce(t *testing.T) {
	g := startGateway(t)
	s := g.session(t)
	call(t, s, "github_get_repo", map[string]any{"owner": "octocat", "repo": "hello-world"})
	resp, err := http.Get(g.Admin + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(b), "mcpgate_connection_rereads_total 0") {
		t.Error("a tool call read its connection a second time")
	}
}

// A client behind the same address as someone flooding wrong keys (one NAT)
// keeps working once its key is verified: the failure limit only gates the
// Argon2id check of keys not yet verified.
func TestFloodDoesNotLockOutAVerifiedKey(t *testing.T) {
	g := startGateway(t)
	if resp := post(t, g.URL, "Bearer "+g.Key, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("the valid key before the flood got %d", resp.StatusCode)
	}
	unknownKey, _, err := apikey.Generate() // well formed, so it is looked up and costs Argon2id
	if err != nil {
		t.Fatal(err)
	}
	unknown := "Bearer " + unknownKey.Reveal()
	limited := false
	for i := 0; i < 40 && !limited; i++ {
		auth := "Bearer mgw_garbled"
		if i%10 == 9 {
			auth = unknown
		}
		limited = post(t, g.URL, auth, nil).StatusCode == http.StatusTooManyRequests
	}
	if !limited {
		t.Fatal("40 failures from one address were never answered 429; the test proves nothing")
	}
	for i := range 3 {
		if resp := post(t, g.URL, "Bearer "+g.Key, nil); resp.StatusCode != http.StatusOK {
			t.Errorf("the valid key after the flood, request %d: status %d, want 200", i+1, resp.StatusCode)
		}
	}
}
