package gateway

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpgate/mcpgate/pkg/secret"
)

// scrubJSON redacts every secret red knows from every string inside v (a
// result or a list from an MCP server) and decodes the scrubbed value
// into out. Walking decoded strings, not the encoded text, finds a secret
// however the server escaped it.
func scrubJSON(red *secret.Redactor, v, out any) (bool, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return false, err
	}
	if red.NoneInJSON(b) {
		return false, json.Unmarshal(b, out)
	}
	return scrubEncoded(red, b, out)
}

// scrubResult is scrubJSON for a tool's result, with the size of its
// JSON (-1 if not known): a result that cannot hold any secret, the
// common case, is returned as it is, after one encoding.
func scrubResult(red *secret.Redactor, res *mcp.CallToolResult) (*mcp.CallToolResult, int, bool, error) {
	b, err := json.Marshal(res)
	if err != nil {
		return nil, 0, false, err
	}
	if red.NoneInJSON(b) {
		return res, len(b), false, nil
	}
	var clean mcp.CallToolResult
	redacted, err := scrubEncoded(red, b, &clean)
	if err != nil {
		return nil, 0, false, err
	}
	return &clean, -1, redacted, nil
}

// scrubEncoded redacts every string of the JSON document b and decodes
// the result into out.
func scrubEncoded(red *secret.Redactor, b []byte, out any) (bool, error) {
	var generic any
	if err := json.Unmarshal(b, &generic); err != nil {
		return false, err
	}
	redacted := false
	generic = walkStrings(generic, func(s string) string {
		r, did := red.Redact(s)
		redacted = redacted || did
		return r
	})
	b, err := json.Marshal(generic)
	if err != nil {
		return false, err
	}
	return redacted, json.Unmarshal(b, out)
}

func walkStrings(v any, f func(string) string) any {
	switch x := v.(type) {
	case string:
		return f(x)
	case []any:
		for i := range x {
			x[i] = walkStrings(x[i], f)
		}
	case map[string]any:
		for k, e := range x {
			x[k] = walkStrings(e, f)
		}
	}
	return v
}

// limitResult bounds a proxied result to about max bytes of JSON: content
// is kept in order while it fits, the text that crosses the bound is cut
// on a rune boundary, what follows is dropped, and a last text item says
// so. structuredContent that does not fit is dropped too. Everything kept
// is unchanged. size is the result's JSON size if known, else -1.
func limitResult(res *mcp.CallToolResult, size, max int) *mcp.CallToolResult {
	if size < 0 {
		b, err := json.Marshal(res)
		if err != nil {
			return res
		}
		size = len(b)
	}
	if size <= max {
		return res
	}
	total := size
	out := &mcp.CallToolResult{IsError: res.IsError, Meta: res.Meta}
	used := 64
	if res.StructuredContent != nil {
		if sb, err := json.Marshal(res.StructuredContent); err == nil && used+len(sb) <= max/2 {
			out.StructuredContent = res.StructuredContent
			used += len(sb)
		}
	}
	for _, c := range res.Content {
		cb, err := json.Marshal(c)
		if err != nil {
			continue
		}
		if used+len(cb) <= max {
			out.Content = append(out.Content, c)
			used += len(cb)
			continue
		}
		if t, ok := c.(*mcp.TextContent); ok && max-used > 256 {
			cut := max - used - 256
			for cut > 0 && !utf8.RuneStart(t.Text[cut]) {
				cut--
			}
			out.Content = append(out.Content, &mcp.TextContent{Text: t.Text[:cut]})
		}
		break
	}
	out.Content = append(out.Content, &mcp.TextContent{
		Text: fmt.Sprintf("[truncated: the result was %d bytes; mcpgate passes at most %d]", total, max),
	})
	return out
}
