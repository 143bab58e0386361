package apikey

import (
	"bytes"
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	t.Parallel()
	raw, _, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	key := raw.Reveal()
	tests := []struct {
		name, in, want string
	}{
		{"no key", "connection refused", "connection refused"},
		{"empty", "", ""},
		{"whole key", "bad key " + key + " given", "bad key mgw_[redacted] given"},
		{"only a key", key, "mgw_[redacted]"},
		{"bearer header", "Authorization: Bearer " + key, "Authorization: Bearer mgw_[redacted]"},
		{"two keys", key + "," + key, "mgw_[redacted],mgw_[redacted]"},
		{"in a URL", "GET /mcp?key=" + key + "&x=1", "GET /mcp?key=mgw_[redacted]&x=1"},
		{"in JSON", `{"key":"` + key + `"}`, `{"key":"mgw_[redacted]"}`},
		{"glued to a word", "token" + key, "tokenmgw_[redacted]"},
		{"cut short", "key " + key[:30] + "…", "key mgw_[redacted]…"},
		{"upper-cased", strings.ToUpper(key) + ".", "mgw_[redacted]."},
		{"mixed-case prefix", "Mgw_abc", "mgw_[redacted]"},
		{"one key character", "mgw_x", "mgw_[redacted]"},
		{"prefix alone", "the mgw_ prefix", "the mgw_ prefix"},
		{"prefix at end", "ends with mgw_", "ends with mgw_"},
		{"partial prefix at end", "ends with mgw", "ends with mgw"},
		{"already redacted", "mgw_[redacted]", "mgw_[redacted]"},
		{"repeated m", "mmgw_abc", "mmgw_[redacted]"},
		{"near miss", "mgx_abc mg_abc", "mgx_abc mg_abc"},
		{"non-ascii around", "é" + key + "ü", "émgw_[redacted]ü"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Redact(tt.in); got != tt.want {
				t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestRedactingWriterMatchesRedactAtAnySplit(t *testing.T) {
	t.Parallel()
	raw, _, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	key := raw.Reveal()
	inputs := []string{
		"error: key " + key + " was refused\n",
		"mgw_ and mgw and " + key + key + " mgw_[redacted] mmgw_x\n",
		"ends with a key " + key,
		"ends with mgw",
	}
	for _, in := range inputs {
		want := Redact(in)
		for size := 1; size <= len(in); size++ {
			var buf bytes.Buffer
			w := NewRedactingWriter(&buf)
			for i := 0; i < len(in); i += size {
				chunk := in[i:min(i+size, len(in))]
				if n, err := w.Write([]byte(chunk)); n != len(chunk) || err != nil {
					t.Fatalf("Write = %d, %v, want %d, nil", n, err, len(chunk))
				}
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			if got := buf.String(); got != want {
				t.Fatalf("in chunks of %d: wrote %q, want %q", size, got, want)
			}
			if strings.Contains(buf.String(), key[20:40]) {
				t.Fatalf("in chunks of %d: output contains part of the secret", size)
			}
		}
	}
}
