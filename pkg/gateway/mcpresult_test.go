package gateway

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpgate/mcpgate/pkg/secret"
)

func TestScrubResultRedactsEverySecretAndPassesACleanResultAsItIs(t *testing.T) {
	t.Parallel()
	const token = "ghp_SCRUB/canary+value=42"
	plain := secret.NewRedactor(secret.FromString(token))
	// A secret JSON escapes: every result is then scrubbed string by string.
	escaped := secret.NewRedactor(secret.FromString(token), secret.FromString(`pa"ss<word`))
	text := func(s string) *mcp.CallToolResult {
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: s}}}
	}
	tests := []struct {
		name     string
		red      *secret.Redactor
		res      *mcp.CallToolResult
		redacted bool
	}{
		{"a clean result", plain, text("line one\nline <two> & \"three\" a/b"), false},
		{"a clean result, a secret JSON escapes", escaped, text("line one\nline <two> & \"three\" a/b"), false},
		{"the token in text", plain, text("token: " + token), true},
		{"the token after text that escapes", plain, text("<b>\n\u2028" + token), true},
		{"a secret JSON escapes", escaped, text(`say pa"ss<word`), true},
		{"the token deep in structuredContent", plain, &mcp.CallToolResult{
			Content:           []mcp.Content{&mcp.TextContent{Text: "ok"}},
			StructuredContent: map[string]any{"a": []any{map[string]any{"b": "x" + token}}},
		}, true},
		{"the token in an embedded resource", plain, &mcp.CallToolResult{Content: []mcp.Content{&mcp.EmbeddedResource{
			Resource: &mcp.ResourceContents{URI: "file:///x", Text: token},
		}}}, true},
		{"the token in _meta", plain, &mcp.CallToolResult{Meta: mcp.Meta{"k": token}, Content: []mcp.Content{}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in, _ := json.Marshal(tt.res)
			out, size, redacted, err := scrubResult(tt.red, tt.res)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := json.Marshal(out)
			if redacted != tt.redacted {
				t.Errorf("redacted = %v, want %v: %s", redacted, tt.redacted, got)
			}
			if strings.Contains(string(got), "SCRUB") || strings.Contains(string(got), "ss<word") || strings.Contains(string(got), `ss\u003cword`) {
				t.Errorf("a secret is left: %s", got)
			}
			if !tt.redacted && tt.red == plain && (out != tt.res || size != len(in)) {
				t.Errorf("a clean result was copied (%v) or its size is %d, want %d", out != tt.res, size, len(in))
			}
			if size >= 0 && size != len(got) {
				t.Errorf("size = %d, the JSON is %d bytes", size, len(got))
			}
		})
	}
}

func TestLimitResultCutsByTheSizeGiven(t *testing.T) {
	t.Parallel()
	res := &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: strings.Repeat("x", 5000)}}}
	b, _ := json.Marshal(res)
	for _, size := range []int{len(b), -1} {
		out := limitResult(res, size, 1000)
		if out == res || !strings.Contains(out.Content[len(out.Content)-1].(*mcp.TextContent).Text, "[truncated: the result was") {
			t.Errorf("size %d: a %d-byte result over a 1000-byte bound was not cut", size, len(b))
		}
	}
	if out := limitResult(res, len(b), len(b)); out != res {
		t.Error("a result at the bound was cut")
	}
}

// BenchmarkScrubResult is what scrubbing and bounding a small clean
// result costs: string by string (every result, before NoneInJSON), and
// as a proxied call does it now.
func BenchmarkScrubResult(b *testing.B) {
	red := secret.NewRedactor(secret.FromString("ghp_BENCH00000000000000000000000000000000"), secret.FromString("xoxb-bench-canary"))
	res := &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "This is a simple text response for testing."}}}
	b.Run("string-by-string", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			enc, _ := json.Marshal(res)
			var clean mcp.CallToolResult
			if _, err := scrubEncoded(red, enc, &clean); err != nil {
				b.Fatal(err)
			}
			limitResult(&clean, -1, 1<<20)
		}
	})
	b.Run("checked", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			out, size, _, err := scrubResult(red, res)
			if err != nil {
				b.Fatal(err)
			}
			limitResult(out, size, 1<<20)
		}
	})
}
