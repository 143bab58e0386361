package secret

import (
	"encoding/base64"
	"errors"
	"net/url"
	"strings"
	"testing"
)

func TestRedactRemovesEchoedCredentials(t *testing.T) {
	t.Parallel()
	const token = "ghp_CANARY/secret+value=42"
	r := NewRedactor(FromString(token), FromString("xoxb-other-canary"), FromString(`pa"ss<word`))
	tests := []struct {
		name string
		in   string
		want string // "" means the input, unchanged
	}{
		{"the plain value", `{"echo":"token ` + token + ` seen"}`, `{"echo":"token [redacted] seen"}`},
		{"every occurrence", token + " and " + token, "[redacted] and [redacted]"},
		{"the base64 form", "auth=" + base64.StdEncoding.EncodeToString([]byte(token)), "auth=[redacted]"},
		{"the unpadded base64url form", "t=" + base64.RawURLEncoding.EncodeToString([]byte(token)) + ";", "t=[redacted];"},
		{"the URL-encoded form", "https://x.test/?access_token=" + url.QueryEscape(token) + "&a=1", "https://x.test/?access_token=[redacted]&a=1"},
		{"the path-escaped form", "/v1/tokens/" + url.PathEscape(token), "/v1/tokens/[redacted]"},
		{"the JSON-escaped form", `{"password":"pa\"ss\u003cword"}`, `{"password":"[redacted]"}`},
		{"another secret of the user", "Bearer xoxb-other-canary", "Bearer [redacted]"},
		{"text without secrets", "nothing to see", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, changed := r.Redact(tt.in)
			want := tt.want
			if want == "" {
				want = tt.in
			}
			if got != want || changed != (tt.want != "") {
				t.Errorf("Redact(%q) = %q, %v; want %q, %v", tt.in, got, changed, want, tt.want != "")
			}
		})
	}
}

func TestRedactFindsASecretInsideALongerBase64String(t *testing.T) {
	t.Parallel()
	const token = "s3cr3t-canary-token-value"
	for _, user := range []string{"u:", "us:", "usr:"} { // the three alignments
		header := "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(user+token))
		got, changed := NewRedactor(FromString(token)).Redact(header)
		if !changed || !strings.Contains(got, Redacted) {
			t.Errorf("Redact(%q) = %q, %v; want the token's characters replaced", header, got, changed)
		}
		if b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(got, "Authorization: Basic ")); err == nil && strings.Contains(string(b), "canary") {
			t.Errorf("Redact(%q) = %q still decodes to the token", header, got)
		}
	}
}

func TestRedactEdgeCases(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		in          string
		secrets     []string
		want        string
		wantChanged bool
	}{
		{"a secret shorter than 6 bytes is ignored", "pin 12345", []string{"12345"}, "pin 12345", false},
		{"overlapping secrets leave no part behind", "xxABCDEFGHIJyy", []string{"ABCDEFGH", "EFGHIJ"}, "xx[redacted]yy", true},
		{"a secret inside another is covered by it", "k=abcdef123456", []string{"abcdef123456", "def123"}, "k=[redacted]", true},
		{"no secrets", "text", nil, "text", false},
		{"an empty value is ignored", "text", []string{""}, "text", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var values []Value
			for _, s := range tt.secrets {
				values = append(values, FromString(s))
			}
			got, changed := NewRedactor(values...).Redact(tt.in)
			if got != tt.want || changed != tt.wantChanged {
				t.Errorf("Redact(%q) = %q, %v; want %q, %v", tt.in, got, changed, tt.want, tt.wantChanged)
			}
		})
	}
}

func TestANilRedactorKnowsNoSecrets(t *testing.T) {
	t.Parallel()
	var r *Redactor
	if got, changed := r.Redact("ghp_anything"); got != "ghp_anything" || changed {
		t.Errorf("nil Redact = %q, %v; want the text unchanged", got, changed)
	}
	err := errors.New("plain")
	if got := r.Scrub(err); got != err {
		t.Errorf("nil Scrub = %v, want the error itself", got)
	}
}

func TestRedactBearer(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		`header "Bearer sl.abc-123"`:       `header "Bearer [redacted]"`,
		"authorization: bearer xoxb-1, ok": "authorization: Bearer [redacted], ok",
		"no credential here":               "no credential here",
	}
	for in, want := range tests {
		if got := RedactBearer(in); got != want {
			t.Errorf("RedactBearer(%q) = %q, want %q", in, got, want)
		}
	}
}
