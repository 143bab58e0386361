package guard

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
)

// Redacted replaces a credential found in a tool result.
const Redacted = "[redacted]"

// minSecretLen is the shortest secret Redact looks for; shorter values would
// match ordinary text.
const minSecretLen = 6

// Redact replaces every occurrence in text of each secret, and of its JSON,
// URL (query and path) and base64 (standard and URL alphabets, padded or not,
// and inside a longer base64 string such as a Basic auth header) encodings,
// with [redacted]. Overlapping matches become one [redacted], so no part of a
// secret is left. Secrets shorter than 6 bytes are ignored. It reports
// whether anything was replaced; the gateway then records the call as
// allow-with-redaction.
func Redact(text string, secrets [][]byte) (string, bool) {
	return NewRedactor(secrets).Redact(text)
}

// Redactor is Redact with the encodings of its secrets worked out once,
// for a caller that scrubs many texts with the same secrets (the gateway,
// once per tool call). It is safe for concurrent use.
type Redactor struct {
	forms []string
}

// NewRedactor prepares to redact secrets (see Redact).
func NewRedactor(secrets [][]byte) *Redactor {
	var forms []string
	for _, s := range secrets {
		if len(s) >= minSecretLen {
			forms = append(forms, secretForms(s)...)
		}
	}
	slices.Sort(forms)
	return &Redactor{forms: slices.Compact(forms)}
}

// Redact is the package-level Redact with r's secrets.
func (r *Redactor) Redact(text string) (string, bool) {
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
