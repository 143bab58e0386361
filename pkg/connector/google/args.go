package google

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
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
		return fmt.Errorf("argument %s must be %s, not %s", te.Field, jsonKind(te.Type.Kind().String()), te.Value)
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

func jsonKind(k string) string {
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

// idPattern is what Gmail message ids (hex) and Drive file ids (base64url
// alphabet) are made of; anything else could change which endpoint a
// request reaches instead of naming one thing on it.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,200}$`)

// driveURLID finds the file id in a Drive or Docs link such as
// https://docs.google.com/document/d/ID/edit or ...open?id=ID, since a
// person often hands the model a link rather than an id.
var driveURLID = regexp.MustCompile(`/d/([A-Za-z0-9_-]+)`)

func messageID(id string) (string, error) {
	id = strings.TrimSpace(id)
	if id == "" {
		return "", errors.New("id is required (a message id from gmail_search, e.g. 18c2f0a1b2c3d4e5)")
	}
	if !idPattern.MatchString(id) {
		return "", fmt.Errorf("id %q is not a Gmail message id (ids come from gmail_search, e.g. 18c2f0a1b2c3d4e5)", id)
	}
	return url.PathEscape(id), nil
}

func fileID(id string) (string, error) {
	id = strings.TrimSpace(id)
	if id == "" {
		return "", errors.New("file_id is required (a file id from drive_search, or the file's Drive link)")
	}
	if strings.Contains(id, "://") {
		if u, err := url.Parse(id); err == nil {
			if m := driveURLID.FindStringSubmatch(u.Path); m != nil {
				id = m[1]
			} else if q := u.Query().Get("id"); q != "" {
				id = q
			}
		}
	}
	if !idPattern.MatchString(id) {
		return "", fmt.Errorf("file_id %q is not a Drive file id (ids come from drive_search, e.g. 1AbC_dEf-123)", id)
	}
	return url.PathEscape(id), nil
}

// noLineBreaks refuses CR, LF and other control characters in a value that
// goes into a mail header, where a line break would start a new header
// (header injection) or end the header section.
func noLineBreaks(name, v string) error {
	if strings.ContainsAny(v, "\r\n") {
		return fmt.Errorf("%s must not contain line breaks (CR or LF)", name)
	}
	if strings.ContainsFunc(v, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }) {
		return fmt.Errorf("%s must not contain control characters", name)
	}
	return nil
}

func pageSize(name string, n, def, maximum int) (int, error) {
	if n == 0 {
		return def, nil
	}
	if n < 1 || n > maximum {
		return 0, fmt.Errorf("%s must be between 1 and %d", name, maximum)
	}
	return n, nil
}
