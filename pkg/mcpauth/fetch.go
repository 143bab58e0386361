package mcpauth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
)

// maxMetadataBytes bounds a metadata document or registration answer:
// real ones are a few kilobytes.
const maxMetadataBytes = 256 << 10

// errNotThere is a metadata URL that answered 404 (or another 4xx): the
// next candidate is tried.
var errNotThere = errors.New("no metadata at this address")

// getJSON fetches a JSON document from u and decodes it into v strictly:
// HTTP 200, Content-Type application/json, at most maxMetadataBytes, one
// JSON object and nothing after it.
func getJSON(ctx context.Context, hc *http.Client, u string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("fetch %s: %w", u, err)
	}
	req.Header.Set("Accept", "application/json")
	res, err := noRedirects(hc).Do(req)
	if err != nil {
		return fmt.Errorf("fetch %s: %s", u, describeTransport(err))
	}
	defer res.Body.Close()
	if res.StatusCode >= 400 && res.StatusCode < 500 {
		return errNotThere
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("fetch %s: HTTP %d", u, res.StatusCode)
	}
	return decodeJSON(res, u, v)
}

// decodeJSON reads res's body as one JSON object into v.
func decodeJSON(res *http.Response, u string, v any) error {
	if mt, _, err := mime.ParseMediaType(res.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return fmt.Errorf("fetch %s: the answer is not application/json", u)
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, maxMetadataBytes+1))
	if err != nil {
		return fmt.Errorf("fetch %s: %s", u, describeTransport(err))
	}
	if len(body) > maxMetadataBytes {
		return fmt.Errorf("fetch %s: the answer is larger than %d bytes", u, maxMetadataBytes)
	}
	if err := strictUnmarshal(body, v); err != nil {
		return fmt.Errorf("fetch %s: %w", u, err)
	}
	return nil
}

// strictUnmarshal decodes exactly one JSON object, refusing duplicate
// top-level keys (which two parsers could read differently) and trailing
// data.
func strictUnmarshal(body []byte, v any) error {
	var fields map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&fields); err != nil || fields == nil {
		return errors.New("the answer is not a JSON object")
	}
	if dec.More() {
		return errors.New("the answer has data after its JSON object")
	}
	if err := checkDuplicates(body); err != nil {
		return err
	}
	if err := json.Unmarshal(body, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return fmt.Errorf("the answer's %q has the wrong type", te.Field)
		}
		return errors.New("the answer is not valid JSON")
	}
	return nil
}

// checkDuplicates refuses an object with a key given twice.
func checkDuplicates(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	if _, err := dec.Token(); err != nil { // {
		return errors.New("the answer is not a JSON object")
	}
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return errors.New("the answer is not valid JSON")
		}
		k, _ := t.(string)
		if seen[k] {
			return fmt.Errorf("the answer has %q twice", k)
		}
		seen[k] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return errors.New("the answer is not valid JSON")
		}
	}
	return nil
}

// noRedirects is hc without following redirects: a metadata address
// answers itself, and a redirect could lead mcpgate anywhere.
func noRedirects(hc *http.Client) *http.Client {
	c := *hc
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

func describeTransport(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return "no answer in time"
	}
	return "the server could not be reached"
}
