package status

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"time"

	"github.com/mcpgate/mcpgate/pkg/appliance"
	"github.com/mcpgate/mcpgate/pkg/audit"
	"github.com/mcpgate/mcpgate/pkg/config"
	"github.com/mcpgate/mcpgate/pkg/keyprovider"
	"github.com/mcpgate/mcpgate/pkg/store"
)

// Defaults for the thresholds of Options.
const (
	DefaultMinFree  = 1 << 30             // 1 GiB
	DefaultCertWarn = 14 * 24 * time.Hour // certmagic renews 30 days ahead
)

// Options say what to check and where the alarms are.
type Options struct {
	Config   *config.Config
	Version  string
	User     string // whose rows to report; "" for every user
	MinFree  uint64 // less free space in the data dir needs attention
	CertWarn time.Duration
	Now      time.Time
}

// Report is everything `mcpgate status` shows. Attention lists, one
// sentence each, what a person should do; empty means all is well.
type Report struct {
	Version     string                 `json:"version"`
	Attention   []string               `json:"attention"`
	Serve       Serve                  `json:"serve"`
	TLS         TLS                    `json:"tls"`
	Database    Check                  `json:"database"`
	KeyProvider Check                  `json:"key_provider"`
	Vault       *appliance.VaultStatus `json:"vault,omitempty"`
	// Watchers, on PostgreSQL: the serve processes that learn of changes
	// by notification (a change from the CLI waits for each of them).
	Watchers    *store.Watchers `json:"generation_watchers,omitempty"`
	Connections []Connection    `json:"connections"`
	Keys        []Key           `json:"keys"`
	Audit       []Chain         `json:"audit"`
	Disk        Disk            `json:"disk"`
}

// Serve is what a running serve answered on its health endpoints.
type Serve struct {
	Healthz Answer `json:"healthz"`
	Readyz  Answer `json:"readyz"`
}

// Check is one part that either works or does not.
type Check struct {
	OK    bool   `json:"ok"`
	What  string `json:"what"`
	Error string `json:"error,omitempty"`
}

// Connection is one connection's state.
type Connection struct {
	User     string    `json:"user"`
	Name     string    `json:"name"`
	Provider string    `json:"provider"`
	Account  string    `json:"account"`
	State    string    `json:"state"` // ok, needs re-auth, expired
	Expires  time.Time `json:"expires,omitzero"`
}

// Key is one active app key and when it was last used.
type Key struct {
	User     string    `json:"user"`
	Name     string    `json:"name"`
	ID       string    `json:"id"`
	LastUsed time.Time `json:"last_used,omitzero"`
}

// Chain is how far one user's audit chain verifies.
type Chain struct {
	User    string `json:"user"`
	Records int64  `json:"records"`     // kept and pruned, up to VerifiedTo
	Seq     int64  `json:"verified_to"` // the newest record that verifies; 0 for none
	Broken  int64  `json:"broken_at,omitempty"`
	Reason  string `json:"reason,omitempty"`
	Error   string `json:"error,omitempty"`
}

// Gather checks everything it can and never stops at the first failure:
// with the database down it still probes serve, reads the certificate and
// the disk, and says what is wrong.
func Gather(ctx context.Context, o Options) Report {
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	cfg := o.Config
	r := Report{Version: o.Version, Connections: []Connection{}, Keys: []Key{}, Audit: []Chain{}}
	r.probeServe(ctx, cfg)
	r.TLS = readTLS(cfg, r.Serve.Healthz.Cert)
	r.checkTLS(o)
	r.Database.What = databaseName(cfg.Database.Admin())
	r.KeyProvider.What = redact(cfg.KeyProvider)
	a, err := appliance.Open(ctx, cfg)
	if err != nil {
		r.diagnose(ctx, cfg, err)
	} else {
		r.Database.OK, r.KeyProvider.OK = true, true
		r.inspect(ctx, a, o)
		a.Close()
	}
	r.Disk = readDisk(cfg.DataDir, o.MinFree)
	switch {
	case r.Disk.Error != "":
		r.attend("the data dir %s cannot be measured (%s): check that it exists and is readable", cfg.DataDir, r.Disk.Error)
	case r.Disk.FreeBytes < o.MinFree:
		r.attend("only %s free in %s (under %s): the audit log cannot be written once it is full, and calls are then refused; free space or prune the audit log (`mcpgate audit prune`)",
			Bytes(r.Disk.FreeBytes), cfg.DataDir, Bytes(o.MinFree))
	}
	return r
}

