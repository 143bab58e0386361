package e2e

import (
	"context"
	"database/sql"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/mcpgate/mcpgate/pkg/audit"
	"github.com/mcpgate/mcpgate/pkg/guard"
	"github.com/mcpgate/mcpgate/pkg/store"
	"github.com/mcpgate/mcpgate/pkg/vault"
)

var helloRepo = map[string]any{"owner": "octocat", "repo": "hello-world"}

func TestDeniedCallNeverReachesUpstream(t *testing.T) {
	g := startGateway(t)
	ctx := context.Background()
	if err := g.App.ApplyPolicyFlags(ctx, g.Owner, g.KeyName, guard.Flags{Deny: []string{"github_create_*"}}); err != nil {
		t.Fatal(err)
	}
	s := g.session(t)
	before := g.GH.Requests()
	r := call(t, s, "github_create_issue", map[string]any{"owner": "octocat", "repo": "hello-world", "title": "x"})
	if !r.IsError || !strings.Contains(text(r), "denied by guardrail deny:github_create_*") {
		t.Fatalf("denied call: isError=%v text=%q", r.IsError, text(r))
	}
	if got := g.GH.Requests(); got != before {
		t.Fatalf("the denied call reached GitHub: %d requests, want %d", got, before)
	}
	if r := call(t, s, "github_get_repo", helloRepo); r.IsError {
		t.Fatalf("an allowed call failed: %s", text(r))
	}
	recs, err := g.App.Store.User(g.Owner.ID).ListAudit(ctx, store.AuditFilter{Decision: guard.Deny})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].Rule != "deny:github_create_*" || recs[0].Tool != "github_create_issue" || recs[0].Outcome != "denied" {
		t.Fatalf("audit deny records = %+v", recs)
	}
}

func TestArgumentConditionAndReadOnly(t *testing.T) {
	g := startGateway(t)
	ctx := context.Background()
	policy := `version: 1
rules:
  - id: own-repos-only
    tools: ["github_*"]
    when: 'has(args.owner) && args.owner == "octocat"'
    reason: only octocat's repositories
`
	if err := g.App.SetPolicy(ctx, g.Owner, g.KeyName, []byte(policy)); err != nil {
		t.Fatal(err)
	}
	s := g.session(t)
	if r := call(t, s, "github_get_repo", map[string]any{"owner": "someone", "repo": "x"}); !r.IsError || !strings.Contains(text(r), "only octocat's repositories") {
		t.Fatalf("condition not applied: %q", text(r))
	}
	if r := call(t, s, "github_get_repo", helloRepo); r.IsError {
		t.Fatalf("allowed by the condition, yet: %q", text(r))
	}
	if err := g.App.SetPolicy(ctx, g.Owner, g.KeyName, []byte("version: 1\nread_only: true\n")); err != nil {
		t.Fatal(err)
	}
	if r := call(t, s, "github_comment_issue", map[string]any{"owner": "octocat", "repo": "hello-world", "number": 1, "body": "x"}); !r.IsError || !strings.Contains(text(r), "read-only") {
		t.Fatalf("read-only policy let a write through: %q", text(r))
	}
	if err := g.App.SetPolicy(ctx, g.Owner, g.KeyName, []byte("version: 1\nrules:\n  - id: bad\n    when: 'args.x +'\n")); err == nil {
		t.Fatal("a policy whose rule does not compile was accepted")
	}
}

func TestRateLimitHoldsAcrossRestart(t *testing.T) {
	g := startGateway(t)
	ctx := context.Background()
	if err := g.App.ApplyPolicyFlags(ctx, g.Owner, g.KeyName, guard.Flags{Rates: []string{"github_get_repo=3/h"}}); err != nil {
		t.Fatal(err)
	}
	s := g.session(t)
	for i := range 3 {
		if r := call(t, s, "github_get_repo", helloRepo); r.IsError {
			t.Fatalf("call %d under the limit: %s", i+1, text(r))
		}
	}
	if r := call(t, s, "github_get_repo", helloRepo); !r.IsError || !strings.Contains(text(r), "rate limit 3/h") {
		t.Fatalf("4th call: %q, want the rate limit", text(r))
	}
	g.restart(t)
	s = g.session(t)
	before := g.GH.Requests()
	if r := call(t, s, "github_get_repo", helloRepo); !r.IsError || !strings.Contains(text(r), "rate limit") {
		t.Fatalf("after a restart the limit was forgotten: %q", text(r))
	}
	if g.GH.Requests() != before {
		t.Fatal("a rate-limited call reached GitHub")
	}
}

