package mcpup

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func tool(name, desc, schema string, ro bool) *mcp.Tool {
	t := &mcp.Tool{Name: name, Description: desc, InputSchema: json.RawMessage(schema)}
	if ro {
		t.Annotations = &mcp.ToolAnnotations{ReadOnlyHint: true}
	}
	return t
}

func TestPinIgnoresKeyOrderAndSeesEveryPinnedField(t *testing.T) {
	base, err := PinOf(tool("a", "d", `{"type":"object","properties":{"x":{"type":"string"},"y":{"type":"number"}}}`, false))
	if err != nil {
		t.Fatal(err)
	}
	same, _ := PinOf(tool("a", "d", `{"properties":{"y":{"type":"number"},"x":{"type":"string"}},"type":"object"}`, false))
	if same.Hash != base.Hash {
		t.Error("the same definition with its keys reordered hashes differently")
	}
	for name, changed := range map[string]*mcp.Tool{
		"description": tool("a", "d2", `{"type":"object","properties":{"x":{"type":"string"},"y":{"type":"number"}}}`, false),
		"schema":      tool("a", "d", `{"type":"object","properties":{"x":{"type":"string"}}}`, false),
		"annotations": tool("a", "d", `{"type":"object","properties":{"x":{"type":"string"},"y":{"type":"number"}}}`, true),
	} {
		p, _ := PinOf(changed)
		if p.Hash == base.Hash {
			t.Errorf("a changed %s hashes the same", name)
		}
	}
	if !mustPin(t, tool("a", "d", `{}`, true)).ReadOnly() || base.ReadOnly() {
		t.Error("ReadOnly does not follow readOnlyHint")
	}
}

func mustPin(t *testing.T, tl *mcp.Tool) Pin {
	p, err := PinOf(tl)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCompareStatesAndDiff(t *testing.T) {
	approved := []Pin{mustPin(t, tool("keep", "k", `{}`, false)), mustPin(t, tool("change", "old words", `{}`, false)), mustPin(t, tool("gone", "g", `{}`, false))}
	live := []Pin{mustPin(t, tool("keep", "k", `{}`, false)), mustPin(t, tool("change", "new words", `{}`, false)), mustPin(t, tool("added", "a", `{}`, false))}
	states, changes := Compare(approved, live)
	want := map[string]string{"keep": StateApproved, "change": StateChanged, "gone": StateRemoved, "added": StateNew}
	for n, st := range want {
		if states[n] != st {
			t.Errorf("%s: state %q, want %q", n, states[n], st)
		}
	}
	if len(changes) != 3 || changes[0].Name != "added" || changes[1].Name != "change" || changes[2].Name != "gone" {
		t.Fatalf("changes = %+v", changes)
	}
	d := changes[1].Diff()
	if !strings.Contains(d, `- description: "old words"`) || !strings.Contains(d, `+ description: "new words"`) || strings.Contains(d, "inputSchema") {
		t.Errorf("diff of a changed description:\n%s", d)
	}
}

func TestExposedName(t *testing.T) {
	for _, c := range []struct{ conn, tool, want string }{
		{"fs", "read_file", "fs_read_file"},
		{"ev", "get-sum", "ev_get-sum"},
		{"x", "weird name/with:chars", "x_weird_name_with_chars"},
		{"x", "ünïcode", "x__n_code"},
	} {
		if got := ExposedName(c.conn, c.tool); got != c.want {
			t.Errorf("ExposedName(%q, %q) = %q, want %q", c.conn, c.tool, got, c.want)
		}
	}
	if got := ExposedName("c", strings.Repeat("a", 300)); len(got) != 128 {
		t.Errorf("a long name is %d bytes", len(got))
	}
}

func TestConfigValidate(t *testing.T) {
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{}, "give --url"},
		{Config{URL: "http://x/mcp", Command: "y"}, "not both"},
		{Config{URL: "ftp://x/mcp"}, "http:// or https://"},
		{Config{URL: "https://user:pw@x/mcp"}, "no credentials in the URL"},
		{Config{URL: "https://x/mcp", Header: "Bad Header"}, "not a header name"},
		{Config{Command: "srv", Header: "Authorization"}, "--header is for --url"},
		{Config{Command: "srv", Env: map[string]string{"MCPGATE_KEK_FILE": "x"}}, "MCPGATE_"},
		{Config{Command: "srv", Env: map[string]string{"HOME": "/"}}, "set by mcpgate"},
		{Config{Command: "srv", SecretEnv: []string{"A"}, Env: map[string]string{"A": "1"}}, "both --env and --secret-env"},
		{Config{URL: "https://x/mcp", Env: map[string]string{"A": "1"}}, "are for --command"},
	} {
		err := c.cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: err = %v, want %q", c.cfg, err, c.want)
		}
	}
	if err := (Config{URL: "https://x/mcp", Header: "X-Api-Key"}).Validate(); err != nil {
		t.Error(err)
	}
	if err := (Config{Command: "srv", Args: []string{"-v"}, Env: map[string]string{"A": "1"}, SecretEnv: []string{"B"}}).Validate(); err != nil {
		t.Error(err)
	}
}

func TestSecretsValuesIncludeTheBareToken(t *testing.T) {
	v := Secrets{Header: "Bearer abcdefgh12345", Env: map[string]string{"K": "envsecret"}}.Values()
	var got []string
	for _, x := range v {
		got = append(got, x.Reveal())
	}
	for _, want := range []string{"Bearer abcdefgh12345", "abcdefgh12345", "envsecret"} {
		if !strings.Contains(strings.Join(got, "|"), want) {
			t.Errorf("%q is not redacted", want)
		}
	}
}
