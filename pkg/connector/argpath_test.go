package connector_test

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/connector"
)

// schemaProps reads what the variant generator needs of a tool's schema.
type schemaProps struct {
	Properties map[string]struct {
		Type    string
		Enum    []string
		Minimum *int
		Maximum *int
		Items   *struct{ Enum []string }
	}
	Required []string
}

// stringVariants are rewrites a person or a model makes of a value: spaces,
// case, the forms connectors accept as aliases (#channel, owner/repo,
// links, display names, relative and trailing-slash paths).
var stringVariants = []func(v string) string{
	func(v string) string { return v },
	func(v string) string { return "  " + v + "\t" },
	func(v string) string { return strings.ToUpper(v) },
	func(v string) string { return "#" + v },
	func(v string) string { return strings.TrimPrefix(v, "/") + "/" },
	func(v string) string { return "octocat/" + v },
	func(v string) string { return "https://drive.google.com/file/d/" + v + "/view" },
	func(v string) string { return "https://drive.google.com/open?id=" + v },
	func(v string) string { return "Some One <" + v + ">" },
	func(v string) string { return v + "\n" },
	func(v string) string { return "" },
}

// variants makes n raw argument objects from seed: each string is
// rewritten by a random stringVariant, optional arguments are dropped or
// added with values the schema allows.
func variants(t *testing.T, tool connector.Tool, seed string, n int, rng *rand.Rand) []string {
	t.Helper()
	var sch schemaProps
	if err := json.Unmarshal(tool.InputSchema, &sch); err != nil {
		t.Fatal(err)
	}
	var base map[string]any
	if err := json.Unmarshal([]byte(seed), &base); err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(sch.Properties))
	for k := range sch.Properties {
		names = append(names, k)
	}
	slices.Sort(names)
	out := []string{seed}
	for range n {
		v := map[string]any{}
		for _, k := range names {
			p := sch.Properties[k]
			x, present := base[k]
			optional := !slices.Contains(sch.Required, k)
			switch {
			case present && optional && rng.IntN(5) == 0:
				continue // dropped
			case !present && optional && rng.IntN(3) == 0:
				x = sample(p.Type, p.Enum, p.Minimum, p.Maximum, p.Items, rng)
			case !present:
				continue
			}
			v[k] = mutate(x, rng)
		}
		b, _ := json.Marshal(v)
		out = append(out, string(b))
	}
	return out
}

func sample(typ string, enum []string, lo, hi *int, items *struct{ Enum []string }, rng *rand.Rand) any {
	switch {
	case len(enum) > 0:
		return enum[rng.IntN(len(enum))]
	case typ == "integer":
		min, max := 1, 50
		if lo != nil {
			min = *lo
		}
		if hi != nil {
			max = *hi
		}
		return min + rng.IntN(max-min+1)
	case typ == "boolean":
		return rng.IntN(2) == 0
	case typ == "array" && items != nil && len(items.Enum) > 0:
		return []any{items.Enum[rng.IntN(len(items.Enum))]}
	case typ == "array":
		return []any{"x@example.com"}
	}
	return "x"
}

func mutate(x any, rng *rand.Rand) any {
	switch t := x.(type) {
	case string:
		if rng.IntN(3) == 0 {
			return t // most arguments of a call are as they should be
		}
		return stringVariants[rng.IntN(len(stringVariants))](t)
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = mutate(e, rng)
		}
		return out
	}
	return x
}

// TestUpstreamRequestIsAFunctionOfTheCanonicalArguments is the property
// behind one argument path, over all 32 built-in tools: for generated raw
// arguments (whitespace, case and alias variants of valid ones), preparing
// the canonical value again gives the same canonical value, and running
// either sends byte-identical requests (method, path, query, body,
// Dropbox-API-Arg). So what the guard and the audit log see is exactly
// what reaches the upstream.
func TestUpstreamRequestIsAFunctionOfTheCanonicalArguments(t *testing.T) {
	t.Parallel()
	tools := builtinTools(t)
	if len(tools) != 32 || len(validArgs) != 32 {
		t.Fatalf("%d tools and %d seeds, want 32 of each", len(tools), len(validArgs))
	}
	for name, tool := range tools {
		seed, ok := validArgs[name]
		if !ok {
			t.Fatalf("no seed arguments for %s", name)
		}
		provider, _, _ := strings.Cut(name, "/")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(1, uint64(len(name))))
			prepared := 0
			for _, raw := range variants(t, tool, seed, 24, rng) {
				p1, err := connector.Prepare(tool, json.RawMessage(raw))
				if err != nil {
					continue // refused: nothing to send
				}
				prepared++
				canon := canonicalJSON(t, p1.Args)
				p2, err := connector.Prepare(tool, canon)
				if err != nil {
					t.Fatalf("raw %s prepared to %s, which is refused: %v", raw, canon, err)
				}
				if again := canonicalJSON(t, p2.Args); string(again) != string(canon) {
					t.Fatalf("canonical value is not stable:\nraw    %s\nfirst  %s\nsecond %s", raw, canon, again)
				}
				got, want := runOnFreshFake(t, provider, p1), runOnFreshFake(t, provider, p2)
				if !slices.Equal(got, want) {
					t.Fatalf("raw %s and its canonical %s sent different requests:\n%q\n%q", raw, canon, got, want)
				}
				if len(got) == 0 {
					t.Fatalf("raw %s sent no request", raw)
				}
			}
			if prepared < 3 {
				t.Errorf("only %d variants were accepted; the property was hardly exercised", prepared)
			}
		})
	}
}

