package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
)

// maxArgsBytes bounds the arguments kept per record.
const maxArgsBytes = 16 << 10

// RedactArgs returns the call's arguments for the audit log: fields whose
// name is in fields (at any depth) become their hash and length, so a
// record can prove what was sent without keeping message bodies.
func RedactArgs(raw json.RawMessage, fields []string) string {
	if len(raw) == 0 {
		return "{}"
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return `{"_unparsed":true}`
	}
	v = redactValue(v, fields)
	out, err := json.Marshal(v)
	if err != nil {
		return `{"_unparsed":true}`
	}
	if len(out) > maxArgsBytes {
		sum := sha256.Sum256(out)
		b, _ := json.Marshal(map[string]any{"_truncated": true, "sha256": hex.EncodeToString(sum[:]), "len": len(out)})
		return string(b)
	}
	return string(out)
}

func redactValue(v any, fields []string) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if slices.Contains(fields, k) {
				b, _ := json.Marshal(x)
				sum := sha256.Sum256(b)
				t[k] = map[string]any{"redacted": true, "sha256": hex.EncodeToString(sum[:]), "len": len(b)}
				continue
			}
			t[k] = redactValue(x, fields)
		}
	case []any:
		for i, x := range t {
			t[i] = redactValue(x, fields)
		}
	}
	return v
}
