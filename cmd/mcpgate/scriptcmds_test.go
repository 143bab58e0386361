package main

import (
	"context"
	"database/sql"
	"strconv"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/mcpgate/mcpgate/pkg/appliance"
	"github.com/mcpgate/mcpgate/pkg/audit"
	"github.com/mcpgate/mcpgate/pkg/config"
	"github.com/mcpgate/mcpgate/pkg/store"
)

// seedAudit writes audit records as a running gateway would:
// seedaudit N TOOL DECISION AGE (e.g. seedaudit 3 github_get_repo allow 100d).
func seedAudit(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 4 {
		ts.Fatalf("usage: seedaudit N TOOL DECISION AGE")
	}
	n, err := strconv.Atoi(args[0])
	ts.Check(err)
	age, err := audit.ParseDuration(args[3])
	ts.Check(err)
	cfg, err := config.Load(config.Options{Env: []string{"MCPGATE_DATA_DIR=" + ts.Getenv("MCPGATE_DATA_DIR")}})
	ts.Check(err)
	ctx := context.Background()
	a, err := appliance.Open(ctx, cfg)
	ts.Check(err)
	defer a.Close()
	u, err := a.ResolveUser(ctx, "")
	ts.Check(err)
	outcome := "ok"
	if args[2] == "deny" {
		outcome = "denied"
	}
	w := audit.NewWriter(a.Store, a.AuditKeys)
	defer w.Close()
	for i := range n {
		rec := store.AuditRecord{UserID: u.ID, Time: time.Now().Add(-age).Add(time.Duration(i) * time.Millisecond),
			Tool: args[1], Arguments: `{"owner":"octocat"}`, Decision: args[2], Rule: "rule:" + args[2], Outcome: outcome, LatencyUS: 1500}
		_, err := w.Write(ctx, rec)
		ts.Check(err)
	}
}

// tamper edits one audit record in the database file behind mcpgate's back:
// tamper SEQ.
func tamper(ts *testscript.TestScript, neg bool, args []string) {
	db, err := sql.Open("sqlite", "file:"+ts.Getenv("MCPGATE_DATA_DIR")+"/mcpgate.db?_pragma=busy_timeout(5000)")
	ts.Check(err)
	defer db.Close()
	_, err = db.Exec(`UPDATE audit_records SET arguments = '{"owner":"mallory"}' WHERE seq = ?`, args[0])
	ts.Check(err)
}
