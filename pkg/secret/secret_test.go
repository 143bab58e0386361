package secret

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestValueNeverPrintsItself(t *testing.T) {
	t.Parallel()
	const canary = "sk-VALUECANARY-123456"
	v := FromString(canary)
	type holder struct {
		Token Value `json:"token"`
	}
	jsonOf := func(x any) string {
		b, err := json.Marshal(x)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	text, err := v.MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("x", "token", v, "held", holder{v})
	var jsonLogged bytes.Buffer
	slog.New(slog.NewJSONHandler(&jsonLogged, nil)).Info("x", "token", v)
	tests := []struct{ name, got, want string }{
		{"String", v.String(), "[redacted]"},
		{"GoString", v.GoString(), "[redacted]"},
		{"%v", fmt.Sprintf("%v", v), "[redacted]"},
		{"%+v", fmt.Sprintf("%+v", v), "[redacted]"},
		{"%#v", fmt.Sprintf("%#v", v), "[redacted]"},
		{"%s", fmt.Sprintf("%s", v), "[redacted]"},
		{"%q", fmt.Sprintf("%q", v), "[redacted]"},
		{"%x", fmt.Sprintf("%x", v), "[redacted]"},
		{"%d", fmt.Sprintf("%d", v), "[redacted]"},
		{"%v of a struct holding it", fmt.Sprintf("%v", holder{v}), "{[redacted]}"},
		{"%+v of a struct holding it", fmt.Sprintf("%+v", holder{v}), "{Token:[redacted]}"},
		{"%#v of a pointer to a struct holding it", fmt.Sprintf("%#v", &holder{v}), "&secret.holder{Token:[redacted]}"},
		{"MarshalJSON", jsonOf(v), `"[redacted]"`},
		{"MarshalJSON in a struct", jsonOf(holder{v}), `{"token":"[redacted]"}`},
		{"MarshalText", string(text), "[redacted]"},
		{"LogValue", v.LogValue().String(), "[redacted]"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %q, want %q", tt.name, tt.got, tt.want)
		}
	}
	for name, out := range map[string]string{"slog text": logged.String(), "slog json": jsonLogged.String()} {
		if strings.Contains(out, "VALUECANARY") || !strings.Contains(out, "[redacted]") {
			t.Errorf("%s = %q, want [redacted] and no value", name, out)
		}
	}
	if v.Reveal() != canary || string(v.Bytes()) != canary || v.IsZero() || !(Value{}).IsZero() {
		t.Error("Reveal, Bytes or IsZero do not give the value back")
	}
}
