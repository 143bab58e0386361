package auditfwd

import (
	"strings"
	"testing"
)

func TestElementRoundTripsRFC5424Escapes(t *testing.T) {
	values := []string{``, `plain`, `a"b`, `back\slash`, `close]bracket`, `[open`, `all "\] at once\\`, "é ü 漢", `=`, "bad\xffutf8"}
	for _, v := range values {
		sd := element("audit@"+SDEnterprise, [][2]string{{"v", v}, {"w", "x"}})
		id, params, err := parseElement(sd + " message after")
		if err != nil {
			t.Fatalf("parse %q: %v", sd, err)
		}
		want := strings.ToValidUTF8(v, "\uFFFD")
		if id != "audit@"+SDEnterprise || params["v"] != want || params["w"] != "x" {
			t.Errorf("value %q: got id %q params %q, want %q", v, id, params, want)
		}
	}
}

func TestParseElementRefusesMalformedData(t *testing.T) {
	for _, sd := range []string{
		``, `-`, `[audit@32473`, `[audit@32473 v="x"`, `[audit@32473 v=x]`, `[audit@32473 v="x" v="y"]`,
		`[audit@32473 v="x"w="y"]`, `[audit@32473 ="x"]`, `[audit@32473 v="unterminated]`,
	} {
		if _, _, err := parseElement(sd); err == nil {
			t.Errorf("parseElement(%q) accepted it", sd)
		}
	}
}

func TestParseStreamIsStrict(t *testing.T) {
	for name, in := range map[string]string{
		"a webhook body with an unknown field": `{"format":"mcpgate-audit-forward/1","records":[],"checkpoints":[],"extra":1}`,
		"a webhook body of another format":     `{"format":"other/1","records":[],"checkpoints":[]}`,
		"two JSON documents on a line":         `{"format":"mcpgate-audit-forward/1","records":[],"checkpoints":[]} {}`,
		"neither JSON nor syslog":              `hello`,
		"a syslog line of version 0":           `<110>0 2026-01-01T00:00:00Z h mcpgate 1 audit [audit@32473 seq="1"]`,
		"an mcpgate record without a hash":     `<110>1 2026-01-01T00:00:00Z h mcpgate 1 audit [audit@32473 user_id="u" seq="1"]`,
		"a checkpoint missing a field":         `<110>1 2026-01-01T00:00:00Z h mcpgate 1 checkpoint [checkpoint@32473 seq="1" count="1" time="2026-01-01T00:00:00Z"]`,
		"an unknown mcpgate message":           `<110>1 2026-01-01T00:00:00Z h mcpgate 1 other [x@32473 a="b"]`,
		"no checkpoint at all":                 `<13>1 2026-01-01T00:00:00Z h sshd 1 - - another program's line`,
	} {
		if _, err := ParseStream(strings.NewReader(in + "\n")); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestSignIsHMACSHA256OfTheBody(t *testing.T) {
	// RFC 4231 test case 2.
	got := Sign([]byte("Jefe"), []byte("what do ya want for nothing?"))
	want := "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
	if got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

func TestElementEscapesAsRFC5424Asks(t *testing.T) {
	got := element("audit@"+SDEnterprise, [][2]string{{"v", `a"b\c]d`}})
	want := `[audit@32473 v="a\"b\\c\]d"]`
	if got != want {
		t.Errorf("element = %s, want %s", got, want)
	}
}
