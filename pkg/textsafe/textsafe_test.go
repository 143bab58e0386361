package textsafe_test

import (
	"testing"

	"github.com/mcpgate/mcpgate/pkg/textsafe"
)

func TestClean(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"a plain name", "octocat@example.com", "octocat@example.com"},
		{"non-ASCII letters", "Zoë Ångström 日本", "Zoë Ångström 日本"},
		{"a colour escape", "evil\x1b[31mred", `evil\x1b[31mred`},
		{"a window title (OSC)", "\x1b]0;pwned\x07name", `\x1b]0;pwned\x07name`},
		{"a one-byte CSI (C1)", "a\u009b2Jb", `a\u009b2Jb`},
		{"a bidi override", "file\u202eexe.txt", `file\u202eexe.txt`},
		{"an isolate", "a\u2066b\u2069", `a\u2066b\u2069`},
		{"a carriage return", "ok\rEVIL", `ok\x0dEVIL`},
		{"a newline and a tab", "a\nb\tc", `a\x0ab\x09c`},
		{"DEL and NUL", "a\x7fb\x00", `a\x7fb\x00`},
		{"invalid UTF-8", "a\xffb", `a\xffb`},
		{"a line separator", "a\u2028b", `a\u2028b`},
	}
	for _, tt := range tests {
		if got := textsafe.Clean(tt.in); got != tt.want {
			t.Errorf("%s: Clean(%q) = %q, want %q", tt.name, tt.in, got, tt.want)
		}
	}
}

func TestLinesKeepsNewlinesAndTabs(t *testing.T) {
	if got, want := textsafe.Lines("line one\n\tline \x1b[2Jtwo"), "line one\n\tline \\x1b[2Jtwo"; got != want {
		t.Errorf("Lines = %q, want %q", got, want)
	}
}
