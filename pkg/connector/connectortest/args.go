package connectortest

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/url"
	"sort"
	"strings"
	"testing"
	"unicode"

	"github.com/mcpgate/mcpgate/pkg/connector"
)

// badArgs are arguments a tool must refuse, by what is wrong with them.
type badArgs struct{ what, args string }

// argSchema is what the argument checks read of an input schema.
type argSchema struct {
	Properties map[string]struct {
		Type any `json:"type"`
	} `json:"properties"`
	Required []string `json:"required"`
}

// checkArguments sends every tool arguments its schema refuses and checks
// that each is an ArgumentError with no request sent.
func (s Suite[F]) checkArguments(t *testing.T, tools []connector.Tool) {
	for _, tl := range tools {
		t.Run(tl.Name, func(t *testing.T) {
			t.Parallel()
			base, ok := s.baseArgs(t, tl)
			if !ok {
				return
			}
			for _, b := range refusedArgs(tl.InputSchema, base) {
				t.Run(b.what, func(t *testing.T) {
					fake, up := s.NewFake(t)
					out, err := s.Call(t, up, tl.Name, b.args)
					var ae *connector.ArgumentError
					if !errors.As(err, &ae) {
						t.Errorf("%s(%s) = %q, %v; want an ArgumentError", tl.Name, b.args, out, err)
					}
					if n := fake.Requests(); n != 0 {
						t.Errorf("%s(%s) sent %d requests, want none", tl.Name, b.args, n)
					}
				})
			}
		})
	}
}

// baseArgs are the tool's ValidArgs, or else arguments made of its
// required properties, as an object the tool accepts.
func (s Suite[F]) baseArgs(t *testing.T, tl connector.Tool) (map[string]json.RawMessage, bool) {
	raw, valid := s.ValidArgs[tl.Name]
	base := map[string]json.RawMessage{}
	if valid {
		if err := json.Unmarshal([]byte(raw), &base); err != nil {
			t.Fatalf("ValidArgs of %s: %v", tl.Name, err)
		}
	} else {
		var sc argSchema
		_ = json.Unmarshal(tl.InputSchema, &sc)
		for _, r := range sc.Required {
			base[r] = sampleOf(typeOf(sc.Properties[r].Type))
		}
	}
	b, _ := json.Marshal(base)
	if _, err := connector.Prepare(tl, b); err != nil {
		if valid {
			t.Fatalf("ValidArgs of %s refused: %v", tl.Name, err)
		}
		t.Logf("no arguments of %s to vary: %s refused: %v", tl.Name, b, err)
		return nil, false
	}
	return base, true
}

// refusedArgs varies base into arguments the schema refuses.
func refusedArgs(schema json.RawMessage, base map[string]json.RawMessage) []badArgs {
	var sc argSchema
	_ = json.Unmarshal(schema, &sc)
	with := func(k string, v json.RawMessage) string {
		m := map[string]json.RawMessage{k: v}
		for bk, bv := range base {
			if bk != k {
				m[bk] = bv
			}
		}
		b, _ := json.Marshal(m)
		return string(b)
	}
	out := []badArgs{
		{"an unknown name", with("mcpgate_conformance_unknown", json.RawMessage(`true`))},
		{"not an object", `[` + with("x", json.RawMessage(`1`)) + `]`},
	}
	names := make([]string, 0, len(sc.Properties))
	for n := range sc.Properties {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		typ := typeOf(sc.Properties[n].Type)
		if v := caseVariant(n); v != n && !hasName(sc, v) {
			out = append(out, badArgs{"a case-variant name " + v, with(v, sampleOf(typ))})
		}
		if wrong := wrongFor(typ); wrong != nil {
			out = append(out, badArgs{"a wrong type for " + n, with(n, wrong)})
		}
		val, ok := base[n]
		if !ok {
			val = sampleOf(typ)
		}
		rest := strings.TrimPrefix(with(n, val), "{")
		key, _ := json.Marshal(n)
		out = append(out, badArgs{"a duplicate " + n, "{" + string(key) + ":" + string(val) + "," + rest})
		if len(out) >= 12 {
			break
		}
	}
	return out
}

func hasName(sc argSchema, name string) bool {
	_, ok := sc.Properties[name]
	return ok
}

// caseVariant is name with its first letter's case flipped.
func caseVariant(name string) string {
	r := []rune(name)
	for i, c := range r {
		if unicode.IsLetter(c) {
			if unicode.IsUpper(c) {
				r[i] = unicode.ToLower(c)
			} else {
				r[i] = unicode.ToUpper(c)
			}
			return string(r)
		}
	}
	return name
}

// typeOf is a schema type when it is one name ("" for a union or none).
func typeOf(t any) string {
	s, _ := t.(string)
	return s
}

// sampleOf is a value of JSON type typ.
func sampleOf(typ string) json.RawMessage {
	switch typ {
	case "integer", "number":
		return json.RawMessage(`1`)
	case "boolean":
		return json.RawMessage(`true`)
	case "array":
		return json.RawMessage(`[]`)
	case "object":
		return json.RawMessage(`{}`)
	}
	return json.RawMessage(`"x"`)
}

// wrongFor is a value that is not of type typ, or nil when typ is unknown.
func wrongFor(typ string) json.RawMessage {
	switch typ {
	case "string":
		return json.RawMessage(`12345`)
	case "integer", "number", "boolean", "array", "object":
		return json.RawMessage(`"not a ` + typ + `"`)
	}
	return nil
}

// secretForms are the ways a credential could be written out.
func secretForms(s string) []string {
	return []string{s, base64.StdEncoding.EncodeToString([]byte(s)), base64.RawURLEncoding.EncodeToString([]byte(s)),
		hex.EncodeToString([]byte(s)), url.QueryEscape(s)}
}

// assertNoSecret fails the test when text holds cred in any form.
func assertNoSecret(t testing.TB, where, text, cred string) {
	t.Helper()
	for _, f := range secretForms(cred) {
		if strings.Contains(text, f) {
			t.Errorf("%s holds the credential (as %q):\n%.2000s", where, f, text)
		}
	}
}
