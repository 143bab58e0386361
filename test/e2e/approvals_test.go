package e2e

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpgate/mcpgate/pkg/appliance"
	"github.com/mcpgate/mcpgate/pkg/config"
	"github.com/mcpgate/mcpgate/pkg/guard"
	"github.com/mcpgate/mcpgate/pkg/mcpup"
	"github.com/mcpgate/mcpgate/pkg/store"
	"github.com/mcpgate/mcpgate/pkg/store/postgres/pgtest"
)

// approvalIssue is a call that needs approval; its body is content, which
// a person sees as hash and length unless they open it.
var approvalIssue = map[string]any{"owner": "octocat", "repo": "hello-world", "title": "approve me", "body": "the secret plan"}

// hook is a webhook delivery as the receiver saw it, signature checked.
type hook struct {
	ID, URL, Tool, Rule, Key string
	Arguments                json.RawMessage
	ArgsSHA256               string `json:"args_sha256"`
}

// webhookReceiver is a loopback receiver that checks each body's
// HMAC-SHA256 (header X-Mcpgate-Signature) under secret on its own.
func webhookReceiver(t *testing.T, secret string) (string, chan hook) {
	t.Helper()
	got := make(chan hook, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		m := hmac.New(sha256.New, []byte(secret))
		m.Write(body)
		want := "sha256=" + hex.EncodeToString(m.Sum(nil))
		if !hmac.Equal([]byte(r.Header.Get("X-Mcpgate-Signature")), []byte(want)) {
			t.Errorf("webhook signature %q, want %q", r.Header.Get("X-Mcpgate-Signature"), want)
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var h hook
		if err := json.Unmarshal(body, &h); err != nil {
			t.Errorf("webhook body %s: %v", body, err)
		}
		got <- h
	}))
	t.Cleanup(srv.Close)
	return srv.URL, got
}

func secretFile(t *testing.T, value string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "webhook.secret")
	if err := os.WriteFile(p, []byte(value+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// cli runs the mcpgate binary, a process of its own, on g's data dir.
func (g *gw) cli(t *testing.T, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, mcpgateBinary(t), args...)
	cmd.Env = append(os.Environ(), "MCPGATE_DATA_DIR="+g.Config.DataDir)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (g *gw) mustCLI(t *testing.T, args ...string) string {
	t.Helper()
	out, err := g.cli(t, args...)
	if err != nil {
		t.Fatalf("mcpgate %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// callAsync calls tool in the background.
func callAsync(s *mcp.ClientSession, tool string, args map[string]any) chan *mcp.CallToolResult {
	out := make(chan *mcp.CallToolResult, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
		defer cancel()
		res, err := s.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: args})
		if err != nil {
			res = &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: "client error: " + err.Error()}}}
		}
		out <- res
	}()
	return out
}

func receive[T any](t *testing.T, what string, ch chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(40 * time.Second):
		t.Fatalf("no %s", what)
		panic("unreachable")
	}
}

var pendingID = regexp.MustCompile(`waiting for a person's approval \(approval id (ap_[0-9a-f]{32})`)

// pending returns the approval id a refused call names.
func pending(t *testing.T, r *mcp.CallToolResult) string {
	t.Helper()
	m := pendingID.FindStringSubmatch(text(r))
	if !r.IsError || m == nil {
		t.Fatalf("want a call waiting for approval, got isError=%v %q", r.IsError, text(r))
	}
	return m[1]
}

