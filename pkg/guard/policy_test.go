package guard

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
)

func TestCompileRefusesBadPolicies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		doc  string
		want []string // all must appear in the error
	}{
		{"a typo in a field is an error naming the field and line",
			"version: 1\nread_only: true\nalow: [github_*]\n", []string{`line 3: unknown field "alow"`}},
		{"a typo inside a rule is an error naming the field and line",
			"version: 1\nrules:\n  - id: r\n    wen: 'true'\n", []string{`line 4: unknown field "wen"`}},
		{"an empty policy", "", []string{"empty", "version: 1"}},
		{"a missing version", "read_only: true\n", []string{"version: missing"}},
		{"a future version", "version: 2\n", []string{"version: 2 is not supported"}},
		{"two YAML documents", "version: 1\n---\ndeny: [x]\n", []string{"more than one YAML document"}},
		{"a malformed YAML", "version: 1\nallow: [github_*\n", []string{"line"}},
		{"a list where a string is expected", "version: 1\nallow: github_*\n", []string{"line 2"}},
		{"a malformed glob", "version: 1\nallow: [\"github_[a-\"]\n", []string{"allow:", `"github_[a-" is malformed`}},
		{"an empty glob", "version: 1\ndeny: [\"\"]\n", []string{"deny: empty tool pattern"}},
		{"a ! in the deny list", "version: 1\ndeny: [\"!x\"]\n", []string{"cannot start with !"}},
		{"a rule that does not compile names the rule and CEL's message",
			"version: 1\nrules:\n  - id: mail-own-domain\n    when: 'argz.to.all(t, t.endsWith(\"@example.com\"))'\n",
			[]string{`rule "mail-own-domain" (line 3)`, "does not compile", "undeclared reference to 'argz'"}},
		{"a rule with a syntax error",
			"version: 1\nrules:\n  - id: broken\n    when: 'args.to ==='\n", []string{`rule "broken"`, "Syntax error"}},
		{"a rule returning an int is refused",
			"version: 1\nrules:\n  - id: count\n    when: 'size(args)'\n", []string{`rule "count"`, "returns int, not bool"}},
		{"a rule returning dyn is refused, since it might not be a bool",
			"version: 1\nrules:\n  - id: flag\n    when: 'args.confirmed'\n", []string{`rule "flag"`, "returns dyn, not bool", "args.x == true"}},
		{"a rule without a condition", "version: 1\nrules:\n  - id: r\n    tools: [x]\n", []string{`rule "r"`, "when: missing"}},
		{"a rule with a malformed tool glob",
			"version: 1\nrules:\n  - id: r\n    tools: [\"[\"]\n    when: 'true'\n", []string{`rule "r"`, "tools:", "malformed"}},
		{"two rules with one id",
			"version: 1\nrules:\n  - {id: r, when: 'true'}\n  - {id: r, when: 'false'}\n", []string{`rule "r" (line 4)`, "another rule has this id"}},
		{"an id with spaces", "version: 1\nrules:\n  - {id: 'my rule', when: 'true'}\n", []string{`rule "my rule"`, "id: use letters"}},
		{"a bad rate names its line", "version: 1\nrate_limits:\n  - id: r\n    limit: 20/x\n", []string{"line 4: limit:", `unknown period "x"`}},
		{"a rate limit without a limit", "version: 1\nrate_limits:\n  - {id: r, tools: [x]}\n", []string{`rate limit "r" (line 3)`, "limit: missing"}},
		{"two unnamed rate limits on the same tools",
			"version: 1\nrate_limits:\n  - {tools: [x], limit: 1/h}\n  - {tools: [x], limit: 5/d}\n", []string{"give each an id"}},
		{"a negative result size", "version: 1\nmax_result_bytes: -1\n", []string{"max_result_bytes: -1 is negative"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := Compile([]byte(tt.doc))
			if err == nil {
				t.Fatalf("Compile succeeded (%v), want an error containing %q", p, tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Compile error = %q, want it to contain %q", err, w)
				}
			}
		})
	}
}

