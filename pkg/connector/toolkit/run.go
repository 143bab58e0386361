package toolkit

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/mcpgate/mcpgate/pkg/connector"
)

// Client is a connector's client for one tool call. It holds the
// credential, so it is what knows how to keep it out of what the model
// sees.
type Client interface {
	// Redact removes the credential from text bound for the model.
	Redact(s string) string
	// Scrub returns err unchanged unless its text holds the credential;
	// then it returns an error without it that matches the same
	// sentinels. Scrub(nil) is nil.
	Scrub(err error) error
}

// Normaliser is a tool's argument struct. Normalise rewrites it into its
// canonical form (trims spaces, splits "owner/repo", turns links into ids,
// resolves aliases) and refuses values the tool cannot use, with a message
// that says what to send instead. After it, every field holds exactly what
// the tool sends upstream.
type Normaliser interface{ Normalise() error }

// Prepare builds connector.Tool.Prepare from an argument struct A and a
// tool body: the arguments are decoded into A (strictly: only A's exact
// names), normalised, and bound to body, which gets that value and never
// the raw bytes. The canonical value (Prepared.Args) is A marshalled (see
// Canonical). Run opens the client with open and is the
// one place a tool's result and error are scrubbed of the credential. An
// error from open is returned as is: it is about configuration and holds
// no credential. Results are not truncated here: the gateway does that.
func Prepare[C Client, A any, PA interface {
	*A
	Normaliser
}](open func(connector.Upstream) (C, error), body func(context.Context, C, A) (string, error)) func(json.RawMessage) (connector.Prepared, error) {
	return func(raw json.RawMessage) (connector.Prepared, error) {
		a, err := DecodeArgs[A](raw)
		if err != nil {
			return connector.Prepared{}, err
		}
		sent, err := exactNames[A](raw)
		if err != nil {
			return connector.Prepared{}, err
		}
		if err := PA(&a).Normalise(); err != nil {
			return connector.Prepared{}, err
		}
		args, err := Canonical(a, sent)
		if err != nil {
			return connector.Prepared{}, err
		}
		return connector.Prepared{Args: args, Run: func(ctx context.Context, up connector.Upstream) (string, error) {
			c, err := open(up)
			if err != nil {
				return "", err
			}
			out, err := body(ctx, c, a)
			if err != nil {
				return "", c.Scrub(err)
			}
			return c.Redact(out), nil
		}}, nil
	}
}

// Canonical is the argument struct v as a JSON object (numbers as
// float64, lists as []any, as the guard's CEL sees them). A field at its
// zero value ("", 0, empty list) that the call did not send (sent names
// what it did) is left out, for the tool cannot tell it from an absent
// one; false stays, it is an answer; a pointer field is kept whenever it
// is set, for there presence is what matters (upload_text's text "" is an
// empty file). Preparing the canonical value again gives it back.
func Canonical(v any, sent map[string]bool) (map[string]any, error) {
	kept := map[string]any{}
	collect(reflect.ValueOf(v), sent, kept)
	b, err := json.Marshal(kept)
	if err != nil {
		return nil, fmt.Errorf("encode arguments: %w", err)
	}
	m := map[string]any{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("encode arguments: %w", err)
	}
	return m, nil
}

func collect(v reflect.Value, sent map[string]bool, into map[string]any) {
	t := v.Type()
	for i := range t.NumField() {
		f, fv := t.Field(i), v.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if tag == "-" {
			continue
		}
		if f.Anonymous && tag == "" && f.Type.Kind() == reflect.Struct {
			collect(fv, sent, into)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if tag == "" {
			tag = f.Name
		}
		switch {
		case f.Type.Kind() == reflect.Pointer:
			if !fv.IsNil() {
				into[tag] = fv.Interface()
			}
		case f.Type.Kind() == reflect.Slice:
			if fv.Len() > 0 || sent[tag] {
				into[tag] = fv.Interface()
			}
		case f.Type.Kind() == reflect.Bool, sent[tag], !fv.IsZero():
			into[tag] = fv.Interface()
		}
	}
}

// exactNames refuses a top-level name that is not exactly one of A's JSON
// names (encoding/json would match "Owner" to "owner" without a word) and
// returns the names sent.
func exactNames[A any](raw json.RawMessage) (map[string]bool, error) {
	var keys map[string]json.RawMessage
	if json.Unmarshal(raw, &keys) != nil {
		return nil, nil // not an object: DecodeArgs has said so, or it was absent
	}
	names := jsonNames(reflect.TypeFor[A]())
	sent := make(map[string]bool, len(keys))
	for k := range keys {
		if !names[k] {
			return nil, fmt.Errorf("unknown argument %q; argument names are case-sensitive, see the tool's input schema", k)
		}
		sent[k] = true
	}
	return sent, nil
}

var namesByType sync.Map // reflect.Type -> map[string]bool

func jsonNames(t reflect.Type) map[string]bool {
	if n, ok := namesByType.Load(t); ok {
		return n.(map[string]bool)
	}
	names := map[string]bool{}
	addNames(t, names)
	namesByType.Store(t, names)
	return names
}

func addNames(t reflect.Type, names map[string]bool) {
	if t.Kind() != reflect.Struct {
		return
	}
	for f := range t.Fields() {
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if tag == "-" {
			continue
		}
		if f.Anonymous && tag == "" {
			addNames(f.Type, names)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if tag == "" {
			tag = f.Name
		}
		names[tag] = true
	}
}