// TestOtherCredentialEchoIsRedacted puts another connection's token into
// an issue body; reading it back through the first connection must show
// [redacted] and be recorded as allow-with-redaction.
func TestOtherCredentialEchoIsRedacted(t *testing.T) {
	g := startGateway(t)
	ctx := context.Background()
	const other = "xoxb-OTHERCANARY-1234567890-abcdefghijkl"
	addRawConnection(t, g, "slackish", other)
	s := g.session(t)
	r := call(t, s, "github_create_issue", map[string]any{"owner": "octocat", "repo": "hello-world", "title": "leak", "body": "token " + other})
	if r.IsError {
		t.Fatal(text(r))
	}
	m := regexp.MustCompile(`#(\d+)`).FindStringSubmatch(text(r))
	if m == nil {
		t.Fatalf("no issue number in %q", text(r))
	}
	n, _ := strconv.Atoi(m[1])
	r = call(t, s, "github_get_issue", map[string]any{"owner": "octocat", "repo": "hello-world", "number": n})
	if strings.Contains(text(r), other) || !strings.Contains(text(r), "[redacted]") {
		t.Fatalf("the other credential reached the model: %q", text(r))
	}
	recs, err := g.App.Store.User(g.Owner.ID).ListAudit(ctx, store.AuditFilter{Decision: guard.AllowWithRedaction})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) == 0 {
		t.Fatal("no allow-with-redaction record")
	}
}

// addRawConnection stores a credential for a provider without checking it
// upstream (the github provider, so it lists as a second connection).
func addRawConnection(t *testing.T, g *gw, name, token string) {
	t.Helper()
	ctx := context.Background()
	c := store.Connection{ID: "c_" + name, UserID: g.Owner.ID, Name: name, Provider: "github", AuthKind: "api_key",
		Status: "ok", APIURL: "http://127.0.0.1:9", CreatedAt: time.Now(), UpdatedAt: time.Now()}
	var err error
	if c.Credential, c.DEKVersion, err = g.App.Vault.Seal(ctx, g.Owner.ID, vault.PurposeCredential, c.ID, []byte(token)); err != nil {
		t.Fatal(err)
	}
	if err := g.App.Store.User(g.Owner.ID).CreateConnection(ctx, c); err != nil {
		t.Fatal(err)
	}
}

func TestAuditVerifyDetectsTampering(t *testing.T) {
	g := startGateway(t)
	ctx := context.Background()
	s := g.session(t)
	for range 5 {
		call(t, s, "github_get_repo", helloRepo)
	}
	verify := func() audit.Report {
		t.Helper()
		rep, err := audit.Verify(ctx, g.App.Store, g.App.AuditKeys, []string{g.Owner.ID}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	if rep := verify(); len(rep.Breaks) != 0 || rep.Records != 5 {
		t.Fatalf("untouched log: %+v", rep)
	}
	recs, _ := g.App.Store.User(g.Owner.ID).ListAudit(ctx, store.AuditFilter{Ascending: true})
	db, err := sql.Open("sqlite", "file:"+g.DBPath+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.Exec(q, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec(`UPDATE audit_records SET tool = 'github_delete_everything' WHERE seq = ?`, recs[1].Seq)
	if rep := verify(); len(rep.Breaks) != 1 || rep.Breaks[0].Seq != recs[1].Seq || !strings.Contains(rep.Breaks[0].Reason, "changed") {
		t.Fatalf("edited record: %+v", rep)
	}
	exec(`UPDATE audit_records SET tool = ? WHERE seq = ?`, recs[1].Tool, recs[1].Seq)
	exec(`DELETE FROM audit_records WHERE seq = ?`, recs[2].Seq)
	if rep := verify(); len(rep.Breaks) != 1 || rep.Breaks[0].Seq != recs[3].Seq {
		t.Fatalf("deleted record: %+v, want the break at %d", rep, recs[3].Seq)
	}
	// Pruning up to the damage leaves a verifiable log.
	if _, err := g.App.Store.User(g.Owner.ID).PruneAudit(ctx, recs[3].Time.Add(time.Microsecond)); err != nil {
		t.Fatal(err)
	}
	if rep := verify(); len(rep.Breaks) != 0 || rep.Records != 1 {
		t.Fatalf("after pruning: %+v", rep)
	}
	call(t, s, "github_get_repo", helloRepo)
	if rep := verify(); len(rep.Breaks) != 0 || rep.Records != 2 {
		t.Fatalf("a record after pruning: %+v", rep)
	}
}