func TestExamplePolicyCompiles(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile("testdata/example-policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p := mustCompile(t, string(doc))
	e := engineFor(p, newFakeCounter(), nil)
	tests := []struct {
		call      Call
		wantRule  string
		wantAllow bool
	}{
		{Call{Tool: "github_list_issues", ReadOnly: true}, "allow:github_*", true},
		{Call{Tool: "github_delete_repository"}, "deny:github_delete_*", false},
		{Call{Tool: "gmail_delete_message"}, "deny:gmail_delete_*", false},
		{Call{Tool: "slack_post_message"}, RuleAllowList, false},
		{Call{Tool: "gmail_send_message", Args: argsOf(`{"to":["Ann@Example.com"]}`)}, "allow:gmail_*", true},
		{Call{Tool: "gmail_send_message", Args: argsOf(`{"to":["ann@evil.test"]}`)}, "rule:mail-own-domain", false},
		{Call{Tool: "github_create_repository", Args: argsOf(`{"name":"x"}`)}, "rule:no-public-repos", false},
	}
	for _, tt := range tests {
		got, err := e.Decide(context.Background(), tt.call)
		if err != nil {
			t.Fatalf("Decide(%s): %v", tt.call.Tool, err)
		}
		if got.Allow != tt.wantAllow || got.Rule != tt.wantRule {
			t.Errorf("Decide(%s %s) = %s by %q (%s), want allow=%v by %q", tt.call.Tool, tt.call.Args, got.Name(), got.Rule, got.Reason, tt.wantAllow, tt.wantRule)
		}
		if got.MaxResultBytes != 65536 {
			t.Errorf("Decide(%s) max result = %d bytes, want 65536", tt.call.Tool, got.MaxResultBytes)
		}
	}
}

func TestMarshalThenCompileGivesTheSamePolicy(t *testing.T) {
	t.Parallel()
	example, err := os.ReadFile("testdata/example-policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, doc string }{
		{"the example policy", string(example)},
		{"derived ids and the ! shorthand",
			"version: 1\nallow: [a_*, '!a_b']\nrules:\n  - when: 'tool != \"x\"'\nrate_limits:\n  - {tools: [a_*], limit: 3/m}\n"},
		{"an old document with redact_credentials", "version: 1\nread_only: true\nredact_credentials: false\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			first, err := mustCompile(t, tt.doc).Marshal()
			if err != nil {
				t.Fatal(err)
			}
			p2, err := Compile(first)
			if err != nil {
				t.Fatalf("Compile(Marshal()) = %v\n%s", err, first)
			}
			second, err := p2.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(first, second) {
				t.Errorf("Marshal is not stable:\n%s\nthen\n%s", first, second)
			}
		})
	}
}

func TestMarshalWritesTheCanonicalForm(t *testing.T) {
	t.Parallel()
	p := mustCompile(t, `version: 1
allow: ["github_*", "!github_delete_*", "github_*"]
rules:
  - when: 'has(args.x)'
rate_limits:
  - tools: [gmail_send_message]
    limit: 20/h
`)
	got, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	want := `version: 1
read_only: false
allow:
  - github_*
deny:
  - github_delete_*
rules:
  - when: has(args.x)
rate_limits:
  - tools:
      - gmail_send_message
    limit: 20/h
`
	if string(got) != want {
		t.Errorf("Marshal() =\n%s\nwant\n%s", got, want)
	}
}

func TestNilPolicyMarshalsAsTheEmptyPolicyThatAllowsAll(t *testing.T) {
	t.Parallel()
	doc, err := (*Policy)(nil).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	got, err := engineFor(mustCompile(t, string(doc)), nil, nil).Decide(context.Background(), Call{Tool: "anything"})
	if err != nil || !got.Allow || got.Rule != RuleDefaultAllow {
		t.Errorf("Decide with %q = %+v, %v; want default-allow", doc, got, err)
	}
}

func TestRedactCredentialsOfOldDocumentsIsReadAndDropped(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"true", "false"} {
		doc := "version: 1\nread_only: true\nredact_credentials: " + v + "\n"
		got, err := mustCompile(t, doc).Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if want := "version: 1\nread_only: true\n"; string(got) != want {
			t.Errorf("Marshal(Compile(%q)) = %q, want %q", doc, got, want)
		}
	}
	if _, err := Compile([]byte("version: 1\nredact_credentials: maybe\n")); err == nil {
		t.Error("redact_credentials: maybe was accepted; a value that was never valid should still be refused")
	}
}
