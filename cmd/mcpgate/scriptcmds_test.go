package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/mcpgate/mcpgate/pkg/appliance"
	"github.com/mcpgate/mcpgate/pkg/audit"
	"github.com/mcpgate/mcpgate/pkg/config"
	"github.com/mcpgate/mcpgate/pkg/store"
	"github.com/mcpgate/mcpgate/pkg/vault"
)

// seedAudit writes audit records as a running gateway would, as the owner
// or the user named last:
// seedaudit N TOOL DECISION AGE [USER] (e.g. seedaudit 3 github_get_repo allow 100d).
func seedAudit(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 4 && len(args) != 5 {
		ts.Fatalf("usage: seedaudit N TOOL DECISION AGE [USER]")
	}
	userName := ""
	if len(args) == 5 {
		userName = args[4]
	}
	n, err := strconv.Atoi(args[0])
	ts.Check(err)
	age, err := audit.ParseDuration(args[3])
	ts.Check(err)
	ctx := context.Background()
	a, u := openUser(ts, userName)
	defer a.Close()
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
	db := openDB(ts)
	defer db.Close()
	_, err := db.Exec(`UPDATE audit_records SET arguments = '{"owner":"mallory"}' WHERE seq = ?`, args[0])
	ts.Check(err)
}

// forgeAudit rewrites one record's arguments behind mcpgate's back and
// recomputes the hash of it and of every later record of its user with
// the unkeyed algorithm, as anyone with write access to the database could
// before the chain was keyed: forgeaudit SEQ.
func forgeAudit(ts *testscript.TestScript, neg bool, args []string) {
	from, err := strconv.ParseInt(args[0], 10, 64)
	ts.Check(err)
	db := openDB(ts)
	defer db.Close()
	_, err = db.Exec(`UPDATE audit_records SET arguments = '{"owner":"mallory"}' WHERE seq = ?`, from)
	ts.Check(err)
	rows, err := db.Query(`SELECT seq, user_id, ts, key_id, tool, arguments, decision, rule, outcome, error, latency_us, hash
		FROM audit_records WHERE user_id = (SELECT user_id FROM audit_records WHERE seq = ?) ORDER BY seq`, from)
	ts.Check(err)
	var recs []store.AuditRecord
	for rows.Next() {
		var r store.AuditRecord
		var us int64
		ts.Check(rows.Scan(&r.Seq, &r.UserID, &us, &r.KeyID, &r.Tool, &r.Arguments, &r.Decision, &r.Rule, &r.Outcome, &r.Error, &r.LatencyUS, &r.Hash))
		r.Time = time.UnixMicro(us).UTC()
		recs = append(recs, r)
	}
	ts.Check(rows.Err())
	rows.Close()
	prev := ""
	for _, r := range recs {
		if r.Seq >= from {
			r.PrevHash = prev
			r.Hash = audit.LegacyHash(prev, r)
			_, err := db.Exec("UPDATE audit_records SET prev_hash = ?, hash = ? WHERE seq = ?", r.PrevHash, r.Hash, r.Seq)
			ts.Check(err)
		}
		prev = r.Hash
	}
}

// cutAudit deletes the records from SEQ on behind mcpgate's back (the
// newest ones): cutaudit SEQ.
func cutAudit(ts *testscript.TestScript, neg bool, args []string) {
	db := openDB(ts)
	defer db.Close()
	_, err := db.Exec(`DELETE FROM audit_records WHERE seq >= ?`, args[0])
	ts.Check(err)
}

// seedLegacy makes the owner's log look like one written before audit
// chains were keyed: it deletes the owner's audit keys and appends N
// records in the unkeyed format. Use it before any other record of the
// owner: seedlegacy N.
func seedLegacy(ts *testscript.TestScript, neg bool, args []string) {
	n, err := strconv.Atoi(args[0])
	ts.Check(err)
	ctx := context.Background()
	a, u := openUser(ts, "")
	defer a.Close()
	db := openDB(ts)
	defer db.Close()
	_, err = db.Exec("DELETE FROM audit_keys WHERE user_id = ?", u.ID)
	ts.Check(err)
	recs := make([]store.AuditRecord, n)
	for i := range recs {
		recs[i] = store.AuditRecord{UserID: u.ID, Time: time.Now().Add(-time.Hour), Tool: "github_get_repo",
			Arguments: `{"owner":"octocat"}`, Decision: "allow", Outcome: "ok"}
	}
	_, err = a.Store.User(u.ID).AppendAudit(ctx, recs, audit.LegacyHash)
	ts.Check(err)
}

