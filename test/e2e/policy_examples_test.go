package e2e

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/gateway"
	"github.com/mcpgate/mcpgate/pkg/guard"
	"github.com/mcpgate/mcpgate/pkg/store"
)

// yamlBlock finds the YAML examples of a Markdown file.
var yamlBlock = regexp.MustCompile("(?s)```yaml\n(.*?)```")

// examplePolicies returns every policy a user is shown: the example file
// and each YAML block of README.md that is a policy (has `version:`).
func examplePolicies(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	b, err := os.ReadFile("../../configs/policy.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	out["configs/policy.example.yaml"] = string(b)
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range yamlBlock.FindAllStringSubmatch(string(readme), -1) {
		// The approvals example is run by TestREADMEApprovalPolicy.
		if strings.Contains(m[1], "version:") && strings.Contains(m[1], "rules:") && !strings.Contains(m[1], "action: approve") {
			out["README.md yaml block "+itoa(i+1)] = m[1]
		}
	}
	if len(out) < 2 {
		t.Fatalf("found %d example policies, want the file and at least one README block", len(out))
	}
	return out
}

// TestEveryExamplePolicyWorksThroughTheGateway runs each example policy a
// user is shown against the Google fake: a send to an example.com address
// goes out, a send to another domain (in to, cc or bcc) is denied by the
// mail-own-domain rule and never reaches Gmail.
func TestEveryExamplePolicyWorksThroughTheGateway(t *testing.T) {
	p := provStart(t)
	ctx := context.Background()
	s := p.session(t)
	mail := func(extra map[string]any) map[string]any {
		m := map[string]any{"subject": "Policy check", "body": "Hello."}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	for name, doc := range examplePolicies(t) {
		t.Run(name, func(t *testing.T) {
			if err := p.App.SetPolicy(ctx, p.Owner, p.KeyName, []byte(doc)); err != nil {
				t.Fatalf("the example does not compile: %v", err)
			}
			sent := len(p.google.Sent())
			r := call(t, s, "google_gmail_send", mail(map[string]any{"to": []string{"Bob <bob@Example.com>"}}))
			if r.IsError || len(p.google.Sent()) != sent+1 {
				t.Fatalf("send to an allowed address: isError=%v %q", r.IsError, text(r))
			}
			for _, bad := range []map[string]any{
				{"to": []string{"eve@evil.test"}},
				{"to": []string{"bob@example.com", "eve@example.com.evil.test"}},
			} {
				r := call(t, s, "google_gmail_send", mail(bad))
				if !r.IsError || !strings.Contains(text(r), "denied by guardrail rule:mail-own-domain") {
					t.Errorf("send %v: isError=%v %q; want it denied by rule:mail-own-domain", bad["to"], r.IsError, text(r))
				}
			}
			if got := len(p.google.Sent()); got != sent+1 {
				t.Errorf("Gmail sent %d messages, want only the allowed one", got-sent)
			}
		})
	}
}

// TestExampleFileChecksCcAndBcc: the shipped example closes the gap a
// rule on `to` alone leaves.
func TestExampleFileChecksCcAndBcc(t *testing.T) {
	p := provStart(t)
	ctx := context.Background()
	doc, err := os.ReadFile("../../configs/policy.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := p.App.SetPolicy(ctx, p.Owner, p.KeyName, doc); err != nil {
		t.Fatal(err)
	}
	s := p.session(t)
	for _, field := range []string{"cc", "bcc"} {
		r := call(t, s, "google_gmail_send", map[string]any{"to": []string{"bob@example.com"}, field: []string{"eve@evil.test"}, "subject": "s", "body": "b"})
		if !r.IsError || !strings.Contains(text(r), "rule:mail-own-domain") {
			t.Errorf("%s to another domain: isError=%v %q", field, r.IsError, text(r))
		}
	}
	if n := len(p.google.Sent()); n != 0 {
		t.Errorf("Gmail sent %d messages, want none", n)
	}
}

// TestToolsOutsideTheKeyScopeAreAudited: a key scoped to github calling a
// Slack tool gets the SDK's unknown tool error, and the call is recorded.
func TestToolsOutsideTheKeyScopeAreAudited(t *testing.T) {
	p := provStart(t)
	ctx := context.Background()
	raw, _, err := p.App.CreateKey(ctx, p.Owner, "github-only", []string{"github"})
	if err != nil {
		t.Fatal(err)
	}
	s, err := p.connect(t, raw.Reveal())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.CallTool(ctx, toolParams("slack_list_users", map[string]any{})); err == nil || !strings.Contains(err.Error(), "unknown tool") {
		t.Fatalf("out-of-scope call error = %v, want unknown tool", err)
	}
	recs, err := p.App.Store.User(p.Owner.ID).ListAudit(ctx, store.AuditFilter{Tool: "slack_list_users"})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].Decision != guard.Deny || recs[0].Rule != gateway.RuleOutsideKeyScope {
		t.Fatalf("audit records = %+v, want one deny by %s", recs, gateway.RuleOutsideKeyScope)
	}
}
