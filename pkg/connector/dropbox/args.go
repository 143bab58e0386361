package dropbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// decodeArgs reads the model's arguments into T, refusing unknown names so
// a misspelt optional argument is reported instead of silently ignored.
func decodeArgs[T any](raw json.RawMessage) (T, error) {
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

func kindOf(k string) string {
	switch k {
	case "int", "int64":
		return "an integer"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	}
	return "of the schema's type"
}

// pathArg normalises a Dropbox path: "/Documents/a.txt", an "id:…" or
// "rev:…" reference. Without a leading slash one is added; a trailing one
// is dropped. root allows the root folder, which Dropbox spells "".
func pathArg(name, v string, root bool) (string, error) {
	v = strings.TrimSpace(v)
	if strings.HasPrefix(v, "id:") || strings.HasPrefix(v, "rev:") || strings.HasPrefix(v, "ns:") {
		if len(v) < 5 || strings.ContainsFunc(v, isControl) {
			return "", fmt.Errorf("%s %q is not a valid Dropbox reference", name, v)
		}
		return v, nil
	}
	if !strings.HasPrefix(v, "/") {
		v = "/" + v
	}
	v = strings.TrimRight(v, "/")
	if v == "" {
		if root {
			return "", nil
		}
		return "", fmt.Errorf("%s is required: a path such as /Documents/notes.txt", name)
	}
	if strings.ContainsFunc(v, isControl) || strings.Contains(v, "\\") {
		return "", fmt.Errorf("%s %q has characters Dropbox paths cannot contain", name, v)
	}
	for seg := range strings.SplitSeq(v[1:], "/") {
		if seg == "" || seg == "." || seg == ".." {
			return "", fmt.Errorf("%s %q has an empty, \".\" or \"..\" part; give the full path from the Dropbox root", name, v)
		}
	}
	if len(v) > 4096 {
		return "", fmt.Errorf("%s is too long for Dropbox", name)
	}
	return v, nil
}

func isControl(r rune) bool { return r < ' ' || r == 0x7f }

func displayPath(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

func limitArg(name string, v, def, max int) (int, error) {
	if v == 0 {
		return def, nil
	}
	if v < 1 || v > max {
		return 0, fmt.Errorf("%s must be between 1 and %d", name, max)
	}
	return v, nil
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
