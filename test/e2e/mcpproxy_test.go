package e2e

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpgate/mcpgate/pkg/connector/fakekit"
	"github.com/mcpgate/mcpgate/pkg/guard"
	"github.com/mcpgate/mcpgate/pkg/mcpup"
	"github.com/mcpgate/mcpgate/pkg/store"
)

// headerGate is a reverse proxy in front of a remote MCP server that
// refuses every request without the canary header, so a test proves the
// header reaches the upstream (and that mcpgate says so when it does not).
func headerGate(t *testing.T, upstream string) string {
	u, _ := url.Parse(upstream)
	rp := fakekit.ReverseProxy(u)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Api-Key") != mcpHeaderCanary {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="got `+r.Header.Get("X-Api-Key")+`"`)
			http.Error(w, "bad key "+r.Header.Get("X-Api-Key"), http.StatusUnauthorized)
			return
		}
		if r.Header.Get("Authorization") != "" {
			http.Error(w, "a client's Authorization header was forwarded", http.StatusBadRequest)
			return
		}
		rp.ServeHTTP(w, r)
	})}
	l := listen(t)
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return "http://" + l.Addr().String() + "/mcp"
}

// TestMCPUpstreamEverythingServer puts the go-sdk's conformance server
// behind mcpgate twice, as a stdio command with a secret in its
// environment and as a remote server with a secret header, and uses it
// through /mcp and /mcp/<connection> with the go-sdk client.
func TestMCPUpstreamEverythingServer(t *testing.T) {
	bin := everythingServer(t)
	remote := headerGate(t, serveHTTP(t, bin))
	g := startGateway(t)
	ctx := context.Background()

	_, tools, err := g.App.AddMCPConnection(ctx, g.Owner, "every", mcpup.Config{Command: bin, SecretEnv: []string{"EVERY_TOKEN"}},
		mcpup.Secrets{Env: map[string]string{"EVERY_TOKEN": mcpEnvCanary}})
	if err != nil {
		t.Fatal(err)
	}
	if len(tools) < 20 {
		t.Fatalf("approved %d tools of the everything-server", len(tools))
	}
	// Without the header the remote server refuses, and mcpgate says so.
	if _, _, err := g.App.AddMCPConnection(ctx, g.Owner, "nohdr", mcpup.Config{URL: remote}, mcpup.Secrets{}); err == nil || !strings.Contains(err.Error(), "refused the credential (HTTP 401)") {
		t.Fatalf("a remote server refusing the connection: err = %v", err)
	}
	if _, _, err := g.App.AddMCPConnection(ctx, g.Owner, "remote", mcpup.Config{URL: remote, Header: "X-Api-Key"},
		mcpup.Secrets{Header: mcpHeaderCanary}); err != nil {
		t.Fatal(err)
	}

	all := g.connectTo(t, g.URL, nil)
	names := toolNames(t, all)
	for _, n := range []string{"every_test_simple_text", "remote_test_image_content", "github_list_issues"} {
		if names[n] == nil {
			t.Errorf("/mcp does not list %s", n)
		}
	}
	for _, conn := range []string{"every", "remote"} {
		res := call(t, all, conn+"_test_simple_text", nil)
		if res.IsError || !strings.Contains(text(res), "This is a simple text response for testing.") {
			t.Errorf("%s_test_simple_text: %+v", conn, res)
		}
	}
	img := call(t, all, "every_test_image_content", nil)
	if ic, ok := img.Content[0].(*mcp.ImageContent); !ok || ic.MIMEType != "image/png" || len(ic.Data) == 0 {
		t.Errorf("image content: %#v", img.Content)
	}
	audio := call(t, all, "remote_test_audio_content", nil)
	if _, ok := audio.Content[0].(*mcp.AudioContent); !ok {
		t.Errorf("audio content: %#v", audio.Content)
	}
	emb := call(t, all, "remote_test_embedded_resource", nil)
	if er, ok := emb.Content[0].(*mcp.EmbeddedResource); !ok || er.Resource == nil || er.Resource.URI == "" {
		t.Errorf("embedded resource: %#v", emb.Content)
	}
	if res := call(t, all, "every_test_error_handling", nil); !res.IsError {
		t.Errorf("an upstream tool error came back as success: %+v", res)
	}
	// Arguments are checked against the upstream's schema before anything
	// else: this one never reaches the server.
	bad := call(t, all, "every_json_schema_2020_12_tool", map[string]any{"name": 5})
	if !bad.IsError || !strings.Contains(text(bad), "invalid arguments") {
		t.Errorf("wrong-typed argument: %+v", bad)
	}

	// /mcp/<connection>: original names, prompts, resources, completions.
	one := g.connectTo(t, g.endpoint("every"), nil)
	onames := toolNames(t, one)
	if onames["test_simple_text"] == nil || onames["every_test_simple_text"] != nil || onames["github_list_issues"] != nil {
		t.Errorf("/mcp/every lists %d tools, not the connection's under their own names", len(onames))
	}
	if res := call(t, one, "test_simple_text", nil); res.IsError {
		t.Errorf("/mcp/every test_simple_text: %+v", res)
	}
	pr, err := one.GetPrompt(ctx, &mcp.GetPromptParams{Name: "test_prompt_with_arguments", Arguments: map[string]string{"arg1": "a", "arg2": "b"}})
	if err != nil || len(pr.Messages) == 0 {
		t.Errorf("get prompt: %v %+v", err, pr)
	}
	lp, err := one.ListPrompts(ctx, nil)
	if err != nil || len(lp.Prompts) < 4 {
		t.Errorf("list prompts: %v %+v", err, lp)
	}
	lr, err := one.ListResources(ctx, nil)
	if err != nil || len(lr.Resources) < 2 {
		t.Fatalf("list resources: %v %+v", err, lr)
	}
	rr, err := one.ReadResource(ctx, &mcp.ReadResourceParams{URI: "test://static-text"})
	if err != nil || len(rr.Contents) == 0 || rr.Contents[0].Text == "" {
		t.Errorf("read resource: %v %+v", err, rr)
	}
	lt, err := one.ListResourceTemplates(ctx, nil)
	if err != nil || len(lt.ResourceTemplates) == 0 {
		t.Errorf("list templates: %v %+v", err, lt)
	}
	cr, err := one.Complete(ctx, &mcp.CompleteParams{Ref: &mcp.CompleteReference{Type: "ref/prompt", Name: "test_prompt_with_arguments"},
		Argument: mcp.CompleteParamsArgument{Name: "arg1", Value: "a"}})
	if err != nil || cr == nil {
		t.Errorf("complete: %v %+v", err, cr)
	}

	// A key whose scope leaves the connection out does not see it.
	raw, _, err := g.App.CreateKey(ctx, g.Owner, "gh-only", []string{"github"})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", g.endpoint("every"), strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`))
	req.Header.Set("Authorization", "Bearer "+raw.Reveal())
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("a key scoped to github got %d from /mcp/every", resp.StatusCode)
	}

	// Every call is audited under its exposed name, the same on both
	// endpoints.
	recs, err := g.App.Store.User(g.Owner.ID).ListAudit(ctx, store.AuditFilter{Tool: "every_test_simple_text"})
	if err != nil || len(recs) != 2 {
		t.Errorf("audit records of every_test_simple_text: %d, %v", len(recs), err)
	}
	recs, _ = g.App.Store.User(g.Owner.ID).ListAudit(ctx, store.AuditFilter{Tool: "every_json_schema_2020_12_tool"})
	if len(recs) != 1 || recs[0].Rule != "invalid-arguments" {
		t.Errorf("the refused call's record: %+v", recs)
	}

	// The canaries are nowhere but where they belong.
	all.Close()
	one.Close()
	noCanary(t, "the responses", g.Wire.String())
	noCanary(t, "the log", g.Logs.String())
	noCanary(t, "a process's command line", cmdlines(t))
	var exported strings.Builder
	all2, _ := g.App.Store.User(g.Owner.ID).ListAudit(ctx, store.AuditFilter{})
	for _, r := range all2 {
		exported.WriteString(r.Arguments + r.Error + r.Tool)
	}
	noCanary(t, "the audit records", exported.String())
	db, err := os.ReadFile(g.DBPath)
	if err != nil {
		t.Fatal(err)
	}
	noCanary(t, "the database file", string(db))
	if wal, err := os.ReadFile(g.DBPath + "-wal"); err == nil {
		noCanary(t, "the database's WAL", string(wal))
	}
}

// TestMCPUpstreamReadOnly: a read-only key reaches a proxied tool only if
// its approved definition says readOnlyHint.
func TestMCPUpstreamReadOnly(t *testing.T) {
	g := startGateway(t)
	ctx := context.Background()
	if _, _, err := g.App.AddMCPConnection(ctx, g.Owner, "fake", mcpup.Config{Command: goBinary(t, "github.com/mcpgate/mcpgate/test/mcpfake")}, mcpup.Secrets{}); err != nil {
		t.Fatal(err)
	}
	ro := true
	if err := g.App.ApplyPolicyFlags(ctx, g.Owner, g.KeyName, guard.Flags{ReadOnly: &ro}); err != nil {
		t.Fatal(err)
	}
	s := g.connectTo(t, g.URL, nil)
	if res := call(t, s, "fake_env_names", nil); res.IsError {
		t.Errorf("a readOnlyHint tool was refused in read-only mode: %s", text(res))
	}
	if res := call(t, s, "fake_victim", nil); !res.IsError || !strings.Contains(text(res), "denied") {
		t.Errorf("a tool without readOnlyHint ran in read-only mode: %s", text(res))
	}
}

func waitFor(t *testing.T, what string, f func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if f() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}
