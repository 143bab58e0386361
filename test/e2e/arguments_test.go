package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/gateway"
	"github.com/mcpgate/mcpgate/pkg/guard"
	"github.com/mcpgate/mcpgate/pkg/store"
)

// auditRecords lists the owner's audit records for tool, oldest first.
func auditRecords(t *testing.T, g *gw, tool string) []store.AuditRecord {
	t.Helper()
	recs, err := g.App.Store.User(g.Owner.ID).ListAudit(context.Background(), store.AuditFilter{Tool: tool, Ascending: true})
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// TestArgumentVariantsCannotBypassARule: the guard sees exactly what GitHub
// is sent. A key allowed one repository cannot reach another by a name in
// another case, a duplicate key, or a value the connector rewrites.
func TestArgumentVariantsCannotBypassARule(t *testing.T) {
	g := startGateway(t)
	ctx := context.Background()
	policy := `version: 1
rules:
  - id: one-repo
    tools: ["github_*"]
    when: 'args.owner == "octocat" && args.repo == "hello-world"'
    reason: only octocat/hello-world
`
	if err := g.App.SetPolicy(ctx, g.Owner, g.KeyName, []byte(policy)); err != nil {
		t.Fatal(err)
	}
	s := g.session(t)
	tests := []struct {
		name     string
		args     string // raw JSON, sent as is
		wantText string // in the result, or in the error when wantRule is set
		wantRule string // "" when the call must run
	}{
		{"the allowed repository runs", `{"owner":"octocat","repo":"hello-world"}`, "octocat/hello-world", ""},
		{"owner/repo in repo is the same repository", `{"owner":"octocat","repo":"octocat/hello-world"}`, "octocat/hello-world", ""},
		{"spaces are trimmed before the rule sees them", `{"owner":" octocat ","repo":"hello-world "}`, "octocat/hello-world", ""},
		{"a name in another case is refused", `{"owner":"octocat","repo":"hello-world","Repo":"other"}`, `unknown argument "Repo": argument names are case-sensitive; use "repo"`, gateway.RuleInvalidArguments},
		{"a duplicate key is refused", `{"owner":"octocat","repo":"hello-world","repo":"other"}`, "argument repo appears twice", gateway.RuleInvalidArguments},
		{"an unknown key is refused", `{"owner":"octocat","repo":"hello-world","branch":"x"}`, `unknown argument "branch"`, gateway.RuleInvalidArguments},
		{"a wrong type is refused", `{"owner":"octocat","repo":["hello-world"]}`, "argument repo must be a string, not an array", gateway.RuleInvalidArguments},
		{"another repository is denied by the rule", `{"owner":"octocat","repo":"octocat/other"}`, "only octocat/hello-world", "rule:one-repo"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := g.GH.Requests()
			code, body := rawPost(t, g, `{"jsonrpc":"2.0","id":`+itoa(i+1)+`,"method":"tools/call","params":{"name":"github_get_repo","arguments":`+tt.args+`}}`)
			var msg struct {
				Result struct {
					IsError bool
					Content []struct{ Text string }
				}
			}
			if err := json.Unmarshal([]byte(body), &msg); err != nil || code != 200 || len(msg.Result.Content) == 0 {
				t.Fatalf("status %d, body %s", code, body)
			}
			got := msg.Result.Content[0].Text
			if msg.Result.IsError != (tt.wantRule != "") || !strings.Contains(got, tt.wantText) {
				t.Fatalf("isError=%v text=%q; want error %v containing %q", msg.Result.IsError, got, tt.wantRule != "", tt.wantText)
			}
			if tt.wantRule != "" && g.GH.Requests() != before {
				t.Errorf("a refused call reached GitHub")
			}
			recs := auditRecords(t, g, "github_get_repo")
			last := recs[len(recs)-1]
			wantDecision := guard.Allow
			if tt.wantRule != "" {
				wantDecision = guard.Deny
			}
			if last.Decision != wantDecision || (tt.wantRule != "" && last.Rule != tt.wantRule) {
				t.Errorf("audit record = %s by %q, want %s by %q", last.Decision, last.Rule, wantDecision, tt.wantRule)
			}
			if tt.wantRule == "" && last.Arguments != `{"owner":"octocat","repo":"hello-world"}` {
				t.Errorf("audited arguments = %s, want the canonical value", last.Arguments)
			}
		})
	}
	_ = s
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

// TestUnknownToolsAreAudited: the SDK answers a call of a tool the key's
// server lacks before any handler runs; it is recorded all the same.
func TestUnknownToolsAreAudited(t *testing.T) {
	g := startGateway(t)
	_, body := rawPost(t, g, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"github_delete_everything","arguments":{"repo":"x"}}}`)
	if !strings.Contains(body, `unknown tool \"github_delete_everything\"`) {
		t.Fatalf("answer = %s, want the SDK's unknown tool error", body)
	}
	recs := auditRecords(t, g, "github_delete_everything")
	if len(recs) != 1 || recs[0].Decision != guard.Deny || recs[0].Rule != gateway.RuleUnknownTool || recs[0].Outcome != gateway.OutcomeDenied {
		t.Fatalf("audit records = %+v, want one deny by %s", recs, gateway.RuleUnknownTool)
	}
	if !strings.Contains(recs[0].Arguments, `"sha256"`) {
		t.Errorf("arguments of an unknown tool = %s, want their hash and length", recs[0].Arguments)
	}
}

