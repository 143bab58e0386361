package connector

import (
	"fmt"
	"unicode/utf8"
)

// DefaultMaxResultBytes bounds a tool result when nothing else is set.
const DefaultMaxResultBytes = 64 << 10

// Truncate cuts s to at most max bytes on a rune boundary and says so.
func Truncate(s string, max int) string {
	if max <= 0 {
		max = DefaultMaxResultBytes
	}
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + fmt.Sprintf("\n\n[truncated: the result was %d bytes; showing the first %d]", len(s), cut)
}
