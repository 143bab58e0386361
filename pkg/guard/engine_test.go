package guard

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// decideCase is one call checked against one policy.
type decideCase struct {
	name       string
	policy     string
	call       Call
	wantAllow  bool
	wantRule   string
	wantReason string // a part of the reason; "" checks nothing
}

func runDecideCases(t *testing.T, tests []decideCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := engineFor(mustCompile(t, tt.policy), newFakeCounter(), nil).Decide(context.Background(), tt.call)
			if err != nil {
				t.Fatalf("Decide: %v", err)
			}
			if got.Allow != tt.wantAllow || got.Rule != tt.wantRule {
				t.Errorf("Decide(%s) = %s by %q (%s), want allow=%v by %q", tt.call.Tool, got.Name(), got.Rule, got.Reason, tt.wantAllow, tt.wantRule)
			}
			if !strings.Contains(got.Reason, tt.wantReason) {
				t.Errorf("reason = %q, want it to contain %q", got.Reason, tt.wantReason)
			}
			if got.Allow && got.Reason != "" {
				t.Errorf("an allowed call has reason %q, want none", got.Reason)
			}
		})
	}
}

func TestDecideToolPatternsAndPrecedence(t *testing.T) {
	t.Parallel()
	runDecideCases(t, []decideCase{
		{name: "an empty policy allows by default",
			policy: "version: 1\n", call: Call{Tool: "slack_post"}, wantAllow: true, wantRule: RuleDefaultAllow},
		{name: "an allow glob admits a matching tool and is named",
			policy: "version: 1\nallow: [github_*, gmail_search_*]\n", call: Call{Tool: "gmail_search_threads"},
			wantAllow: true, wantRule: "allow:gmail_search_*"},
		{name: "a tool on no allow entry is denied by the allow list",
			policy: "version: 1\nallow: [github_*]\n", call: Call{Tool: "gmail_send_message"},
			wantRule: RuleAllowList, wantReason: "gmail_send_message is not on this key's allow list"},
		{name: "deny wins over allow",
			policy: "version: 1\nallow: [gmail_*]\ndeny: [gmail_send_message]\n", call: Call{Tool: "gmail_send_message"},
			wantRule: "deny:gmail_send_message", wantReason: "deny list"},
		{name: "deny wins over a listed allow entry for the same tool",
			policy: "version: 1\nallow: [gmail_send_message]\ndeny: [gmail_*]\n", call: Call{Tool: "gmail_send_message"},
			wantRule: "deny:gmail_*"},
		{name: "the ! shorthand in the allow list denies",
			policy: "version: 1\nallow: [github_*, '!github_delete_*']\n", call: Call{Tool: "github_delete_repo"},
			wantRule: "deny:github_delete_*"},
		{name: "a ! entry alone does not make an allow list",
			policy: "version: 1\nallow: ['!gmail_send_message']\n", call: Call{Tool: "slack_post"},
			wantAllow: true, wantRule: RuleDefaultAllow},
		{name: "a deny list alone allows other tools by default",
			policy: "version: 1\ndeny: [gmail_*]\n", call: Call{Tool: "github_list_issues"},
			wantAllow: true, wantRule: RuleDefaultAllow},
		{name: "? and character classes are globs too",
			policy: "version: 1\nallow: ['drive_[lg]?t_*']\n", call: Call{Tool: "drive_get_file"},
			wantAllow: true, wantRule: "allow:drive_[lg]?t_*"},
		{name: "patterns match the whole name",
			policy: "version: 1\nallow: [github]\n", call: Call{Tool: "github_list_issues"}, wantRule: RuleAllowList},
		{name: "matching is case-sensitive",
			policy: "version: 1\ndeny: [gmail_*]\n", call: Call{Tool: "GMAIL_send"}, wantAllow: true, wantRule: RuleDefaultAllow},
	})
}

func TestDecideReadOnly(t *testing.T) {
	t.Parallel()
	runDecideCases(t, []decideCase{
		{name: "a read-only tool runs under a read-only policy",
			policy: "version: 1\nread_only: true\n", call: Call{Tool: "github_list_issues", ReadOnly: true},
			wantAllow: true, wantRule: RuleDefaultAllow},
		{name: "a tool not annotated read-only is denied",
			policy: "version: 1\nread_only: true\n", call: Call{Tool: "github_create_issue"},
			wantRule: RuleReadOnly, wantReason: "read-only"},
		{name: "an allow list does not override read-only",
			policy: "version: 1\nread_only: true\nallow: [github_*]\n", call: Call{Tool: "github_create_issue"},
			wantRule: RuleReadOnly},
		{name: "the deny list is checked before read-only",
			policy: "version: 1\nread_only: true\ndeny: [github_list_*]\n", call: Call{Tool: "github_list_issues", ReadOnly: true},
			wantRule: "deny:github_list_*"},
		{name: "write tools run when read_only is false",
			policy: "version: 1\nread_only: false\n", call: Call{Tool: "github_create_issue"},
			wantAllow: true, wantRule: RuleDefaultAllow},
	})
}

