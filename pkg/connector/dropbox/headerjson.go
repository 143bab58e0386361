package dropbox

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf16"
)

// headerJSON encodes v for the Dropbox-API-Arg header. HTTP header values
// must be ASCII, so Dropbox asks for every character above 0x7E escaped
// as \uXXXX (a UTF-16 surrogate pair beyond the BMP); json.Marshal leaves
// them as UTF-8, which Dropbox refuses or garbles.
func headerJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode Dropbox-API-Arg: %w", err)
	}
	var sb strings.Builder
	sb.Grow(len(b))
	for _, r := range string(b) {
		if r < 0x7f {
			sb.WriteRune(r)
			continue
		}
		if r > 0xffff {
			hi, lo := utf16.EncodeRune(r)
			fmt.Fprintf(&sb, `\u%04x\u%04x`, hi, lo)
			continue
		}
		fmt.Fprintf(&sb, `\u%04x`, r)
	}
	return sb.String(), nil
}
