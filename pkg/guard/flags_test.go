package guard

import (
	"context"
	"strings"
	"testing"
)

func TestFromFlagsBuildsAPolicy(t *testing.T) {
	t.Parallel()
	yes := true
	tests := []struct {
		name  string
		flags Flags
		want  string // the canonical YAML
	}{
		{"no flags is the empty policy", Flags{}, "version: 1\nread_only: false\n"},
		{"--allow, --deny and the ! shorthand",
			Flags{Allow: []string{"github_*", "!github_delete_*"}, Deny: []string{"gmail_send_message"}},
			"version: 1\nread_only: false\nallow:\n  - github_*\ndeny:\n  - github_delete_*\n  - gmail_send_message\n"},
		{"--read-only", Flags{ReadOnly: &yes}, "version: 1\nread_only: true\n"},
		{"--rate", Flags{Rates: []string{"gmail_send_message=20/h"}},
			"version: 1\nread_only: false\nrate_limits:\n  - tools:\n      - gmail_send_message\n    limit: 20/h\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := FromFlags(tt.flags)
			if err != nil {
				t.Fatal(err)
			}
			got, err := p.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("FromFlags(%+v) =\n%s\nwant\n%s", tt.flags, got, tt.want)
			}
		})
	}
}

func TestFromFlagsRefusesBadFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		flags Flags
		want  string
	}{
		{"a rate without a pattern", Flags{Rates: []string{"20/h"}}, `--rate "20/h": want TOOL_PATTERN=N/PERIOD`},
		{"a rate with a bad period", Flags{Rates: []string{"x=20/w"}}, `--rate "x=20/w"`},
		{"a rate with a bad pattern", Flags{Rates: []string{"[=1/h"}}, "malformed"},
		{"a malformed allow pattern", Flags{Allow: []string{"a["}}, "allow:"},
		{"a deny with !", Flags{Deny: []string{"!x"}}, "cannot start with !"},
		{"an empty allow pattern", Flags{Allow: []string{""}}, "empty tool pattern"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := FromFlags(tt.flags); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("FromFlags(%+v) error = %v, want it to contain %q", tt.flags, err, tt.want)
			}
		})
	}
}

func TestMergeAddsFlagsToAPolicy(t *testing.T) {
	t.Parallel()
	base := mustCompile(t, `version: 1
allow: [github_*]
rules:
  - {id: has-to, tools: [gmail_send_message], when: 'has(args.to)'}
rate_limits:
  - {id: mail-rate, tools: [gmail_send_message], limit: 20/h}
max_result_bytes: 4096
`)
	before, _ := base.Marshal()
	no := false
	merged, err := Merge(base, Flags{
		Allow:    []string{"gmail_*"},
		ReadOnly: &no,
		Rates:    []string{"gmail_send_message=5/h", "github_create_*=10/d"},
	})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := merged.Marshal()
	want := `version: 1
read_only: false
allow:
  - github_*
  - gmail_*
rules:
  - id: has-to
    tools:
      - gmail_send_message
    when: has(args.to)
rate_limits:
  - id: mail-rate
    tools:
      - gmail_send_message
    limit: 5/h
  - tools:
      - github_create_*
    limit: 10/d
max_result_bytes: 4096
`
	if string(got) != want {
		t.Errorf("Merge =\n%s\nwant\n%s", got, want)
	}
	if after, _ := base.Marshal(); string(after) != string(before) {
		t.Errorf("Merge changed its base:\n%s\nwas\n%s", after, before)
	}
	d, err := engineFor(merged, newFakeCounter(), nil).Decide(context.Background(), Call{Tool: "gmail_send_message"})
	if err != nil || d.Rule != "rule:has-to" {
		t.Errorf("merged policy decided %+v, %v; want its rule kept", d, err)
	}
}
