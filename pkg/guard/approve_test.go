package guard

import (
	"context"
	"strings"
	"testing"
)

func TestDecideApproval(t *testing.T) {
	t.Parallel()
	const outside = `version: 1
approve: [github_create_*]
rules:
  - id: outside-mail
    tools: [google_gmail_send]
    when: '!args.to.endsWith("@example.com")'
    action: approve
  - id: no-bcc
    tools: [google_gmail_send]
    when: '!("bcc" in args)'
`
	tests := []struct {
		name        string
		policy      string
		call        Call
		wantAllow   bool
		wantApprove bool
		wantRule    string
	}{
		{"an approve pattern asks for approval", outside, Call{Tool: "github_create_issue"}, true, true, "approve:github_create_*"},
		{"a tool on no approve pattern runs", outside, Call{Tool: "github_list_issues"}, true, false, RuleDefaultAllow},
		{"an approve rule whose condition holds asks for approval", outside,
			Call{Tool: "google_gmail_send", Args: map[string]any{"to": "x@elsewhere.org"}}, true, true, "rule:outside-mail"},
		{"an approve rule whose condition fails lets the call run", outside,
			Call{Tool: "google_gmail_send", Args: map[string]any{"to": "x@example.com"}}, true, false, RuleDefaultAllow},
		{"a deny rule still denies a call that needs approval", outside,
			Call{Tool: "google_gmail_send", Args: map[string]any{"to": "x@elsewhere.org", "bcc": "y@z"}}, false, false, "rule:no-bcc"},
		{"deny wins over approve", "version: 1\napprove: [gmail_*]\ndeny: [gmail_send]\n", Call{Tool: "gmail_send"}, false, false, "deny:gmail_send"},
		{"the default policy's approve applies to a key", "", Call{Tool: "gmail_send"}, true, true, "default:approve:gmail_*"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			eff := Effective{}
			if tt.policy == "" {
				eff.Default = mustCompile(t, "version: 1\napprove: [gmail_*]\n")
				eff.Key = mustCompile(t, "version: 1\n")
			} else {
				eff.Key = mustCompile(t, tt.policy)
			}
			e := layeredEngine(eff, newFakeCounter(), nil)
			got, err := e.Decide(context.Background(), tt.call)
			if err != nil {
				t.Fatal(err)
			}
			if got.Allow != tt.wantAllow || got.Approve != tt.wantApprove || got.Rule != tt.wantRule {
				t.Errorf("Decide(%s) = allow %v approve %v by %q, want allow %v approve %v by %q",
					tt.call.Tool, got.Allow, got.Approve, got.Rule, tt.wantAllow, tt.wantApprove, tt.wantRule)
			}
		})
	}
}

func TestApprovePolicyRoundTripsAndIsChecked(t *testing.T) {
	t.Parallel()
	doc := "version: 1\napprove: [gmail_send]\nrules:\n  - id: r\n    when: args.n > 3\n    action: approve\n"
	p := mustCompile(t, doc)
	out, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "approve:\n  - gmail_send") || !strings.Contains(string(out), "action: approve") {
		t.Errorf("Marshal = %s, want the approve list and the rule's action", out)
	}
	for doc, want := range map[string]string{
		"version: 1\napprove: ['[']\n":                            "approve: tool pattern",
		"version: 1\nrules:\n  - when: 'true'\n    action: ask\n": `action: "ask" is not an action`,
	} {
		if _, err := Compile([]byte(doc)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Compile(%q) = %v, want an error with %q", doc, err, want)
		}
	}
}
