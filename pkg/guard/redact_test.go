package guard

import (
	"encoding/base64"
	"net/url"
	"strings"
	"testing"
)

func TestRedactRemovesEchoedCredentials(t *testing.T) {
	t.Parallel()
	const token = "ghp_CANARY/secret+value=42"
	secrets := [][]byte{[]byte(token), []byte("xoxb-other-canary"), []byte(`pa"ss<word`)}
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
			got, changed := Redact(tt.in, secrets)
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
		got, changed := Redact(header, [][]byte{[]byte(token)})
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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var secrets [][]byte
			for _, s := range tt.secrets {
				secrets = append(secrets, []byte(s))
			}
			got, changed := Redact(tt.in, secrets)
			if got != tt.want || changed != tt.wantChanged {
				t.Errorf("Redact(%q) = %q, %v; want %q, %v", tt.in, got, changed, tt.want, tt.wantChanged)
			}
		})
	}
}
