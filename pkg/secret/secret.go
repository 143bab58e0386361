package secret

import (
	"fmt"
	"log/slog"
)

// Value is a credential: an API token, an OAuth token set, a key. Its only
// way out is Reveal, which callers use at the moment they build the request
// to the credential's own upstream.
type Value struct {
	b []byte
}

// New wraps b. The caller must not keep using b afterwards.
func New(b []byte) Value { return Value{b: b} }

// FromString wraps s.
func FromString(s string) Value { return Value{b: []byte(s)} }

// Reveal returns the credential's bytes as a string.
func (v Value) Reveal() string { return string(v.b) }

// Bytes returns the credential's bytes; callers must not modify them.
func (v Value) Bytes() []byte { return v.b }

// IsZero reports whether v holds nothing.
func (v Value) IsZero() bool { return len(v.b) == 0 }

// String implements fmt.Stringer without revealing the value.
func (v Value) String() string { return Redacted }

// GoString implements fmt.GoStringer without revealing the value.
func (v Value) GoString() string { return Redacted }

// Format makes every fmt verb print [redacted].
func (v Value) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(Redacted)) }

// MarshalJSON encodes the value as "[redacted]".
func (v Value) MarshalJSON() ([]byte, error) { return []byte(`"` + Redacted + `"`), nil }

// MarshalText encodes the value as [redacted].
func (v Value) MarshalText() ([]byte, error) { return []byte(Redacted), nil }

// LogValue makes slog print [redacted].
func (v Value) LogValue() slog.Value { return slog.StringValue(Redacted) }

var (
	_ fmt.Formatter  = Value{}
	_ slog.LogValuer = Value{}
)
