package apikey

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParseKey holds Parse to its contract on any input: it never panics;
// it accepts exactly the strings format would write (so a key survives
// Parse and format unchanged, and one changed byte is refused); anything
// else is ErrMalformed; and an error never repeats the input.
//
// `go test` runs the seeds here and in testdata/fuzz/FuzzParseKey;
// `go test -run '^$' -fuzz FuzzParseKey ./pkg/apikey/` searches further.
func FuzzParseKey(f *testing.F) {
	valid := "mgw_0123456789abcdef_" + strings.Repeat("Z", secretLen)
	valid = string(format(valid[idStart:sepAt], []byte(valid[secretStart:secretStart+secretLen])))
	for _, seed := range []string{
		valid,
		valid[:keyLen-1],
		valid + "0",
		"MGW_" + valid[4:],
		strings.Replace(valid, "_", "-", 2),
		valid[:30] + "é" + valid[32:],
		"",
		"mgw_",
		"mgw_" + strings.Repeat("\x00", keyLen-4),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		id, sec, err := Parse(raw)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("Parse error %v does not wrap ErrMalformed", err)
			}
			if id != "" || sec != nil {
				t.Fatalf("Parse failed but returned id %q and a %d-byte secret", id, len(sec))
			}
			if len(raw) >= 12 && strings.Contains(err.Error(), raw) {
				t.Fatalf("Parse error %q repeats its input", err)
			}
			return
		}
		if len(id) != idLen || !allBase62(id) || len(sec) != secretLen || !allBase62(string(sec)) {
			t.Fatalf("Parse accepted id %q and a %d-byte secret; want %d and %d base62 characters", id, len(sec), idLen, secretLen)
		}
		if got := string(format(id, sec)); got != raw {
			t.Fatalf("format(Parse(raw)) = %q, want raw %q back", got, raw)
		}
	})
}