// TestAuditKeepsWhatACallTouched: however large a call, the record keeps
// the arguments that say what it reached; content becomes a hash.
func TestAuditKeepsWhatACallTouched(t *testing.T) {
	// No redact_fields: body is hashed because the tool declares it content.
	g := startGateway(t, "MCPGATE_AUDIT_REDACT_FIELDS=unused")
	if got := g.Config.Audit.RedactFields; len(got) != 1 || got[0] != "unused" {
		t.Fatalf("audit.redact_fields = %q, want only \"unused\"", got)
	}
	s := g.session(t)
	body := strings.Repeat("a long comment ", 4000) // 60 KB
	if r := call(t, s, "github_comment_issue", map[string]any{"owner": "octocat", "repo": "hello-world", "number": 1, "body": body}); r.IsError {
		t.Fatalf("comment: %s", text(r))
	}
	recs := auditRecords(t, g, "github_comment_issue")
	var got map[string]any
	if len(recs) != 1 || json.Unmarshal([]byte(recs[0].Arguments), &got) != nil {
		t.Fatalf("audit records = %+v", recs)
	}
	if got["owner"] != "octocat" || got["repo"] != "hello-world" || got["number"] != float64(1) {
		t.Errorf("audited arguments = %s, want owner, repo and number in full", recs[0].Arguments)
	}
	b, _ := got["body"].(map[string]any)
	if b["redacted"] != true || b["len"] != float64(len(body)) || len(recs[0].Arguments) > 1024 {
		t.Errorf("audited body = %v (record %d bytes), want its hash and length only", got["body"], len(recs[0].Arguments))
	}
}

// TestResultsAreTruncatedOnceWithTheEffectiveLimit: the key's
// max_result_bytes, else limits.max_result_bytes; one note, no double cut.
func TestResultsAreTruncatedOnceWithTheEffectiveLimit(t *testing.T) {
	g := startGateway(t, "MCPGATE_LIMITS_MAX_RESULT_BYTES=300")
	s := g.session(t)
	args := map[string]any{"owner": "octocat", "repo": "hello-world", "state": "all"}
	check := func(limit int) {
		t.Helper()
		r := call(t, s, "github_list_issues", args)
		out := text(r)
		head, _, ok := strings.Cut(out, "\n\n[truncated: ")
		if r.IsError || !ok || len(head) > limit || strings.Count(out, "[truncated") != 1 {
			t.Errorf("result of %d bytes (%d before the note), want one note and at most %d before it:\n%s", len(out), len(head), limit, out)
		}
	}
	check(300)
	if err := g.App.SetPolicy(context.Background(), g.Owner, g.KeyName, []byte("version: 1\nmax_result_bytes: 120\n")); err != nil {
		t.Fatal(err)
	}
	check(120)
}