func (r *Report) attend(format string, args ...any) {
	r.Attention = append(r.Attention, fmt.Sprintf(format, args...))
}

func (r *Report) probeServe(ctx context.Context, cfg *config.Config) {
	tlsOn := cfg.TLS.Mode != "off"
	sni := ""
	if len(cfg.TLS.Domains) > 0 {
		sni = cfg.TLS.Domains[0]
	}
	for _, p := range []struct {
		path string
		ans  *Answer
	}{{"/healthz", &r.Serve.Healthz}, {"/readyz", &r.Serve.Readyz}} {
		u, err := ProbeURL(cfg.Listen, tlsOn, p.path)
		if err != nil {
			*p.ans = Answer{Error: err.Error()}
			continue
		}
		*p.ans = Get(ctx, u, sni)
	}
	h, rd := r.Serve.Healthz, r.Serve.Readyz
	switch {
	case !h.OK() && h.Status == 0:
		r.attend("serve does not answer at %s (%s): start it (`systemctl start mcpgate`, or `mcpgate serve`) and see its log", h.URL, h.Error)
	case !h.OK():
		r.attend("serve answered %s with %d %s: see its log", h.URL, h.Status, h.Body)
	case !rd.OK():
		r.attend("serve is up but not ready (%s: %d %s%s): it cannot reach the database or open the vault; see its log", rd.URL, rd.Status, rd.Body, rd.Error)
	}
}

func (r *Report) checkTLS(o Options) {
	t := r.TLS
	switch {
	case t.Mode == "off":
	case t.Error != "":
		r.attend("the TLS certificate cannot be read (%s): check tls.cert_file, or serve's log for ACME errors", t.Error)
	case !o.Now.Before(t.NotAfter):
		r.attend("the TLS certificate for %s expired on %s: clients refuse the connection; %s", t.Subject, t.NotAfter.UTC().Format(time.DateOnly), renewHint(t.Mode))
	case t.NotAfter.Sub(o.Now) < o.CertWarn:
		r.attend("the TLS certificate for %s expires in %d day(s), on %s: %s", t.Subject, int(t.NotAfter.Sub(o.Now).Hours()/24),
			t.NotAfter.UTC().Format(time.DateOnly), renewHint(t.Mode))
	}
}

func renewHint(mode string) string {
	if mode == "auto" {
		return "it should have been renewed 30 days ahead: see serve's log for ACME errors"
	}
	return "put a renewed certificate in tls.cert_file (serve picks it up without a restart)"
}

// diagnose says which of the key provider and the database failed to
// open, by opening each alone.
func (r *Report) diagnose(ctx context.Context, cfg *config.Config, openErr error) {
	if errors.Is(openErr, appliance.ErrNotOperator) {
		r.Database.Error = openErr.Error()
		r.KeyProvider.Error = openErr.Error()
		r.attend("%s", openErr.Error())
		return
	}
	kp, err := keyprovider.Open(ctx, cfg.KeyProvider)
	if err == nil {
		err = kp.Close()
	}
	if err != nil {
		r.KeyProvider.Error = err.Error()
		r.attend("the key provider cannot be opened (%s): nothing stored can be decrypted; check key_provider", err.Error())
	} else {
		r.KeyProvider.OK = true
	}
	st, err := store.Open(ctx, cfg.Database.Admin())
	if err == nil {
		err = st.Ping(ctx)
		if err == nil {
			err = st.CheckSchema(ctx)
		}
		st.Close()
	}
	switch {
	case err != nil:
		r.Database.Error = err.Error()
		r.attend("the database cannot be used (%s): check that it runs and database.url", err.Error())
	case r.KeyProvider.OK:
		r.Database.OK = true
		r.attend("mcpgate cannot open its data: %s", openErr.Error())
	default:
		r.Database.OK = true
	}
}

