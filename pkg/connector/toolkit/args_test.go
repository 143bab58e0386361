package toolkit_test

import (
	"encoding/json"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/connector/toolkit"
)

type searchArgs struct {
	Q      string   `json:"q"`
	Limit  int      `json:"limit"`
	Labels []string `json:"labels"`
	Closed bool     `json:"closed"`
}

func TestDecodeArgsExplainsWhatIsWrong(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, raw, want string }{
		{"unknown argument", `{"query":"x"}`, `unknown argument "query"; see the tool's input schema`},
		{"string for an integer", `{"limit":"10"}`, "argument limit must be an integer, not string"},
		{"fraction for an integer", `{"limit":1.5}`, "argument limit must be an integer, not number 1.5"},
		{"number for a string", `{"q":1}`, "argument q must be a string, not number"},
		{"string for a list", `{"labels":"bug"}`, "argument labels must be an array of strings, not string"},
		{"string for a boolean", `{"closed":"yes"}`, "argument closed must be true or false, not string"},
		{"an array", `[]`, "arguments must be a JSON object"},
		{"broken JSON", `{"q":`, "arguments are not valid JSON"},
		{"trailing data", `{} {}`, "arguments must be a single JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := toolkit.DecodeArgs[searchArgs](json.RawMessage(tt.raw))
			if err == nil || err.Error() != tt.want {
				t.Errorf("DecodeArgs(%s) error = %v, want %q", tt.raw, err, tt.want)
			}
		})
	}
}

func TestDecodeArgsTakesAbsentArgumentsAsEmpty(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{``, `  `, `null`, `{}`} {
		got, err := toolkit.DecodeArgs[searchArgs](json.RawMessage(raw))
		if err != nil || got.Q != "" || got.Limit != 0 || got.Labels != nil {
			t.Errorf("DecodeArgs(%q) = %+v, %v; want the zero value", raw, got, err)
		}
	}
	got, err := toolkit.DecodeArgs[searchArgs](json.RawMessage(` {"q":"x","labels":["a"],"limit":3} `))
	if err != nil || got.Q != "x" || got.Limit != 3 || len(got.Labels) != 1 {
		t.Errorf("DecodeArgs = %+v, %v", got, err)
	}
}

func TestLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		v, want int
		err     string
	}{
		{0, 20, ""}, {1, 1, ""}, {100, 100, ""},
		{101, 0, "page_size must be between 1 and 100"},
		{-1, 0, "page_size must be between 1 and 100"},
	}
	for _, tt := range tests {
		got, err := toolkit.Limit("page_size", tt.v, 20, 100)
		if got != tt.want || (err == nil) != (tt.err == "") || err != nil && err.Error() != tt.err {
			t.Errorf("Limit(%d) = %d, %v; want %d, %q", tt.v, got, err, tt.want, tt.err)
		}
	}
}

func TestIsSpaceOrControl(t *testing.T) {
	t.Parallel()
	for r, want := range map[rune]bool{' ': true, '\n': true, 0x7f: true, 0: true, 'a': false, '/': false, 'é': false} {
		if got := toolkit.IsSpaceOrControl(r); got != want {
			t.Errorf("IsSpaceOrControl(%q) = %v, want %v", r, got, want)
		}
	}
}
