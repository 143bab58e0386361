package secret

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// Redacted replaces a credential found in text bound for a model, a log or
// an error message.
const Redacted = "[redacted]"

// minSecretLen is the shortest secret a Redactor looks for; shorter values
// would match ordinary text.
const minSecretLen = 6

// Redactor replaces a set of secret values in text, wherever and however
// they appear: as is, and in their JSON, URL (query and path) and base64
// (standard and URL alphabets, padded or not, and inside a longer base64
// string such as a Basic auth header) encodings. It is the one place
// mcpgate scrubs credentials: connectors scrub their own token from results
// and errors, the gateway every credential of the user, the oauth package
// the tokens of a flow. The encodings are worked out once, in NewRedactor.
//
// A nil *Redactor knows no secrets. It is safe for concurrent use.
type Redactor struct {
	forms []string
	// plainForms are forms as bytes when every form is plainForm (see
	// NoneInJSON), else nil.
	plainForms [][]byte
}

// NewRedactor prepares to redact values. Values shorter than 6 bytes are
// ignored, so that a stray match cannot garble ordinary text.
func NewRedactor(values ...Value) *Redactor {
	var forms []string
	for _, v := range values {
		if len(v.b) >= minSecretLen {
			forms = append(forms, secretForms(v.b)...)
		}
	}
	slices.Sort(forms)
	forms = slices.Compact(forms)
	r := &Redactor{forms: forms}
	for _, f := range forms {
		if !plainForm(f) {
			r.plainForms = nil
			break
		}
		r.plainForms = append(r.plainForms, []byte(f))
	}
	return r
}

// Redact replaces every occurrence in text of each of r's secrets, in
// each of their encodings, with [redacted]. Overlapping matches become one
// [redacted], so no part of a secret is left. It reports whether anything
// was replaced (the gateway then records the call as allow-with-redaction).
func (r *Redactor) Redact(text string) (string, bool) {
	if r == nil {
		return text, false
	}
	forms := r.forms
	var hit []bool // hit[i]: byte i of text belongs to a secret
	for _, f := range forms {
		for i := 0; i+len(f) <= len(text); {
			j := strings.Index(text[i:], f)
			if j < 0 {
				break
			}
			if hit == nil {
				hit = make([]bool, len(text))
			}
			for k := i + j; k < i+j+len(f); k++ {
				hit[k] = true
			}
			i += j + 1
		}
	}
	if hit == nil {
		return text, false
	}
	var b strings.Builder
	b.Grow(len(text))
	for i := 0; i < len(text); i++ {
		switch {
		case !hit[i]:
			b.WriteByte(text[i])
		case i == 0 || !hit[i-1]:
			b.WriteString(Redacted)
		}
	}
	return b.String(), true
}

// secretForms lists the strings under which s may appear in a result.
func secretForms(s []byte) []string {
	forms := []string{string(s), url.QueryEscape(string(s)), url.PathEscape(string(s))}
	if j, err := json.Marshal(string(s)); err == nil {
		forms = append(forms, string(j[1:len(j)-1]))
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
		raw := enc.WithPadding(base64.NoPadding)
		forms = append(forms, enc.EncodeToString(s), raw.EncodeToString(s))
		// Embedded in a longer base64 string, s starts 0, 1 or 2 bytes into
		// a 3-byte group; keep only the characters made of s's bits alone.
		for shift := range 3 {
			e := raw.EncodeToString(append(make([]byte, shift), s...))
			from, to := (8*shift+5)/6, 8*(shift+len(s))/6
			forms = append(forms, e[from:to])
		}
	}
	slices.Sort(forms)
	return slices.Compact(forms)
}

// bearerEcho finds an Authorization value quoted back by an upstream,
// whatever token it carries.
var bearerEcho = regexp.MustCompile(`(?i)\bbearer\s+[^\s"'<>,;)]+`)

// RedactBearer replaces any "Bearer <credential>" in s. Error text gets it
// (see Scrub): some upstreams quote the Authorization header back (Slack,
// Dropbox), even with a token other than the connection's. Results do not:
// there "Bearer …" is the account's own content, not an echo.
func RedactBearer(s string) string {
	return bearerEcho.ReplaceAllString(s, "Bearer "+Redacted)
}
