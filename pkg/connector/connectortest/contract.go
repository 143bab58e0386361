package connectortest

import (
	"context"
	"encoding/json"
	"os/exec"
	"reflect"
	"strings"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/connector"
)

// ContractCall is one tool call a contract test records: every tool of
// the provider needs at least one.
type ContractCall struct{ Tool, Args string }

// RunContract has the provider identify the token, then runs each call on
// up; a call that fails, or names no tool, fails the test, and so does a
// tool of the provider that no call names. fill, when not nil, rewrites
// each call's arguments just before it runs (to carry a cursor an earlier
// answer gave).
func RunContract(t *testing.T, provider string, up connector.Upstream, calls []ContractCall, fill func(args string) string) {
	t.Helper()
	p, err := connector.Lookup(provider)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Identify(context.Background(), up); err != nil {
		t.Fatalf("Identify: %v", err)
	}
	tools := map[string]connector.Tool{}
	for _, tl := range p.Tools() {
		tools[tl.Name] = tl
	}
	called := map[string]bool{}
	for _, c := range calls {
		tl, ok := tools[c.Tool]
		if !ok {
			t.Fatalf("%s has no tool %s", provider, c.Tool)
		}
		called[c.Tool] = true
		args := c.Args
		if fill != nil {
			args = fill(args)
		}
		if _, err := connector.Call(context.Background(), tl, up, json.RawMessage(args)); err != nil {
			t.Fatalf("%s %s: %v", c.Tool, args, err)
		}
	}
	for _, tl := range p.Tools() {
		if !called[tl.Name] {
			t.Errorf("tool %s has no contract call", tl.Name)
		}
	}
}

// ModuleDir is the directory of a module this build uses, as `go list -m`
// reports it; the test fails when the module is not in the cache.
func ModuleDir(t *testing.T, module string) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", module).Output()
	dir := strings.TrimSpace(string(out))
	if err != nil || dir == "" {
		t.Fatalf("go list -m %s: %v (run go mod download)", module, err)
	}
	return dir
}

// ReadsOnly lists the JSON fields of mine, a connector's type, that theirs,
// the SDK's type for the same JSON, lacks; it descends into fields both
// have, through pointers and slices, naming each as at.field. A field of
// an embedded struct counts as theirs unless a shallower field has its
// name, as encoding/json decides. extra names fields the SDK decodes
// without a tag of its own (Dropbox's ".tag" union tag), at every level.
func ReadsOnly(at string, mine, theirs reflect.Type, extra map[string]reflect.Type) []string {
	for mine.Kind() == reflect.Pointer || mine.Kind() == reflect.Slice {
		mine = mine.Elem()
	}
	for theirs.Kind() == reflect.Pointer || theirs.Kind() == reflect.Slice {
		theirs = theirs.Elem()
	}
	if mine.Kind() != reflect.Struct || theirs.Kind() != reflect.Struct {
		return nil
	}
	fields := jsonFields(theirs)
	for name, typ := range extra {
		if _, ok := fields[name]; !ok {
			fields[name] = typ
		}
	}
	var bad []string
	for i := range mine.NumField() {
		f := mine.Field(i)
		name := jsonName(f)
		if name == "" {
			continue
		}
		ft, ok := fields[name]
		if !ok {
			bad = append(bad, at+"."+name)
			continue
		}
		bad = append(bad, ReadsOnly(at+"."+name, f.Type, ft, extra)...)
	}
	return bad
}

// jsonFields maps the JSON names of a struct's fields, embedded structs'
// included, to their types; a shallower field wins over a deeper one of
// the same name, and the first wins among equals.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	fields := map[string]reflect.Type{}
	depth := map[string]int{}
	var collect func(reflect.Type, int)
	collect = func(t reflect.Type, d int) {
		for i := range t.NumField() {
			f := t.Field(i)
			if f.Anonymous && f.Type.Kind() == reflect.Struct {
				collect(f.Type, d+1)
			}
			name := jsonName(f)
			if name == "" {
				continue
			}
			if seen, ok := depth[name]; !ok || d < seen {
				fields[name], depth[name] = f.Type, d
			}
		}
	}
	collect(t, 0)
	return fields
}

// jsonName is the name in a field's json tag, or "" when it has none.
func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "-" {
		return ""
	}
	return name
}
