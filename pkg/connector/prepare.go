package connector

import (
	"context"
	"encoding/json"
	"errors"
)

// ArgumentError is a call refused for its arguments: not one JSON object,
// a duplicate key, a name or type the tool's input schema does not allow,
// or a value the tool cannot use. The gateway records such calls as
// denied by the rule "invalid-arguments"; nothing reaches the upstream.
type ArgumentError struct{ Err error }

func (e *ArgumentError) Error() string { return e.Err.Error() }
func (e *ArgumentError) Unwrap() error { return e.Err }

// Prepare is the one path from a call's raw arguments to what the guard,
// the audit log and the upstream see: a strict parse (duplicate keys at
// any depth refused), validation against t.InputSchema (unknown keys, keys
// that differ from a property only by case, wrong types, missing required
// ones refused), then the tool's own decoding and normalisation. Every
// error is an *ArgumentError.
func Prepare(t Tool, raw json.RawMessage) (Prepared, error) {
	v, err := parseStrict(raw)
	if err != nil {
		return Prepared{}, &ArgumentError{err}
	}
	if err := compileSchema(t.InputSchema).validate(v); err != nil {
		return Prepared{}, &ArgumentError{err}
	}
	if t.Prepare == nil {
		return Prepared{}, &ArgumentError{errors.New("this tool cannot be called")}
	}
	p, err := t.Prepare(raw)
	if err != nil {
		var ae *ArgumentError
		if errors.As(err, &ae) {
			return Prepared{}, err
		}
		return Prepared{}, &ArgumentError{err}
	}
	return p, nil
}

// Call prepares and runs one call, for callers without a guard or an
// audit log in between (tests, benchmarks, `connect test`).
func Call(ctx context.Context, t Tool, up Upstream, raw json.RawMessage) (string, error) {
	p, err := Prepare(t, raw)
	if err != nil {
		return "", err
	}
	return p.Run(ctx, up)
}
