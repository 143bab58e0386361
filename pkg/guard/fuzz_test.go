package guard

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"
)

// fuzzCalls are the calls every fuzzed policy is evaluated against: a
// read-only and a writing tool, arguments of each JSON type, none at all.
var fuzzCalls = []Call{
	{UserID: "u1", KeyID: "k1", Tool: "github_get_repo", ReadOnly: true, Args: argsOf(`{"owner":"octocat","repo":"hello-world"}`)},
	{UserID: "u1", KeyID: "k1", Tool: "gmail_send_message", Args: argsOf(`{"to":["a@example.com","B@Example.com"],"n":3,"private":true,"nested":{"a":[1,2.5,"x",null]}}`)},
	{UserID: "u1", KeyID: "k1", Tool: "\u2603_delete", Args: nil},
}

// FuzzPolicyYAML parses, compiles (CEL type-check included) and evaluates
// arbitrary policy documents. Whatever the document, nothing panics; a
// policy that compiles marshals to a document that compiles again; and
// every call, checked against it as the default and as a key's own policy,
// gets a decision naming its rule, or an error only for a cost the check
// refused. Its seed corpus (testdata/fuzz/FuzzPolicyYAML and the example
// policies) runs in every `go test`.
func FuzzPolicyYAML(f *testing.F) {
	for _, path := range []string{"testdata/example-policy.yaml", "../../configs/policy.example.yaml"} {
		doc, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(doc)
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		// An input that takes this long is a bug (conditions are cost-limited); the
		// panic stops the fuzzer with the input saved, where a hang would not.
		watchdog := time.AfterFunc(10*time.Second, func() { panic(fmt.Sprintf("slow input: %q", doc)) })
		defer watchdog.Stop()
		p, err := Compile(doc)
		if err != nil {
			if p != nil {
				t.Fatalf("Compile returned a policy and the error %v", err)
			}
			if err.Error() == "" {
				t.Fatal("Compile returned an empty error")
			}
			return
		}
		again, err := p.Marshal()
		if err != nil {
			t.Fatalf("Marshal of a compiled policy: %v", err)
		}
		p2, err := Compile(again)
		if err != nil {
			t.Fatalf("Compile(Marshal()) = %v\nfrom\n%s\nmarshalled\n%s", err, doc, again)
		}
		clock := &fakeClock{t: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}
		for _, eff := range []Effective{{Key: p}, {Default: p, Key: p2}} {
			e := layeredEngine(eff, newFakeCounter(), clock)
			for _, c := range fuzzCalls {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				d, err := e.Decide(ctx, c)
				cancel()
				if err != nil {
					t.Fatalf("Decide(%s): %v\npolicy:\n%s", c.Tool, err, doc)
				}
				if d.Rule == "" || (!d.Allow && d.Reason == "") {
					t.Fatalf("Decide(%s) = %+v: a decision names its rule, a denial its reason", c.Tool, d)
				}
			}
			_ = eff.Explain()
		}
	})
}
