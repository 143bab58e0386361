package e2e

import (
	"context"
	"crypto/rand"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/mcpgate/mcpgate/pkg/appliance"
	"github.com/mcpgate/mcpgate/pkg/keyprovider/awskms"
	"github.com/mcpgate/mcpgate/pkg/keyprovider/awskms/kmsfake"
	"github.com/mcpgate/mcpgate/pkg/secret"
	"github.com/mcpgate/mcpgate/pkg/store/postgres/pgtest"
)

// dbWriter is someone who can write mcpgate's database but holds no KEK:
// raw SQL on the database, past the store, and a KMS endpoint of their own.
type dbWriter struct {
	t     *testing.T
	g     *gw
	db    *sql.DB
	kms   *kmsfake.Server
	owner string
	// wrapped is the attacker's DEK, wrapped by the attacker's key with
	// the additional data mcpgate's vault uses for the owner.
	wrapped []byte
	key     string // the attacker's key ARN
}

func (w *dbWriter) exec(q string, args ...any) {
	w.t.Helper()
	if _, err := w.db.ExecContext(context.Background(), q, args...); err != nil {
		w.t.Fatalf("%s: %v", q, err)
	}
}

// addDEK makes the attacker's DEK the owner's version 2 under kekID.
func (w *dbWriter) addDEK(kekID string) {
	w.exec("INSERT INTO deks (user_id, version, kek_id, wrapped, created_at) VALUES ($1, 2, $2, $3, $4)",
		w.owner, kekID, w.wrapped, time.Now().UnixMicro())
}

// TestDatabaseWriterCannotChooseTheDEK: someone who can write the database
// adds a KEK entry (or moves one) to a KMS endpoint they control and a DEK
// version for a user wrapped under it, so that the user's next credential
// would be sealed under a DEK they know. mcpgate refuses to seal, opens
// nothing at their endpoint, and stores no credential under their DEK.
func TestDatabaseWriterCannotChooseTheDEK(t *testing.T) {
	drivers := []struct {
		name string
		env  func(t *testing.T) []string
	}{
		{"sqlite", func(*testing.T) []string { return nil }},
		{"postgres", func(t *testing.T) []string { return []string{"MCPGATE_DATABASE_URL=" + pgtest.FreshDB(t)} }},
	}
	attacks := []struct {
		name string
		// write changes the database; it returns whether the owner's
		// existing credential should still open afterwards.
		write func(w *dbWriter) (oldStillOpens bool)
		want  string // in the refusal
	}{
		{"a new KEK entry naming the attacker's KMS, and a DEK version under it", func(w *dbWriter) bool {
			w.exec("INSERT INTO keks (id, url, created_at) VALUES ($1, $2, $3)", "awskms:"+w.key, w.kms.ProviderURL(w.key), time.Now().UnixMicro())
			w.addDEK("awskms:" + w.key)
			return true
		}, "DEK version 2 of user"},
		{"a recorded KEK entry moved to the attacker's KMS, which claims that KEK's id", func(w *dbWriter) bool {
			genuine := w.kms.CreateKey()
			if _, _, err := openCLI(w.t, w.g, "").RotateKEK(context.Background(), w.kms.ProviderURL(genuine)); err != nil {
				w.t.Fatalf("rotate-kek to the genuine KMS key: %v", err)
			}
			w.kms.SetAlias("alias/evil", w.key)
			w.kms.ReportKeyID(w.key, genuine)
			w.exec("UPDATE keks SET url = $1 WHERE id = $2", w.kms.ProviderURL("alias/evil"), "awskms:"+genuine)
			w.addDEK("awskms:" + genuine)
			return false
		}, "DEK version 2 of user"},
		{"a DEK version carrying the MAC of the user's genuine one", func(w *dbWriter) bool {
			w.exec("INSERT INTO keks (id, url, created_at) VALUES ($1, $2, $3)", "awskms:"+w.key, w.kms.ProviderURL(w.key), time.Now().UnixMicro())
			w.addDEK("awskms:" + w.key)
			w.exec("UPDATE deks SET mac = (SELECT d.mac FROM deks d WHERE d.user_id = $1 AND d.version = 1) WHERE user_id = $1 AND version = 2", w.owner)
			return true
		}, "not written by this mcpgate"},
		{"a KEK entry and a DEK version carrying the genuine entry's key and MACs", func(w *dbWriter) bool {
			w.exec(`INSERT INTO keks (id, url, mac_key, mac, created_at)
				SELECT $1, $2, mac_key, mac, created_at + 1 FROM keks WHERE mac_key IS NOT NULL`,
				"awskms:"+w.key, w.kms.ProviderURL(w.key))
			w.addDEK("awskms:" + w.key)
			w.exec("UPDATE deks SET mac = (SELECT d.mac FROM deks d WHERE d.user_id = $1 AND d.version = 1) WHERE user_id = $1 AND version = 2", w.owner)
			return true
		}, "not written by this mcpgate"},
	}
	for _, d := range drivers {
		t.Run(d.name, func(t *testing.T) {
			for _, a := range attacks {
				t.Run(a.name, func(t *testing.T) {
					w := newDBWriter(t, d.env(t))
					oldStillOpens := a.write(w)
					w.kms.ResetCalls()

					// A fresh process (no cached DEK) stores the owner's
					// next credential, as `connect add` or a token refresh
					// would.
					cli := openCLI(t, w.g, "")
					owner, err := cli.ResolveUser(context.Background(), "")
					if err != nil {
						t.Fatal(err)
					}
					_, err = cli.AddTokenConnection(context.Background(), owner, "github", "github-next", secret.FromString(canary))
					switch {
					case err == nil:
						t.Fatal("a credential was sealed under the DEK version the attacker wrote, which the attacker can unwrap")
					case !strings.Contains(err.Error(), a.want):
						t.Fatalf("refusal: got %v, want it to contain %q", err, a.want)
					}
					var sealed int
					if err := w.db.QueryRow("SELECT COUNT(*) FROM connections WHERE dek_version = 2").Scan(&sealed); err != nil {
						t.Fatal(err)
					}
					if sealed != 0 {
						t.Fatalf("%d credentials stored under the attacker's DEK version", sealed)
					}
					_, err = cli.TestConnection(context.Background(), owner, "github")
					switch {
					case oldStillOpens && err != nil:
						t.Fatalf("the owner's existing credential no longer opens: %v", err)
					case !oldStillOpens && (err == nil || !strings.Contains(err.Error(), "is refused")):
						t.Fatalf("the existing credential under the moved KEK entry: got %v, want the entry refused", err)
					}
					if n := w.kms.Calls(kmsfake.OpDecrypt); n != 0 {
						t.Fatalf("mcpgate asked the attacker's KMS to decrypt %d times", n)
					}
				})
			}
		})
	}
}

