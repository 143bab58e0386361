package toolkit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// DecodeArgs reads the model's arguments into T, refusing unknown names so
// a misspelt optional argument is reported instead of silently ignored.
// Absent or null arguments decode as {}, so required ones are then reported
// missing by the tool rather than as a JSON problem.
func DecodeArgs[T any](raw json.RawMessage) (T, error) {
	var v T
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		raw = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return v, argError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return v, errors.New("arguments must be a single JSON object")
	}
	return v, nil
}

// argError rewords encoding/json's errors, which name Go types and struct
// fields, in the terms of the tool's input schema.
func argError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field == "" {
			return errors.New("arguments must be a JSON object")
		}
		return fmt.Errorf("argument %s must be %s, not %s", te.Field, kindOf(te.Type.Kind().String()), te.Value)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("arguments are not valid JSON")
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return fmt.Errorf("unknown argument %s; see the tool's input schema", name)
	}
	return errors.New("arguments must be a JSON object matching the tool's input schema")
}

// kindOf names a Go kind as the schema types it: the only slices in
// argument structs are lists of strings.
func kindOf(k string) string {
	switch k {
	case "int", "int64":
		return "an integer"
	case "string":
		return "a string"
	case "slice":
		return "an array of strings"
	case "bool":
		return "true or false"
	}
	return "of the schema's type"
}

// Limit checks an optional count argument such as limit or page_size:
// 0 (absent) gives def, anything outside 1..max is refused by name.
func Limit(name string, v, def, max int) (int, error) {
	if v == 0 {
		return def, nil
	}
	if v < 1 || v > max {
		return 0, fmt.Errorf("%s must be between 1 and %d", name, max)
	}
	return v, nil
}

// IsSpaceOrControl reports runes that have no place in a token or a name
// that goes into a URL path: they would split or change what is sent.
func IsSpaceOrControl(r rune) bool { return r <= ' ' || r == 0x7f }