// foreign runs mcpgate as another account, one that does not own the data
// dir: as root, as nobody (uid 65534); otherwise as this account with the
// data dir made unreadable for the duration. The work dir and its parents
// are opened for traversal so that only the data dir's own modes decide:
// foreign mcpgate ARGS...
func foreign(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 1 || args[0] != "mcpgate" {
		ts.Fatalf("usage: foreign mcpgate ARGS...")
	}
	bin := foreignBinary(ts)
	cmd := exec.Command(bin, args[1:]...)
	cmd.Dir = "/"
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=/", "MCPGATE_DATA_DIR=" + ts.Getenv("MCPGATE_DATA_DIR")}
	if os.Geteuid() == 0 {
		for dir := ts.Getenv("WORK"); dir != filepath.Dir(dir) && dir != os.TempDir(); dir = filepath.Dir(dir) {
			ts.Check(os.Chmod(dir, 0o755))
		}
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	} else {
		data := ts.Getenv("MCPGATE_DATA_DIR")
		fi, err := os.Stat(data)
		ts.Check(err)
		ts.Check(os.Chmod(data, 0))
		defer os.Chmod(data, fi.Mode().Perm())
	}
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := runForeign(cmd)
	fmt.Fprint(ts.Stdout(), stdout.String())
	fmt.Fprint(ts.Stderr(), stderr.String())
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		ts.Fatalf("foreign mcpgate did not start: %v", err)
	}
	if err != nil && !neg {
		ts.Fatalf("foreign mcpgate: %v", err)
	}
	if err == nil && neg {
		ts.Fatalf("foreign mcpgate succeeded unexpectedly")
	}
}

// runForeign runs cmd, starting it again while exec reports the binary
// busy: the copy foreignBinary wrote can still be open for writing in a
// child another test forked before its exec closed the descriptor.
func runForeign(cmd *exec.Cmd) error {
	for i := 0; ; i++ {
		err := cmd.Start()
		if errors.Is(err, syscall.ETXTBSY) && i < 50 {
			time.Sleep(20 * time.Millisecond)
			c := exec.Command(cmd.Path, cmd.Args[1:]...)
			c.Dir, c.Env, c.SysProcAttr, c.Stdout, c.Stderr = cmd.Dir, cmd.Env, cmd.SysProcAttr, cmd.Stdout, cmd.Stderr
			cmd = c
			continue
		}
		if err != nil {
			return err
		}
		return cmd.Wait()
	}
}

var foreignBin struct {
	once sync.Once
	path string
	err  error
}

// foreignBinary copies the test binary, as "mcpgate", into a directory
// any account may read, once per test run.
func foreignBinary(ts *testscript.TestScript) string {
	foreignBin.once.Do(func() {
		self, err := os.Executable()
		if err != nil {
			foreignBin.err = err
			return
		}
		dir, err := os.MkdirTemp("", "mcpgate-foreign")
		if err != nil {
			foreignBin.err = err
			return
		}
		if err = os.Chmod(dir, 0o755); err != nil {
			foreignBin.err = err
			return
		}
		b, err := os.ReadFile(self)
		if err != nil {
			foreignBin.err = err
			return
		}
		foreignBin.path = filepath.Join(dir, "mcpgate")
		foreignBin.err = os.WriteFile(foreignBin.path, b, 0o755)
	})
	ts.Check(foreignBin.err)
	return foreignBin.path
}

// seedConn stores a connection whose account name a provider chose, as a
// token connection would be stored (the credential sealed):
// seedconn NAME ACCOUNT (ACCOUNT is Go-unquoted, so "\x1b" is an ESC).
func seedConn(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: seedconn NAME ACCOUNT")
	}
	account, err := strconv.Unquote(`"` + args[1] + `"`)
	ts.Check(err)
	ctx := context.Background()
	a, u := openUser(ts, "")
	defer a.Close()
	now := time.Now().UTC()
	c := store.Connection{ID: appliance.NewID("c_"), UserID: u.ID, Name: args[0], Provider: "github", AuthKind: "api_key",
		Account: account, Status: "ok", CreatedAt: now, UpdatedAt: now}
	c.Credential, c.DEKVersion, err = a.Vault.Seal(ctx, u.ID, vault.PurposeCredential, c.ID, []byte("ghp_unused"))
	ts.Check(err)
	ts.Check(a.Store.User(u.ID).CreateConnection(ctx, c))
}

// openUser opens the data dir of the script as the admin commands do and
// resolves the user name ("" for the owner); the caller closes the App.
func openUser(ts *testscript.TestScript, name string) (*appliance.App, store.User) {
	cfg, err := config.Load(config.Options{Env: []string{"MCPGATE_DATA_DIR=" + ts.Getenv("MCPGATE_DATA_DIR")}})
	ts.Check(err)
	ctx := context.Background()
	a, err := appliance.Open(ctx, cfg)
	ts.Check(err)
	u, err := a.ResolveUser(ctx, name)
	if err != nil {
		a.Close()
		ts.Fatalf("resolve user %q: %v", name, err)
	}
	return a, u
}

// openDB opens the script's SQLite database directly, behind mcpgate's
// back, as someone with write access to the file could.
func openDB(ts *testscript.TestScript) *sql.DB {
	db, err := sql.Open("sqlite", "file:"+ts.Getenv("MCPGATE_DATA_DIR")+"/mcpgate.db?_pragma=busy_timeout(5000)")
	ts.Check(err)
	return db
}