func newDBWriter(t *testing.T, env []string) *dbWriter {
	t.Helper()
	kms := kmsfake.New()
	t.Cleanup(kms.Close)
	kms.SetEnv(t)
	g := startGateway(t, env...)
	h, ok := g.App.Store.(interface{ DB() *sql.DB })
	if !ok {
		t.Fatalf("store %T gives no database handle", g.App.Store)
	}
	w := &dbWriter{t: t, g: g, db: h.DB(), kms: kms, owner: g.Owner.ID, key: kms.CreateKey()}
	p, err := awskms.Open(context.Background(), w.key, awskms.Options{
		Region: kms.Region(), Endpoint: kms.URL(), Credentials: credentials.StaticCredentialsProvider{Value: kms.Credentials()},
	})
	if err != nil {
		t.Fatal(err)
	}
	dek := make([]byte, 32)
	rand.Read(dek)
	// The vault's DEK additional data is no secret: it names the user.
	if w.wrapped, err = p.Wrap(context.Background(), dek, []byte("mcpgate.dek.v1\x00"+w.owner)); err != nil {
		t.Fatal(err)
	}
	return w
}

// TestUpgradeFromAnUnauthenticatedRegistry: a database written by an older
// mcpgate (no MACs anywhere) keeps working with the configured KEK, `init`
// run again gives its DEK rows their MACs, and a KEK rotation from it
// works.
func TestUpgradeFromAnUnauthenticatedRegistry(t *testing.T) {
	ctx := context.Background()
	g := startGateway(t)
	w := &dbWriter{t: t, g: g, db: g.App.Store.(interface{ DB() *sql.DB }).DB()}
	w.exec("UPDATE deks SET mac = NULL")
	w.exec("UPDATE keks SET mac_key = NULL, mac = NULL")

	if _, err := openCLI(t, g, "").TestConnection(ctx, g.Owner, "github"); err != nil {
		t.Fatalf("a credential of the older version: %v", err)
	}
	if _, err := appliance.Init(ctx, g.Config, "owner"); err != nil {
		t.Fatalf("init run again: %v", err)
	}
	var unsigned int
	if err := w.db.QueryRow("SELECT COUNT(*) FROM deks WHERE mac IS NULL").Scan(&unsigned); err != nil {
		t.Fatal(err)
	}
	if unsigned != 0 {
		t.Fatalf("%d DEK rows without a MAC after init", unsigned)
	}

	w.exec("UPDATE deks SET mac = NULL")
	next := "local://" + filepath.Join(t.TempDir(), "kek-2")
	if res, _, err := openCLI(t, g, "").RotateKEK(ctx, next); err != nil || res.Rewrapped != 1 {
		t.Fatalf("rotate-kek from the older version's rows: %+v, %v", res, err)
	}
	if _, err := openCLI(t, g, next).TestConnection(ctx, g.Owner, "github"); err != nil {
		t.Fatalf("the credential after the rotation: %v", err)
	}
}
