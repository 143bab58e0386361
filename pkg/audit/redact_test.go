package audit_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/audit"
)

func digestOf(s string) map[string]any {
	sum := sha256.Sum256([]byte(s))
	return map[string]any{"redacted": true, "sha256": hex.EncodeToString(sum[:]), "len": float64(len(s))}
}

func TestRedactArgs(t *testing.T) {
	t.Parallel()
	bigPath := "/Documents/" + strings.Repeat("deep/", 5000) + "notes.txt" // 25 KB
	bigText := strings.Repeat("secret text ", 10000)
	tests := []struct {
		name            string
		args            map[string]any
		content, redact []string
		want            map[string]any
	}{
		{
			name:    "what a call touched stays in full however large",
			args:    map[string]any{"path": bigPath, "text": bigText, "mode": "add"},
			content: []string{"text"},
			want:    map[string]any{"path": bigPath, "text": digestOf(bigText), "mode": "add"},
		},
		{
			name:    "recipients stay, the body becomes its hash and length",
			args:    map[string]any{"to": []any{"bob@example.com"}, "subject": "Hi", "body": "Hello"},
			content: []string{"body"},
			want:    map[string]any{"to": []any{"bob@example.com"}, "subject": "Hi", "body": digestOf("Hello")},
		},
		{
			name:   "redact_fields match names in any case",
			args:   map[string]any{"subject": "Hi", "channel": "general"},
			redact: []string{"SUBJECT"},
			want:   map[string]any{"subject": digestOf("Hi"), "channel": "general"},
		},
		{
			name:   "redact_fields apply at any depth",
			args:   map[string]any{"outer": map[string]any{"Token": "t0k"}, "list": []any{map[string]any{"token": "x"}}},
			redact: []string{"token"},
			want:   map[string]any{"outer": map[string]any{"Token": digestOf("t0k")}, "list": []any{map[string]any{"token": digestOf("x")}}},
		},
		{
			name: "nothing to redact",
			args: map[string]any{},
			want: map[string]any{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got map[string]any
			if err := json.Unmarshal([]byte(audit.RedactArgs(tt.args, tt.content, tt.redact)), &got); err != nil {
				t.Fatal(err)
			}
			gotJSON, _ := json.Marshal(got)
			wantJSON, _ := json.Marshal(tt.want)
			if string(gotJSON) != string(wantJSON) {
				t.Errorf("RedactArgs =\n%.300s\nwant\n%.300s", gotJSON, wantJSON)
			}
		})
	}
}

func TestRedactArgsLeavesTheCallersMapAlone(t *testing.T) {
	t.Parallel()
	args := map[string]any{"body": "Hello", "nested": map[string]any{"body": "x"}}
	audit.RedactArgs(args, []string{"body"}, []string{"body"})
	if args["body"] != "Hello" || args["nested"].(map[string]any)["body"] != "x" {
		t.Errorf("RedactArgs changed its input: %v", args)
	}
}

func TestUnparsedArgsKeepsOnlyHashAndLength(t *testing.T) {
	t.Parallel()
	raw := []byte(`{"owner":"octocat","repo":"a","repo":"b"}`)
	var got map[string]any
	if err := json.Unmarshal([]byte(audit.UnparsedArgs(raw)), &got); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(raw)
	if got["_invalid"] != true || got["sha256"] != hex.EncodeToString(sum[:]) || got["len"] != float64(len(raw)) || len(got) != 3 {
		t.Errorf("UnparsedArgs = %v", got)
	}
}
