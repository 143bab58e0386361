// Package textsafe neutralises text from providers and the database
// before a terminal sees it: account, channel and file names are the
// upstream's to choose, and a name holding an escape sequence could
// otherwise retitle the window, rewrite earlier lines or hide text.
package textsafe

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Clean returns s with every control character, terminal escape, bidi
// override and invalid byte written out as a visible escape (\x1b,
// \u202e); it keeps everything else, so plain names print unchanged. The
// result is one line: newlines and tabs are escaped too (tables).
func Clean(s string) string { return clean(s, false) }

// Lines is Clean that keeps newlines and tabs, for messages of several
// lines.
func Lines(s string) string { return clean(s, true) }

func clean(s string, keepLines bool) string {
	if isPlain(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case keepLines && (r == '\n' || r == '\t'):
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafe(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// isPlain is the fast path: printable ASCII only.
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

// unsafe reports the non-ASCII runes a terminal acts on rather than
// shows: C1 controls (0x9b is a one-byte CSI), bidi marks, embeddings,
// overrides and isolates, and the Unicode line and paragraph separators.
func unsafe(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f:
		return true
	case r == 0x200e || r == 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	case r == 0x2028 || r == 0x2029:
		return true
	}
	return false
}