const mailPolicy = `version: 1
rules:
  - id: mail-own-domain
    tools: ["gmail_send_message", "gmail_create_draft"]
    when: 'args.to.all(t, t.endsWith("@example.com"))'
    reason: "mail may only go to example.com addresses"
  - id: small-pages
    tools: ["github_list_*"]
    when: '!has(args.per_page) || args.per_page <= 50'
  - id: by-name
    when: 'tool != "slack_delete_channel"'
`

func TestDecideArgumentConditions(t *testing.T) {
	t.Parallel()
	send := func(args string) Call { return Call{Tool: "gmail_send_message", Args: argsOf(args)} }
	runDecideCases(t, []decideCase{
		{name: "a true condition allows",
			policy: mailPolicy, call: send(`{"to":["a@example.com","b@example.com"],"body":"hi"}`),
			wantAllow: true, wantRule: RuleDefaultAllow},
		{name: "a false condition denies with the rule's reason",
			policy: mailPolicy, call: send(`{"to":["a@example.com","eve@evil.test"]}`),
			wantRule: "rule:mail-own-domain", wantReason: "mail may only go to example.com addresses"},
		{name: "a missing argument denies and says which",
			policy: mailPolicy, call: send(`{"body":"hi"}`),
			wantRule: "rule:mail-own-domain", wantReason: `rule mail-own-domain could not be checked: argument "to" is missing`},
		{name: "absent arguments deny like a missing argument",
			policy: mailPolicy, call: Call{Tool: "gmail_create_draft"},
			wantRule: "rule:mail-own-domain", wantReason: `argument "to" is missing`},
		{name: "an argument of the wrong type denies",
			policy: mailPolicy, call: send(`{"to":"a@example.com"}`),
			wantRule: "rule:mail-own-domain", wantReason: "wrong type"},
		{name: "a rule for other tools is not evaluated",
			policy: mailPolicy, call: Call{Tool: "gmail_search_threads", Args: argsOf(`{}`)},
			wantAllow: true, wantRule: RuleDefaultAllow},
		{name: "JSON numbers compare with integer literals",
			policy: mailPolicy, call: Call{Tool: "github_list_issues", Args: argsOf(`{"per_page":100}`)},
			wantRule: "rule:small-pages", wantReason: "does not satisfy the condition"},
		{name: "a number argument sent as a string denies",
			policy: mailPolicy, call: Call{Tool: "github_list_issues", Args: argsOf(`{"per_page":"100"}`)},
			wantRule: "rule:small-pages", wantReason: "wrong type"},
		{name: "an optional argument may be absent",
			policy: mailPolicy, call: Call{Tool: "github_list_issues", Args: argsOf(`{}`)},
			wantAllow: true, wantRule: RuleDefaultAllow},
		{name: "a rule without tools applies to every tool and sees its name",
			policy: mailPolicy, call: Call{Tool: "slack_delete_channel"},
			wantRule: "rule:by-name", wantReason: "rule by-name"},
		{name: "the deny list is checked before conditions",
			policy: mailPolicy + "deny: [gmail_send_message]\n", call: send(`{}`),
			wantRule: "deny:gmail_send_message"},
	})
}

