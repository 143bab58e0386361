package connector_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/guard"
)

// fuzzPolicy has a condition for every tool, so each prepared call is
// evaluated by CEL.
const fuzzPolicy = `version: 1
rules:
  - id: looks-at-args
    when: 'size(args) >= 0 && (!has(args.to) || args.to.all(t, t.endsWith("@example.com")))'
`

// FuzzToolArguments feeds arbitrary bytes, as the arguments of each
// built-in tool, through the one argument path: strict parse, schema
// validation and the connector's Prepare, then the guard. Nothing may
// panic, an error must be an ArgumentError, and an accepted call's
// canonical value must prepare again to itself.
func FuzzToolArguments(f *testing.F) {
	tools := builtinTools(f)
	names := make([]string, 0, len(tools))
	for n := range tools {
		names = append(names, n)
	}
	slices.Sort(names)
	for i, n := range names {
		f.Add(uint8(i), []byte(validArgs[n]))
	}
	p, err := guard.Compile([]byte(fuzzPolicy))
	if err != nil {
		f.Fatal(err)
	}
	g := guard.New(func(context.Context, string, string) (guard.Effective, error) { return guard.Effective{Key: p}, nil }, nil, guard.Options{})
	f.Fuzz(func(t *testing.T, which uint8, raw []byte) {
		name := names[int(which)%len(names)]
		tool := tools[name]
		prep, err := connector.Prepare(tool, raw)
		if err != nil {
			var ae *connector.ArgumentError
			if !errorsAs(err, &ae) {
				t.Fatalf("%s: error %v is not an ArgumentError", name, err)
			}
			return
		}
		canon, err := json.Marshal(prep.Args)
		if err != nil {
			t.Fatalf("%s: canonical value does not encode: %v", name, err)
		}
		again, err := connector.Prepare(tool, canon)
		if err != nil {
			t.Fatalf("%s: %s prepared to %s, which is refused: %v", name, raw, canon, err)
		}
		if b, _ := json.Marshal(again.Args); string(b) != string(canon) {
			t.Fatalf("%s: canonical value not stable: %s then %s", name, canon, b)
		}
		if _, err := g.Decide(t.Context(), guard.Call{Tool: "x_" + tool.Name, Args: prep.Args}); err != nil {
			t.Fatalf("%s: guard could not decide: %v", name, err)
		}
	})
}
