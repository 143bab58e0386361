package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// FuzzMCPRequest posts arbitrary JSON-RPC bodies to the gateway's MCP
// endpoint with a valid key. Whatever arrives, the answer is a clear
// client error, a JSON-RPC error or a tool result: never a server error,
// a stack trace or the credential. The seeds are here and in
// testdata/fuzz/FuzzMCPRequest.
func FuzzMCPRequest(f *testing.F) {
	for _, seed := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"github_get_repo","arguments":{"owner":"octocat","repo":"hello-world"}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"github_get_repo","arguments":{"owner":"octocat","repo":"hello-world","repo":"x"}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"github_get_repo","arguments":{"Owner":"octocat","repo":"hello-world"}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"github_nope","arguments":{}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"github_get_repo","name":"github_create_issue","arguments":{}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"github_get_repo","arguments":[1]}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"github_list_issues","arguments":{"owner":"octocat","repo":"hello-world","labels":"bug"}}}`,
		`[{"jsonrpc":"2.0","id":1,"method":"tools/list"}]`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`{"jsonrpc":"2.0","id":1,"method":`,
		`null`,
	} {
		f.Add([]byte(seed))
	}
	g := startGateway(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		code, answer := rawPost(t, g, string(body))
		switch {
		case code >= 500:
			t.Fatalf("status %d for %q: %s", code, body, answer)
		case strings.Contains(answer, canary), strings.Contains(answer, "goroutine "), strings.Contains(answer, ".go:"):
			t.Fatalf("the answer to %q leaks internals: %s", body, answer)
		case code == http.StatusOK && answer != "" && !json.Valid([]byte(answer)):
			t.Fatalf("200 with a body that is not JSON for %q: %q", body, answer)
		}
	})
}
