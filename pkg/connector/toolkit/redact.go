package toolkit

import (
	"errors"
	"regexp"
	"strings"
)

// Redacted replaces a credential in text bound for the model.
const Redacted = "[redacted]"

// Redact replaces every occurrence of token in s. Connectors run it on
// every result and error text, since an upstream can echo a token in a
// message and a user can have pasted one into content the model reads.
func Redact(s, token string) string {
	if token == "" {
		return s
	}
	return strings.ReplaceAll(s, token, Redacted)
}

// bearerEcho finds an Authorization value quoted back by an upstream,
// whatever token it carries.
var bearerEcho = regexp.MustCompile(`(?i)\bbearer\s+[^\s"'<>,;)]+`)

// RedactBearer replaces any "Bearer <credential>" in s, for error text from
// upstreams that quote the Authorization header back (Slack, Dropbox) even
// when it carries a token other than the connection's. Results do not get
// it: there "Bearer …" is the account's own content, not an echo.
func RedactBearer(s string) string {
	return bearerEcho.ReplaceAllString(s, "Bearer "+Redacted)
}

// Kinds returns those of sentinels that err matches, so that an error
// rebuilt without its original chain (which may carry a token) still
// answers errors.Is the same way.
func Kinds(err error, sentinels ...error) []error {
	var kinds []error
	for _, k := range sentinels {
		if errors.Is(err, k) {
			kinds = append(kinds, k)
		}
	}
	return kinds
}

// Clip bounds upstream text that ends up in a message, cutting on a rune
// boundary and marking the cut.
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}

// Detail returns ": msg", or "" when msg is empty, for appending what an
// upstream said to a sentence of ours without a dangling colon.
func Detail(msg string) string {
	if msg == "" {
		return ""
	}
	return ": " + msg
}
