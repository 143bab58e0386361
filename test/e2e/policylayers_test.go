package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestKeyUpdateKeepsTheDefaultPolicy reproduces a reported bypass: the user's
// default policy was read-only with a rate limit, and `key update K --deny X`
// on a key without a policy of its own gave the key a policy that replaced
// the default, so a write went through. The default is the floor of every
// key: after the update the key is still read-only and still rate-limited,
// and `key policy show` says where each part comes from.
func TestKeyUpdateKeepsTheDefaultPolicy(t *testing.T) {
	g := startGateway(t)
	bin := mcpgateBinary(t)
	mcpgate := func(stdin string, args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env = append(os.Environ(), "MCPGATE_DATA_DIR="+g.Config.DataDir)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("mcpgate %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	mcpgate("version: 1\nread_only: true\nrate_limits:\n  - {id: reads, tools: [github_*], limit: 2/h}\n",
		"key", "policy", "set", "--default", "--file", "-")
	mcpgate("", "key", "update", g.KeyName, "--deny", "slack_*")

	s := g.session(t)
	before := g.GH.Requests()
	issue := map[string]any{"owner": "octocat", "repo": "hello-world", "title": "x"}
	if r := call(t, s, "github_create_issue", issue); !r.IsError || !strings.Contains(text(r), "denied by guardrail default:read-only") {
		t.Fatalf("a write after `key update --deny`: isError=%v %q, want denied by default:read-only", r.IsError, text(r))
	}
	if g.GH.Requests() != before {
		t.Fatal("the write reached GitHub")
	}
	for i := range 2 {
		if r := call(t, s, "github_get_repo", helloRepo); r.IsError {
			t.Fatalf("read %d under the default's limit: %s", i+1, text(r))
		}
	}
	if r := call(t, s, "github_get_repo", helloRepo); !r.IsError || !strings.Contains(text(r), "default:rate:reads") {
		t.Fatalf("3rd read: %q, want the default's rate limit", text(r))
	}

	var shown struct {
		HasDefault bool `json:"has_default"`
		HasOwn     bool `json:"has_own"`
		Parts      []struct{ Setting, Value, From, Rule string }
	}
	if err := json.Unmarshal([]byte(mcpgate("", "key", "policy", "show", g.KeyName, "-o", "json")), &shown); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range shown.Parts {
		got = append(got, p.Setting+"="+p.Value+"@"+p.From)
	}
	want := "read_only=true@default rate_limit=[github_*] 2/h@default deny=slack_*@key"
	if !shown.HasDefault || !shown.HasOwn || strings.Join(got, " ") != want {
		t.Errorf("key policy show -o json = %+v\nparts %q, want %q", shown, strings.Join(got, " "), want)
	}
	table := mcpgate("", "key", "policy", "show", g.KeyName)
	var rows []string
	for _, line := range strings.Split(table, "\n") {
		if f := strings.Fields(line); len(f) > 0 && !strings.HasPrefix(line, "#") {
			rows = append(rows, strings.Join(f, " "))
		}
	}
	wantRows := []string{
		"SETTING VALUE FROM RULE",
		"read_only true default default:read-only",
		"rate_limit [github_*] 2/h default default:rate:reads",
		"deny slack_* key deny:slack_*",
	}
	if strings.Join(rows, "\n") != strings.Join(wantRows, "\n") {
		t.Errorf("key policy show =\n%s\nwant the rows\n%s", table, strings.Join(wantRows, "\n"))
	}
}
