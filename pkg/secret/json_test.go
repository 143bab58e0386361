package secret

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// stringsIn decodes doc and lists every string in it, keys included.
func stringsIn(t *testing.T, doc []byte) []string {
	t.Helper()
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatalf("%s: %v", doc, err)
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			out = append(out, x)
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for k, e := range x {
				out = append(out, k)
				walk(e)
			}
		}
	}
	walk(v)
	return out
}

func TestNoneInJSON(t *testing.T) {
	t.Parallel()
	const token = "ghp_CANARY/secret+value=42"
	r := NewRedactor(FromString(token), FromString("xoxb-other-canary"))
	esc := func(s string) string { // every character as \u00XX
		var b strings.Builder
		for _, c := range s {
			fmt.Fprintf(&b, `\u%04x`, c)
		}
		return b.String()
	}
	tests := []struct {
		name string
		doc  string
		want bool
	}{
		{"no secret", `{"content":[{"type":"text","text":"line one\nline \"two\"\t\u003cb\u003e"}]}`, true},
		{"the plain value", `{"text":"token ` + token + `"}`, false},
		{"the value as a key", `{"` + token + `":1}`, false},
		{"the base64 form", `{"text":"` + base64.StdEncoding.EncodeToString([]byte(token)) + `"}`, false},
		{"every character escaped", `{"text":"` + esc(token) + `"}`, false},
		{"one character escaped", `{"text":"ghp_CANARY\u002fsecret+value=42"}`, false},
		{"an escaped slash", `{"text":"ghp_CANARY\/secret+value=42"}`, false},
		{"an escaped slash elsewhere", `{"text":"a\/b"}`, false},
		{"an escaped letter elsewhere", `{"text":"\u0041"}`, false},
		{"an escaped backslash then u", `{"text":"\\u0041"}`, true},
		{"a non-ASCII escape", `{"text":"\u00e9\ud83d\ude00"}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := r.NoneInJSON([]byte(tt.doc)); got != tt.want {
				t.Errorf("NoneInJSON(%s) = %v, want %v", tt.doc, got, tt.want)
			}
		})
	}
	t.Run("a secret that JSON escapes is never judged absent", func(t *testing.T) {
		t.Parallel()
		if NewRedactor(FromString(`pa"ss<word`)).NoneInJSON([]byte(`{"text":"nothing"}`)) {
			t.Error("judged absent")
		}
	})
	t.Run("no secrets", func(t *testing.T) {
		t.Parallel()
		var none *Redactor
		if !none.NoneInJSON([]byte(`{"a":"\u0041"}`)) || !NewRedactor().NoneInJSON([]byte(`{"a":"\/"}`)) {
			t.Error("a redactor without secrets found one")
		}
	})
}

// TestNoneInJSONNeverMissesASecret writes strings holding the secrets'
// forms, with each character written as is or escaped at random, and
// checks that whenever NoneInJSON says a document is clean, redacting its
// decoded strings one by one finds nothing either.
func TestNoneInJSONNeverMissesASecret(t *testing.T) {
	t.Parallel()
	const token = "ghp_CANARY/secret+value=42"
	r := NewRedactor(FromString(token))
	pieces := append(secretForms([]byte(token)), "ghp_", "value", "/", "+", "=", " ", "\n", "é", "<", "x")
	rng := rand.New(rand.NewPCG(1, 2))
	write := func(s string) string {
		var b strings.Builder
		for _, c := range s {
			switch k := rng.IntN(8); {
			case c == '"' || c == '\\' || c < 0x20 || k == 0:
				fmt.Fprintf(&b, `\u%04x`, c)
			case c == '/' && k == 1:
				b.WriteString(`\/`)
			default:
				b.WriteRune(c)
			}
		}
		return b.String()
	}
	clean, found := 0, 0
	for range 20000 {
		var s strings.Builder
		for range 1 + rng.IntN(3) {
			p := pieces[rng.IntN(len(pieces))]
			if rng.IntN(2) == 0 && len(p) > 2 { // a part of a form only
				p = p[:len(p)-1]
			}
			s.WriteString(p)
		}
		doc := []byte(`{"content":[{"text":"` + write(s.String()) + `"}]}`)
		if !r.NoneInJSON(doc) {
			continue
		}
		clean++
		for _, str := range stringsIn(t, doc) {
			if _, hit := r.Redact(str); hit {
				found++
				t.Errorf("NoneInJSON(%s) = true, but %q holds a secret", doc, str)
			}
		}
		if found > 5 {
			t.FailNow()
		}
	}
	if clean < 1000 {
		t.Errorf("only %d documents judged clean: the test checks too little", clean)
	}
}