func TestDecideRateLimitAtTheBoundary(t *testing.T) {
	t.Parallel()
	p := mustCompile(t, `version: 1
rules:
  - {id: has-to, tools: [gmail_send_message], when: 'has(args.to)'}
rate_limits:
  - {id: mail-rate, tools: [gmail_send_message], limit: 20/h}
`)
	counter := newFakeCounter()
	clock := &fakeClock{t: time.Date(2026, 3, 1, 10, 15, 0, 0, time.UTC)}
	e := engineFor(p, counter, clock)
	ctx := context.Background()
	send := Call{UserID: "u1", KeyID: "k1", Tool: "gmail_send_message", Args: argsOf(`{"to":["a@example.com"]}`)}

	for i := 1; i <= 20; i++ {
		got, err := e.Decide(ctx, send)
		if err != nil || !got.Allow {
			t.Fatalf("call %d = %+v, %v; want allowed", i, got, err)
		}
	}
	got, err := e.Decide(ctx, send)
	if err != nil {
		t.Fatal(err)
	}
	wantReason := "this key's rate limit 20/h for gmail_send_message reached; try again after 2026-03-01T11:00:00Z"
	if got.Allow || got.Rule != "rate:mail-rate" || got.Reason != wantReason {
		t.Errorf("call 21 = %s by %q (%q), want deny by rate:mail-rate (%q)", got.Name(), got.Rule, got.Reason, wantReason)
	}

	// A call something else denies is not counted; another key has its own budget.
	if got, _ := e.Decide(ctx, Call{UserID: "u1", KeyID: "k2", Tool: "gmail_send_message"}); got.Rule != "rule:has-to" {
		t.Errorf("call without to = %q, want rule:has-to", got.Rule)
	}
	other := send
	other.KeyID = "k2"
	if got, _ := e.Decide(ctx, other); !got.Allow {
		t.Errorf("first call of another key = %+v, want allowed", got)
	}
	if got, _ := e.Decide(ctx, Call{UserID: "u1", KeyID: "k1", Tool: "gmail_search"}); !got.Allow {
		t.Errorf("a tool without a limit = %+v, want allowed", got)
	}

	clock.Set(time.Date(2026, 3, 1, 10, 59, 59, 0, time.UTC))
	if got, _ := e.Decide(ctx, send); got.Allow {
		t.Errorf("the last second of the window = allowed, want denied")
	}
	clock.Set(time.Date(2026, 3, 1, 11, 0, 0, 0, time.UTC))
	if got, err := e.Decide(ctx, send); err != nil || !got.Allow {
		t.Errorf("first call of the next window = %+v, %v; want allowed", got, err)
	}
}

func TestDecideRefusesWhenInfrastructureFails(t *testing.T) {
	t.Parallel()
	limited := mustCompile(t, "version: 1\nrate_limits:\n  - {tools: [x], limit: 1/s}\n")
	down := newFakeCounter()
	down.err = errors.New("database is locked")
	tests := []struct {
		name    string
		engine  *Engine
		wantErr string
	}{
		{"the rate counter is down", engineFor(limited, down, nil), "database is locked"},
		{"no rate counter is configured", engineFor(limited, nil, nil), "no rate counter"},
		{"the policy cannot be loaded", New(func(context.Context, string, string) (Effective, error) {
			return Effective{}, errors.New("store closed")
		}, nil, Options{}), "load guardrail policy: store closed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tt.engine.Decide(context.Background(), Call{Tool: "x"})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Decide = %+v, %v; want an error containing %q", got, err, tt.wantErr)
			}
			if got.Allow {
				t.Errorf("Decide returned an allowing decision with its error")
			}
		})
	}
}

func TestDecideCarriesResultHandling(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		policy  *Policy
		wantMax int
	}{
		{"no policy leaves the gateway's default size", nil, 0},
		{"the policy's size is carried", mustCompile(t, "version: 1\nmax_result_bytes: 1000\n"), 1000},
		{"an old document's redact_credentials is ignored", mustCompile(t, "version: 1\nredact_credentials: false\n"), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := engineFor(tt.policy, nil, nil).Decide(context.Background(), Call{Tool: "x"})
			if err != nil {
				t.Fatal(err)
			}
			if !got.Allow || got.MaxResultBytes != tt.wantMax {
				t.Errorf("Decide = %+v; want allowed with max %d", got, tt.wantMax)
			}
		})
	}
}

func TestDecideDeniesArgumentsTooCostlyToCheck(t *testing.T) {
	t.Parallel()
	to := strings.Repeat(`"a@example.com",`, 400_000)
	call := Call{Tool: "gmail_send_message", Args: argsOf(`{"to":[` + to + `"a@example.com"]}`)}
	got, err := engineFor(mustCompile(t, mailPolicy), nil, nil).Decide(context.Background(), call)
	if err != nil {
		t.Fatal(err)
	}
	if got.Allow || got.Rule != "rule:mail-own-domain" || !strings.Contains(got.Reason, "too large to check") {
		t.Errorf("Decide = %s by %q (%s), want a denial by rule:mail-own-domain saying the arguments are too large", got.Name(), got.Rule, got.Reason)
	}
}

func TestDecideReturnsAnErrorWhenCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p := mustCompile(t, mailPolicy)
	small := Call{Tool: "gmail_send_message", Args: argsOf(`{"to":["a@example.com"]}`)}
	if got, err := engineFor(p, nil, nil).Decide(ctx, small); err == nil || got.Allow {
		t.Errorf("Decide with a cancelled context = %+v, %v; want an error", got, err)
	}
	// Cancelled while a condition runs: the check stops and is an error, not a denial.
	big := Call{Tool: "gmail_send_message", Args: argsOf(`{"to":[` + strings.Repeat(`"a@example.com",`, 1000) + `"a@example.com"]}`)}
	if got, err := (Effective{Key: p}).decide(ctx, big, nil, time.Now); !errors.Is(err, context.Canceled) || got.Allow {
		t.Errorf("decide cancelled mid-condition = %+v, %v; want context.Canceled", got, err)
	}
}