func (g *gw) audits(t *testing.T, decision string) []store.AuditRecord {
	t.Helper()
	recs, err := g.App.Store.User(g.Owner.ID).ListAudit(context.Background(), store.AuditFilter{Decision: decision})
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func (g *gw) metrics(t *testing.T) string {
	t.Helper()
	resp, err := http.Get(g.Admin + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// A call that needs approval waits; the webhook tells of it at once,
// signed; `mcpgate approve allow` from another process lets the waiting
// call run; the same call again needs a new approval, which a deny with
// a reason refuses.
func TestApprovalFromTheCLIWhileTheCallWaits(t *testing.T) {
	const whSecret = "whsec_approvals_e2e_5d1c9a"
	hookURL, hooks := webhookReceiver(t, whSecret)
	g := startGateway(t, "MCPGATE_APPROVALS_WAIT=25s", "MCPGATE_PUBLIC_URL=https://mcp.example.test",
		"MCPGATE_APPROVALS_WEBHOOK_URL="+hookURL, "MCPGATE_APPROVALS_WEBHOOK_SECRET_FILE="+secretFile(t, whSecret))
	ctx := context.Background()
	if err := g.App.SetPolicy(ctx, g.Owner, g.KeyName, []byte("version: 1\napprove: [github_create_*]\n")); err != nil {
		t.Fatal(err)
	}
	mcpgateBinary(t) // built before the clock starts
	s := g.session(t)
	before := g.GH.Requests()

	res := callAsync(s, "github_create_issue", approvalIssue)
	h := receive(t, "webhook", hooks)
	if h.Tool != "github_create_issue" || h.Rule != "approve:github_create_*" || h.URL != "https://mcp.example.test/approvals/"+h.ID || h.Key != g.KeyName {
		t.Errorf("webhook = %+v", h)
	}
	if strings.Contains(string(h.Arguments), "the secret plan") || !strings.Contains(string(h.Arguments), `"sha256"`) {
		t.Errorf("webhook arguments show the content: %s", h.Arguments)
	}
	list := g.mustCLI(t, "approve", "list", "-o", "json")
	if !strings.Contains(list, h.ID) || !strings.Contains(list, `"status": "pending"`) || strings.Contains(list, "the secret plan") {
		t.Errorf("approve list = %s", list)
	}
	if m := g.metrics(t); !strings.Contains(m, "\nmcpgate_approvals_pending 1\n") || !strings.Contains(m, "\nmcpgate_approvals_waiting 1\n") {
		t.Errorf("metrics while waiting lack mcpgate_approvals_pending 1 and mcpgate_approvals_waiting 1")
	}
	if g.GH.Requests() != before {
		t.Fatal("the call reached GitHub before it was approved")
	}
	// The full arguments wait sealed: the content is nowhere in the clear.
	for _, f := range []string{g.DBPath, g.DBPath + "-wal"} {
		if b, err := os.ReadFile(f); err == nil && strings.Contains(string(b), "the secret plan") {
			t.Errorf("%s holds the call's content in the clear", f)
		}
	}

	start := time.Now()
	g.mustCLI(t, "approve", "allow", h.ID)
	decided := time.Now()
	r := receive(t, "result", res)
	done := time.Now()
	t.Logf("approval wait overhead: %v from `approve allow` exiting to the result; %v from starting the CLI process",
		done.Sub(decided), done.Sub(start))
	if done.Sub(decided) > 3*time.Second {
		t.Errorf("the waiting call took %v to see the decision, want it within the poll interval", done.Sub(decided))
	}
	if r.IsError || g.GH.Requests() != before+1 {
		t.Fatalf("approved call: isError=%v %q, GitHub requests %d, want %d", r.IsError, text(r), g.GH.Requests(), before+1)
	}
	recs := g.audits(t, guard.Approved)
	if len(recs) != 1 || recs[0].Rule != "approve:github_create_* approval:"+h.ID+" by:owner" || recs[0].Outcome != "ok" {
		t.Fatalf("approved audit records = %+v", recs)
	}

	// Used once: the same call again asks anew, and is denied.
	res = callAsync(s, "github_create_issue", approvalIssue)
	h2 := receive(t, "second webhook", hooks)
	if h2.ID == h.ID || h2.ArgsSHA256 != h.ArgsSHA256 {
		t.Fatalf("the replay's approval %s (args %s), want a new one for the same arguments %s", h2.ID, h2.ArgsSHA256, h.ArgsSHA256)
	}
	g.mustCLI(t, "approve", "deny", h2.ID, "--reason", "not twice")
	r = receive(t, "denied result", res)
	if !r.IsError || !strings.Contains(text(r), "denied by approver owner") || !strings.Contains(text(r), "not twice") {
		t.Fatalf("denied call: isError=%v %q", r.IsError, text(r))
	}
	if g.GH.Requests() != before+1 {
		t.Fatal("the denied call reached GitHub")
	}
	if recs := g.audits(t, guard.DeniedByApprover); len(recs) != 1 || !strings.Contains(recs[0].Rule, "approval:"+h2.ID) {
		t.Fatalf("denied audit records = %+v", recs)
	}
	if out, err := g.cli(t, "approve", "allow", h2.ID); err == nil || !strings.Contains(out, "cannot be decided any more: it is denied") {
		t.Errorf("allowing a denied approval: %v %s", err, out)
	}
	m := g.metrics(t)
	for _, want := range []string{`mcpgate_approval_decisions_total{decision="approved"} 1`, `mcpgate_approval_decisions_total{decision="denied"} 1`,
		"\nmcpgate_approvals_pending 0\n", "\nmcpgate_approvals_waiting 0\n", "\nmcpgate_approval_webhook_failures_total 0\n"} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// With no decision in time the model is told the call waits, with its
// id; a retry with the same arguments by the same key uses the approval,
// once; other arguments, another key and a replay each need their own. A
// rule with action approve, and a proxied MCP tool, go the same way.
func TestApprovalRetryUsesTheDecisionOnce(t *testing.T) {
	g := startGateway(t, "MCPGATE_APPROVALS_WAIT=1s")
	ctx := context.Background()
	fake := goBinary(t, "github.com/mcpgate/mcpgate/test/mcpfake")
	if _, _, err := g.App.AddMCPConnection(ctx, g.Owner, "fake", mcpup.Config{Command: fake, Env: map[string]string{"PLAIN": "visible"}}, mcpup.Secrets{}); err != nil {
		t.Fatal(err)
	}
	policy := `version: 1
approve: [github_create_issue, fake_echo_env]
rules:
  - id: others-repos
    tools: [github_get_repo]
    when: 'args.owner != "octocat"'
    action: approve
`
	if err := g.App.SetPolicy(ctx, g.Owner, "", []byte(policy)); err != nil {
		t.Fatal(err)
	}
	rawB, _, err := g.App.CreateKey(ctx, g.Owner, "second", nil)
	if err != nil {
		t.Fatal(err)
	}
	s := g.connectTo(t, g.URL, nil)
	sB, err := g.connect(t, rawB.Reveal())
	if err != nil {
		t.Fatal(err)
	}
	defer sB.Close()
	before := g.GH.Requests()

	id := pending(t, call(t, s, "github_create_issue", approvalIssue))
	if g.GH.Requests() != before {
		t.Fatal("a call waiting for approval reached GitHub")
	}
	if recs := g.audits(t, guard.ApprovePending); len(recs) != 1 || recs[0].Rule != "default:approve:github_create_issue approval:"+id {
		t.Fatalf("pending audit records = %+v", recs)
	}
	// No call waits for it any more, but the approval is still pending.
	if m := g.metrics(t); !strings.Contains(m, "\nmcpgate_approvals_pending 1\n") || !strings.Contains(m, "\nmcpgate_approvals_waiting 0\n") {
		t.Errorf("metrics after the wait ended lack mcpgate_approvals_pending 1 and mcpgate_approvals_waiting 0")
	}
	g.mustCLI(t, "approve", "allow", id)

	other := map[string]any{"owner": "octocat", "repo": "hello-world", "title": "approve me", "body": "another plan"}
	if id2 := pending(t, call(t, s, "github_create_issue", other)); id2 == id {
		t.Fatal("other arguments matched the approval")
	}
	if idB := pending(t, call(t, sB, "github_create_issue", approvalIssue)); idB == id {
		t.Fatal("another key matched the approval")
	}
	if g.GH.Requests() != before {
		t.Fatal("a call on another's approval reached GitHub")
	}
	if r := call(t, s, "github_create_issue", approvalIssue); r.IsError {
		t.Fatalf("the retry with the same arguments: %q", text(r))
	}
	if g.GH.Requests() != before+1 {
		t.Fatal("the approved retry did not reach GitHub")
	}
	if id3 := pending(t, call(t, s, "github_create_issue", approvalIssue)); id3 == id {
		t.Fatal("the approval was used twice")
	}
	if g.GH.Requests() != before+1 {
		t.Fatal("a replayed approval reached GitHub")
	}

	// A rule with action approve asks only when its condition holds.
	if r := call(t, s, "github_get_repo", helloRepo); r.IsError {
		t.Fatalf("a call the approve rule does not match: %q", text(r))
	}
	idRule := pending(t, call(t, s, "github_get_repo", map[string]any{"owner": "someone", "repo": "x"}))
	recs := g.audits(t, guard.ApprovePending)
	if last := recs[0]; last.Rule != "default:rule:others-repos approval:"+idRule {
		t.Errorf("the rule's pending record: %+v", last)
	}

	// A proxied MCP tool.
	idMCP := pending(t, call(t, s, "fake_echo_env", map[string]any{"name": "PLAIN"}))
	g.mustCLI(t, "approve", "allow", idMCP)
	if r := call(t, s, "fake_echo_env", map[string]any{"name": "PLAIN"}); r.IsError || !strings.Contains(text(r), "visible") {
		t.Fatalf("the approved MCP call: isError=%v %q", r.IsError, text(r))
	}
	if r := call(t, s, "fake_echo_env", map[string]any{"name": "PLAIN"}); !pendingID.MatchString(text(r)) {
		t.Fatalf("the MCP call again: %q, want a new approval", text(r))
	}
}

// An approval no one decides expires: it can no longer be allowed, and
// the call's retry records it expired and asks anew.
func TestApprovalExpires(t *testing.T) {
	g := startGateway(t, "MCPGATE_APPROVALS_WAIT=1s", "MCPGATE_APPROVALS_TTL=2s")
	ctx := context.Background()
	if err := g.App.SetPolicy(ctx, g.Owner, g.KeyName, []byte("version: 1\napprove: [github_create_issue]\n")); err != nil {
		t.Fatal(err)
	}
	s := g.session(t)
	id := pending(t, call(t, s, "github_create_issue", approvalIssue))
	time.Sleep(2100 * time.Millisecond)
	if out, err := g.cli(t, "approve", "allow", id); err == nil || !strings.Contains(out, "cannot be decided any more: it is expired") {
		t.Fatalf("allowing an expired approval: %v %s", err, out)
	}
	id2 := pending(t, call(t, s, "github_create_issue", approvalIssue))
	if id2 == id {
		t.Fatal("the expired approval was waited on again")
	}
	recs := g.audits(t, guard.Expired)
	if len(recs) != 1 || recs[0].Rule != "approve:github_create_issue approval:"+id {
		t.Fatalf("expired audit records = %+v", recs)
	}
	if m := g.metrics(t); !strings.Contains(m, `mcpgate_approval_decisions_total{decision="expired"} 1`) {
		t.Error("metrics lack the expired decision")
	}
}

// testSignIn stands for browser sign-in: a request with the session
// cookie is the owner's.
type testSignIn struct{ userID string }

func (s testSignIn) SignedInUser(r *http.Request) (string, bool) {
	c, err := r.Cookie("test_session")
	if err != nil || c.Value != "owner" {
		return "", false
	}
	return s.userID, true
}

// The approval page: without sign-in it points to the CLI; signed in, it
// shows the call with content hashed until opened, and its allow form,
// CSRF-protected, lets the waiting call run.
func TestApprovalPage(t *testing.T) {
	g := startGateway(t, "MCPGATE_APPROVALS_WAIT=25s")
	ctx := context.Background()
	base := strings.TrimSuffix(g.URL, "/mcp")
	get := func(path string, cookies ...*http.Cookie) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, base+path, nil)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	if _, body := get("/approvals/ap_x"); !strings.Contains(body, "mcpgate approve allow ap_x") {
		t.Fatalf("page without sign-in: %s", body)
	}
	g.stop()
	g.SignIn = testSignIn{userID: g.Owner.ID}
	g.serve(t)
	base = strings.TrimSuffix(g.URL, "/mcp")
	if err := g.App.SetPolicy(ctx, g.Owner, g.KeyName, []byte("version: 1\napprove: [github_create_issue]\n")); err != nil {
		t.Fatal(err)
	}
	s := g.session(t)
	res := callAsync(s, "github_create_issue", approvalIssue)
	var id string
	waitFor(t, "the pending approval", func() bool {
		as, err := g.App.Store.User(g.Owner.ID).ListApprovals(ctx, store.ApprovalFilter{Status: store.ApprovalPending})
		if err == nil && len(as) == 1 {
			id = as[0].ID
		}
		return id != ""
	})
	session := &http.Cookie{Name: "test_session", Value: "owner"}
	if resp, body := get("/approvals/" + id); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "mcpgate approve allow "+id) {
		t.Fatalf("page signed out: %d %s", resp.StatusCode, body)
	}
	resp, body := get("/approvals/"+id, session)
	csp := resp.Header.Get("Content-Security-Policy")
	if resp.StatusCode != 200 || !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "form-action 'self'") ||
		!strings.Contains(body, "github_create_issue") || strings.Contains(body, "the secret plan") || strings.Contains(body, "<script") {
		t.Fatalf("page: %d CSP %q\n%s", resp.StatusCode, csp, body)
	}
	theirs := g.othersApproval(t)
	if resp, body := get("/approvals/"+theirs, session); resp.StatusCode != http.StatusNotFound || strings.Contains(body, `value="allow"`) {
		t.Fatalf("another user's approval: %d %s", resp.StatusCode, body)
	}
	if _, opened := get("/approvals/"+id+"?open=1", session); !strings.Contains(opened, "the secret plan") {
		t.Fatalf("opened page lacks the content: %s", opened)
	}
	var csrf *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "mcpgate_approval_csrf" {
			csrf = c
		}
	}
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(body)
	if csrf == nil || m == nil || !csrf.HttpOnly || csrf.SameSite != http.SameSiteStrictMode {
		t.Fatalf("CSRF cookie %+v, form token %v", csrf, m)
	}
	post := func(token string, cookies ...*http.Cookie) (int, string) {
		t.Helper()
		form := url.Values{"csrf": {token}, "decision": {"allow"}}
		req, _ := http.NewRequest(http.MethodPost, base+"/approvals/"+id, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", base)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := post(m[1], session); code != http.StatusForbidden {
		t.Fatalf("allow without the CSRF cookie: %d, want 403", code)
	}
	if code, _ := post("forged", session, csrf); code != http.StatusForbidden {
		t.Fatalf("allow with a forged token: %d, want 403", code)
	}
	select {
	case r := <-res:
		t.Fatalf("the call ended before it was allowed: %q", text(r))
	default:
	}
	if code, body := post(m[1], session, csrf); code != 200 || !strings.Contains(body, "Decided: approved") {
		t.Fatalf("allow: %d %s", code, body)
	}
	if r := receive(t, "result", res); r.IsError {
		t.Fatalf("the call allowed on the page: %q", text(r))
	}
	if recs := g.audits(t, guard.Approved); len(recs) != 1 || !strings.HasSuffix(recs[0].Rule, "by:owner") {
		t.Fatalf("approved audit records = %+v", recs)
	}
}

// TestREADMEApprovalPolicy runs the README's approvals example: mail to
// example.com goes out, mail elsewhere and creating an issue wait for a
// person.
func TestREADMEApprovalPolicy(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var doc string
	for _, m := range yamlBlock.FindAllStringSubmatch(string(readme), -1) {
		if strings.Contains(m[1], "action: approve") {
			doc = m[1]
		}
	}
	if doc == "" {
		t.Fatal("README.md has no approvals example")
	}
	p := provStart(t)
	p.Config.Approvals.Wait = 500 * time.Millisecond
	p.stop()
	p.serve(t)
	ctx := context.Background()
	if err := p.App.SetPolicy(ctx, p.Owner, p.KeyName, []byte(doc)); err != nil {
		t.Fatalf("the example does not compile: %v", err)
	}
	s := p.session(t)
	mail := func(to string) map[string]any {
		return map[string]any{"to": []string{to}, "subject": "Policy check", "body": "Hello."}
	}
	if r := call(t, s, "google_gmail_send", mail("bob@example.com")); r.IsError || len(p.google.Sent()) != 1 {
		t.Fatalf("mail to example.com: isError=%v %q", r.IsError, text(r))
	}
	pending(t, call(t, s, "google_gmail_send", mail("eve@evil.test")))
	pending(t, call(t, s, "github_create_issue", approvalIssue))
	if n := len(p.google.Sent()); n != 1 {
		t.Errorf("Gmail sent %d messages, want only the one to example.com", n)
	}
}

// TestPostgresApprovalAcrossReplicas: on PostgreSQL, with serve on its own
// login (Row-Level Security), a call waiting on one replica runs once the
// CLI allows it, and the same call on the other replica needs, and waits
// for, an approval of its own, which the CLI denies.
func TestPostgresApprovalAcrossReplicas(t *testing.T) {
	d := pgtest.FreshOwnedDB(t)
	a := startGateway(t, "MCPGATE_DATABASE_URL="+d.ServeURL(), "MCPGATE_DATABASE_ADMIN_URL="+d.OwnerURL, "MCPGATE_APPROVALS_WAIT=25s")
	ctx := context.Background()
	b := &gw{GH: a.GH, Config: a.Config, Logs: &syncBuffer{}, Wire: &syncBuffer{}, Key: a.Key, KeyName: a.KeyName, Owner: a.Owner}
	cfg, err := config.Load(config.Options{Env: []string{"MCPGATE_DATA_DIR=" + a.Config.DataDir,
		"MCPGATE_CONNECTORS_GITHUB_API_URL=" + a.GH.URL, "MCPGATE_APPROVALS_WAIT=25s"}})
	if err != nil {
		t.Fatal(err)
	}
	if b.App, err = appliance.OpenServe(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.App.Close() })
	b.serve(t)
	if err := a.App.SetPolicy(ctx, a.Owner, a.KeyName, []byte("version: 1\napprove: [github_create_issue]\n")); err != nil {
		t.Fatal(err)
	}
	mcpgateBinary(t)
	before := a.GH.Requests()
	waitPending := func(not string) string {
		t.Helper()
		var id string
		waitFor(t, "a pending approval", func() bool {
			as, err := a.App.Store.User(a.Owner.ID).ListApprovals(ctx, store.ApprovalFilter{Status: store.ApprovalPending})
			for _, x := range as {
				if err == nil && x.ID != not {
					id = x.ID
				}
			}
			return id != ""
		})
		return id
	}

	res := callAsync(b.session(t), "github_create_issue", approvalIssue)
	id := waitPending("")
	a.mustCLI(t, "approve", "allow", id)
	if r := receive(t, "result on replica b", res); r.IsError {
		t.Fatalf("the approved call on replica b: %q", text(r))
	}
	res = callAsync(a.session(t), "github_create_issue", approvalIssue)
	id2 := waitPending(id)
	a.mustCLI(t, "approve", "deny", id2, "--reason", "once is enough")
	if r := receive(t, "result on replica a", res); !r.IsError || !strings.Contains(text(r), "once is enough") {
		t.Fatalf("the denied call on replica a: isError=%v %q", r.IsError, text(r))
	}
	if got := a.GH.Requests(); got != before+1 {
		t.Fatalf("GitHub got %d requests, want the one approved", got-before)
	}
}
