package apikey

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestGenerateParseRoundTrip(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 20 {
		raw, id, err := Generate()
		if err != nil {
			t.Fatalf("Generate: %v", err)
		}
		s := raw.Reveal()
		if len(s) != 70 || !strings.HasPrefix(s, "mgw_") {
			t.Fatalf("key has length %d and prefix %q, want 70 and mgw_", len(s), s[:4])
		}
		gotID, sec, err := Parse(s)
		if err != nil {
			t.Fatalf("Parse(Generate()): %v", err)
		}
		if gotID != id {
			t.Errorf("Parse id = %q, want %q", gotID, id)
		}
		if len(id) != 16 || len(sec) != 43 {
			t.Errorf("id and secret lengths = %d, %d, want 16, 43", len(id), len(sec))
		}
		if seen[id] || seen[string(sec)] {
			t.Fatalf("Generate repeated an id or secret")
		}
		seen[id], seen[string(sec)] = true, true
		if got := fmt.Sprintf("%v %s %+v", raw, raw, raw); strings.Contains(got, "mgw_") {
			t.Errorf("formatting the raw key printed it: %q", got)
		}
	}
}

func TestRegenerateKeepsIDAndChangesSecret(t *testing.T) {
	t.Parallel()
	raw, id, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	again, err := Regenerate(id)
	if err != nil {
		t.Fatalf("Regenerate: %v", err)
	}
	gotID, sec, err := Parse(again.Reveal())
	if err != nil {
		t.Fatalf("Parse(Regenerate()): %v", err)
	}
	_, oldSec, _ := Parse(raw.Reveal())
	if gotID != id || string(sec) == string(oldSec) {
		t.Errorf("Regenerate gave id %q (want %q) and same secret %v", gotID, id, string(sec) == string(oldSec))
	}
	for _, bad := range []string{"", "short", "0123456789abcde!", "0123456789abcdefg"} {
		if _, err := Regenerate(bad); !errors.Is(err, ErrMalformed) {
			t.Errorf("Regenerate(%q) error = %v, want ErrMalformed", bad, err)
		}
	}
}

func TestChecksumCatchesEveryOneCharacterChange(t *testing.T) {
	t.Parallel()
	raw, _, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	s := raw.Reveal()
	for i := len(Prefix); i < len(s); i++ {
		if i == sepAt {
			continue
		}
		for _, c := range []byte{'0', 'z', 'Q'} {
			if s[i] == c {
				continue
			}
			typo := s[:i] + string(c) + s[i+1:]
			if _, _, err := Parse(typo); !errors.Is(err, ErrMalformed) {
				t.Fatalf("Parse with position %d changed to %q: error = %v, want ErrMalformed", i, c, err)
			}
		}
	}
	// Two characters swapped is the other common typo.
	swapped := s[:30] + s[31:32] + s[30:31] + s[32:]
	if swapped != s {
		if _, _, err := Parse(swapped); !errors.Is(err, ErrMalformed) {
			t.Errorf("Parse with two characters swapped: error = %v, want ErrMalformed", err)
		}
	}
}

func TestParseRefusesMalformedKeys(t *testing.T) {
	t.Parallel()
	raw, _, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	good := raw.Reveal()
	tests := []struct {
		name, in string
	}{
		{"empty", ""},
		{"prefix only", "mgw_"},
		{"cut short", good[:69]},
		{"one too many", good + "0"},
		{"wrong prefix", "mgx_" + good[4:]},
		{"upper-case prefix", "MGW_" + good[4:]},
		{"github token prefix", "ghp_" + good[4:]},
		{"no separator", good[:sepAt] + "0" + good[sepAt+1:]},
		{"dash in id", good[:5] + "-" + good[6:]},
		{"space in secret", good[:40] + " " + good[41:]},
		{"non-ascii", good[:40] + "é" + good[42:]},
		{"underscore in secret", good[:40] + "_" + good[41:]},
		{"bad checksum", good[:64] + "000000"},
		{"surrounding space", " " + good[:69]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			id, sec, err := Parse(tt.in)
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("Parse error = %v, want ErrMalformed", err)
			}
			if id != "" || sec != nil {
				t.Errorf("Parse returned id %q and %d secret bytes with an error", id, len(sec))
			}
			if len(tt.in) > 20 && strings.Contains(err.Error(), tt.in[20:]) {
				t.Errorf("error %q contains the key", err)
			}
		})
	}
}

func TestHashKeyVerifiesAgainstParsedSecret(t *testing.T) {
	t.Parallel()
	raw, _, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	phc, err := HashKey(raw)
	if err != nil {
		t.Fatalf("HashKey: %v", err)
	}
	_, sec, _ := Parse(raw.Reveal())
	if ok, err := Verify(phc, sec); !ok || err != nil {
		t.Errorf("Verify(HashKey(raw), secret) = %v, %v, want true, nil", ok, err)
	}
	if strings.Contains(phc, string(sec)) {
		t.Errorf("hash %q contains the secret", phc)
	}
}
