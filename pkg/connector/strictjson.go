package connector

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
)

// parseStrict decodes one JSON value, refusing what encoding/json lets
// through silently: a key that appears twice in one object, at any depth
// (encoding/json keeps the last, another reader the first), and anything
// after the value. Numbers stay json.Number so no precision is lost before
// the schema sees them. Absent arguments (empty or null) are {}.
func parseStrict(raw []byte) (any, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return map[string]any{}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	v, err := parseValue(dec, "")
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("arguments must be a single JSON object")
	}
	return v, nil
}

func parseValue(dec *json.Decoder, at string) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, errors.New("arguments are not valid JSON")
	}
	switch d := tok.(type) {
	case json.Delim:
		switch d {
		case '{':
			obj := map[string]any{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, errors.New("arguments are not valid JSON")
				}
				k, ok := kt.(string)
				if !ok {
					return nil, errors.New("arguments are not valid JSON")
				}
				if _, dup := obj[k]; dup {
					return nil, fmt.Errorf("argument %s appears twice; send each argument once", pointer(at, k))
				}
				if obj[k], err = parseValue(dec, pointer(at, k)); err != nil {
					return nil, err
				}
			}
			if _, err := dec.Token(); err != nil {
				return nil, errors.New("arguments are not valid JSON")
			}
			return obj, nil
		case '[':
			arr := []any{}
			for i := 0; dec.More(); i++ {
				v, err := parseValue(dec, fmt.Sprintf("%s[%d]", at, i))
				if err != nil {
					return nil, err
				}
				arr = append(arr, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, errors.New("arguments are not valid JSON")
			}
			return arr, nil
		}
		return nil, errors.New("arguments are not valid JSON")
	case json.Number:
		// Beyond 2^53 a number is not exact as a float64, which is how the
		// guard and the audit log see it: refuse rather than let them see
		// another number than the upstream is sent.
		if f, err := d.Float64(); err != nil || math.Abs(f) >= 1<<53 {
			return nil, fmt.Errorf("argument %s is a number too large to be exact; numbers must be within ±2^53", at)
		}
		return d, nil
	default:
		return tok, nil
	}
}

// pointer names a nested argument the way a person reads it: to, a.b.
func pointer(at, k string) string {
	if at == "" {
		return k
	}
	return at + "." + strings.ReplaceAll(k, ".", `\.`)
}