// inspect reads what needs the opened appliance.
func (r *Report) inspect(ctx context.Context, a *appliance.App, o Options) {
	if err := a.Vault.Check(ctx, ""); err != nil {
		r.KeyProvider.OK, r.KeyProvider.Error = false, err.Error()
		r.attend("the key provider does not answer (%s): serve cannot decrypt credentials or store new ones; check the KMS, its credentials and the network", err.Error())
	} else if vs, err := a.Status(ctx); err != nil {
		r.Database.OK, r.Database.Error = false, err.Error()
		r.attend("the database cannot be read (%s)", err.Error())
	} else {
		r.Vault = &vs
		if vs.Unfinished {
			r.attend("a key rotation is unfinished: %d DEK(s) under another KEK, %d user(s) with old DEK versions; run `mcpgate vault rotate-kek` or `mcpgate vault rotate-dek --all-users` again", vs.OldKEK, vs.OldDEKs)
		}
	}
	if wl, ok := a.Store.(store.WatcherLister); ok {
		if w, err := wl.Watchers(ctx); err == nil {
			r.Watchers = &w
		}
	}
	users, err := a.Users(ctx, o.User, o.User == "")
	if err != nil {
		r.attend("the users cannot be read: %s", err.Error())
		return
	}
	sort.Slice(users, func(i, j int) bool { return users[i].Name < users[j].Name })
	for _, u := range users {
		r.inspectUser(ctx, a, u, o.Now)
	}
	if len(r.Connections) == 0 || len(r.Keys) == 0 {
		setup := appliance.Setup{Connections: len(r.Connections), ActiveKeys: len(r.Keys)}
		r.Attention = append(r.Attention, setup.NextSteps()...)
	}
}

func (r *Report) inspectUser(ctx context.Context, a *appliance.App, u store.User, now time.Time) {
	conns, err := a.Connections(ctx, u)
	if err != nil {
		r.attend("the connections of %s cannot be read (%s)", u.Name, err.Error())
	}
	for _, c := range conns {
		st := appliance.ConnectionState(c, now)
		r.Connections = append(r.Connections, Connection{u.Name, c.Name, c.Provider, c.Account, st, c.ExpiresAt})
		if st == appliance.StateNeedsReauth {
			r.attend("connection %s of %s needs re-authorisation: its tools fail until you run `mcpgate connect add %s --name %s --user %s`", c.Name, u.Name, c.Provider, c.Name, u.Name)
		}
	}
	keys, err := a.APIKeys(ctx, u)
	if err != nil {
		r.attend("the app keys of %s cannot be read (%s)", u.Name, err.Error())
	}
	for _, k := range keys {
		if !k.Revoked() {
			r.Keys = append(r.Keys, Key{u.Name, k.Name, "mgw_" + k.ID, k.LastUsedAt})
		}
	}
	ch := Chain{User: u.Name}
	cp, err := a.CheckpointAudit(ctx, u, now)
	var b *audit.Break
	switch {
	case errors.As(err, &b):
		ch.Broken, ch.Reason = b.Seq, b.Reason
		r.attend("the audit log of %s was tampered with at record %d (%s): see `mcpgate audit verify --user %s`", u.Name, b.Seq, b.Reason, u.Name)
	case err != nil:
		ch.Error = err.Error()
		r.attend("the audit log of %s cannot be verified (%s)", u.Name, err.Error())
	default:
		ch.Seq, ch.Records = cp.Seq, cp.Count
	}
	r.Audit = append(r.Audit, ch)
}

// databaseName is the database's kind and place, without a password.
func databaseName(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable database.url)"
	}
	return u.Redacted()
}

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable key_provider)"
	}
	u.RawQuery = ""
	return u.Redacted()
}