// TestNamesDifferingOnlyInCaseAreRefused: encoding/json would have matched
// "Repo" to repo; the schema refuses it, for every argument of every tool.
func TestNamesDifferingOnlyInCaseAreRefused(t *testing.T) {
	t.Parallel()
	for name, tool := range builtinTools(t) {
		var args map[string]json.RawMessage
		if err := json.Unmarshal([]byte(validArgs[name]), &args); err != nil {
			t.Fatal(err)
		}
		for k := range args {
			bad := map[string]json.RawMessage{}
			for k2, v := range args {
				if k2 == k {
					k2 = strings.ToUpper(k2[:1]) + k2[1:]
				}
				bad[k2] = v
			}
			raw, _ := json.Marshal(bad)
			_, err := connector.Prepare(tool, raw)
			if err == nil || !strings.Contains(err.Error(), "case-sensitive") {
				t.Errorf("%s %s: error = %v, want a refusal naming the case", name, raw, err)
			}
		}
	}
}

func TestStrictParseRefuses(t *testing.T) {
	t.Parallel()
	tool := builtinTools(t)["github/get_repo"]
	tests := []struct{ name, raw, want string }{
		{"a duplicate key", `{"owner":"octocat","repo":"hello-world","repo":"other"}`, "argument repo appears twice"},
		{"a duplicate key in a nested object", `{"owner":"octocat","repo":"hello-world","x":{"a":1,"a":2}}`, "argument x.a appears twice"},
		{"an unknown key", `{"owner":"octocat","repo":"hello-world","branch":"main"}`, `unknown argument "branch"`},
		{"a wrong type", `{"owner":"octocat","repo":5}`, "argument repo must be a string, not a number"},
		{"a missing argument", `{"owner":"octocat"}`, "argument repo is required"},
		{"not an object", `["octocat"]`, "arguments must be a JSON object"},
		{"trailing data", `{"owner":"octocat","repo":"r"} {}`, "arguments must be a single JSON object"},
		{"broken JSON", `{"owner":`, "arguments are not valid JSON"},
		{"a number beyond exact floats", `{"owner":"octocat","repo":"r","n":9007199254740993}`, "argument n is a number too large to be exact"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := connector.Prepare(tool, json.RawMessage(tt.raw))
			var ae *connector.ArgumentError
			if err == nil || !strings.Contains(err.Error(), tt.want) || !errorsAs(err, &ae) {
				t.Errorf("Prepare(%s) error = %v, want an ArgumentError containing %q", tt.raw, err, tt.want)
			}
		})
	}
}

// TestToolsDeclareTheirContent: the audit log hashes content and keeps
// everything else; each tool that carries text to an upstream says which
// arguments that text is in, and each such name is one of its arguments.
func TestToolsDeclareTheirContent(t *testing.T) {
	t.Parallel()
	want := map[string][]string{
		"github/create_issue":       {"body"},
		"github/comment_issue":      {"body"},
		"slack/post_message":        {"text"},
		"slack/reply_in_thread":     {"text"},
		"google/gmail_send":         {"body"},
		"google/gmail_create_draft": {"body"},
		"google/drive_create_text":  {"content"},
		"dropbox/upload_text":       {"text"},
	}
	for name, tool := range builtinTools(t) {
		if !slices.Equal(tool.Content, want[name]) {
			t.Errorf("%s: Content = %q, want %q", name, tool.Content, want[name])
		}
		var sch schemaProps
		if err := json.Unmarshal(tool.InputSchema, &sch); err != nil {
			t.Fatal(err)
		}
		for _, c := range tool.Content {
			if _, ok := sch.Properties[c]; !ok {
				t.Errorf("%s: content field %q is not an argument", name, c)
			}
		}
	}
}
