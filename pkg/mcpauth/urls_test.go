package mcpauth

import (
	"net/url"
	"strings"
	"testing"
)

func TestWellKnownURLs(t *testing.T) {
	u, _ := url.Parse("https://h.example/tenant/mcp")
	var got []string
	for _, c := range wellKnownPRM(u) {
		got = append(got, c.URL+" for "+c.Resource)
	}
	want := []string{
		"https://h.example/.well-known/oauth-protected-resource/tenant/mcp for https://h.example/tenant/mcp",
		"https://h.example/.well-known/oauth-protected-resource for https://h.example",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("protected resource metadata URLs:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	iss, _ := url.Parse("https://as.example/tenant")
	got = asMetadataURLs(iss)
	want = []string{
		"https://as.example/.well-known/oauth-authorization-server/tenant",
		"https://as.example/.well-known/openid-configuration/tenant",
		"https://as.example/tenant/.well-known/openid-configuration",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("authorization server metadata URLs:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestCheckURL(t *testing.T) {
	cases := []struct {
		raw      string
		loopback bool
		ok       bool
	}{
		{"https://as.example/", false, true},
		{"http://as.example/", false, false},
		{"http://as.example/", true, false},
		{"http://127.0.0.1:9/", false, false},
		{"http://127.0.0.1:9/", true, true},
		{"http://localhost:9/", true, true},
		{"https://user:pw@as.example/", false, false},
		{"https://as.example/#frag", false, false},
		{"/relative", true, false},
		{"javascript:alert(1)", true, false},
	}
	for _, tc := range cases {
		_, err := checkURL("url", tc.raw, tc.loopback)
		if (err == nil) != tc.ok {
			t.Errorf("checkURL(%q, loopback=%v) = %v, want ok=%v", tc.raw, tc.loopback, err, tc.ok)
		}
	}
}

func TestStrictUnmarshalRefusesAmbiguousJSON(t *testing.T) {
	var v struct {
		Issuer string `json:"issuer"`
	}
	for _, body := range []string{
		`{"issuer":"https://a","issuer":"https://b"}`,
		`{"issuer":"https://a"} {"issuer":"https://b"}`,
		`["issuer"]`,
		`{"issuer":42}`,
		`null`,
	} {
		if err := strictUnmarshal([]byte(body), &v); err == nil {
			t.Errorf("accepted %s", body)
		}
	}
	if err := strictUnmarshal([]byte(`{"issuer":"https://a","extra":{"issuer":"x"}}`), &v); err != nil || v.Issuer != "https://a" {
		t.Fatalf("a valid document: %v, issuer %q", err, v.Issuer)
	}
}
