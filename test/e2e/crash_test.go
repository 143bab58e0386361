package e2e

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpgate/mcpgate/pkg/connector/github/githubfake"
)

// TestAuditRecordSurvivesKill kills serve with SIGKILL the moment a tool
// result arrives, in both SQLite sync modes: the result was returned only
// after its audit record was committed, so the record is there when the
// database is opened again, and the chain still verifies.
func TestAuditRecordSurvivesKill(t *testing.T) {
	for _, mode := range []string{"full", "normal"} {
		t.Run("sync="+mode, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			gh := githubfake.New(canary)
			t.Cleanup(gh.Close)
			dir := t.TempDir()
			rig, key := newGitHubRig(ctx, t, gh, "MCPGATE_DATA_DIR="+dir,
				"MCPGATE_DATABASE_URL=sqlite://"+filepath.Join(dir, "mcpgate.db")+"?sync="+mode)
			addr := rig.serve(ctx, t)
			sess := rig.session(ctx, t, addr, key)

			const calls = 20
			for i := range calls {
				res, err := sess.CallTool(ctx, &mcp.CallToolParams{Name: "github_get_repo", Arguments: map[string]any{"owner": "octocat", "repo": "hello-world"}})
				if err != nil || res.IsError {
					t.Fatalf("call %d: %v %v", i, err, res)
				}
			}
			if err := rig.cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			<-rig.exited

			var records []struct{ Tool, Outcome string }
			if out := rig.cli(ctx, t, "", "audit", "list", "-o", "json"); json.Unmarshal([]byte(out), &records) != nil {
				t.Fatalf("audit list -o json: %q", out)
			}
			if len(records) != calls {
				t.Fatalf("after SIGKILL: %d audit records, want %d (one per returned result)", len(records), calls)
			}
			for _, r := range records {
				if r.Tool != "github_get_repo" || r.Outcome != "ok" {
					t.Errorf("record %+v, want github_get_repo ok", r)
				}
			}
			if out := rig.cli(ctx, t, "", "audit", "verify"); !strings.HasPrefix(out, "ok: 20 records") {
				t.Errorf("audit verify after SIGKILL: %q", out)
			}
		})
	}
}
