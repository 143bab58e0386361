package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
)

// RedactArgs returns a call's canonical arguments for the audit log. The
// arguments that say what a call touched (owner, repo, path, channel, to,
// file id…) are kept in full, however large the call. Content arguments
// (content, the tool's declared message text, bodies and file contents)
// and every field named in fields (at any depth, names matched without
// regard to case) become {"redacted":true,"sha256":…,"len":…}: the record
// proves what was sent without keeping it.
func RedactArgs(args map[string]any, content, fields []string) string {
	out := make(map[string]any, len(args))
	for k, v := range args {
		if matches(content, k) || matches(fields, k) {
			out[k] = digest(v)
			continue
		}
		out[k] = redactValue(v, fields)
	}
	b, err := json.Marshal(out)
	if err != nil {
		return `{"_unparsed":true}`
	}
	return string(b)
}

// UnparsedArgs is what the audit log keeps of arguments that were refused
// before they could be parsed or validated: their hash and length, since
// nothing says which of their fields are content.
func UnparsedArgs(raw []byte) string {
	sum := sha256.Sum256(raw)
	b, _ := json.Marshal(map[string]any{"_invalid": true, "sha256": hex.EncodeToString(sum[:]), "len": len(raw)})
	return string(b)
}

func matches(names []string, k string) bool {
	for _, n := range names {
		if strings.EqualFold(n, k) {
			return true
		}
	}
	return false
}

func digest(v any) map[string]any {
	var n int
	var sum [32]byte
	if s, ok := v.(string); ok {
		// A string's own bytes, so the hash can be checked against the
		// text sent without knowing how JSON escaped it.
		n, sum = len(s), sha256.Sum256([]byte(s))
	} else {
		b, _ := json.Marshal(v)
		n, sum = len(b), sha256.Sum256(b)
	}
	return map[string]any{"redacted": true, "sha256": hex.EncodeToString(sum[:]), "len": n}
}

func redactValue(v any, fields []string) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			if matches(fields, k) {
				out[k] = digest(x)
				continue
			}
			out[k] = redactValue(x, fields)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = redactValue(x, fields)
		}
		return out
	}
	return v
}
