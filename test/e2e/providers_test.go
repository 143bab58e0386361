package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/mcpgate/mcpgate/pkg/appliance"
	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/dropbox/dropboxfake"
	"github.com/mcpgate/mcpgate/pkg/connector/google/googlefake"
	"github.com/mcpgate/mcpgate/pkg/connector/slack/slackfake"
	"github.com/mcpgate/mcpgate/pkg/secret"
	"github.com/mcpgate/mcpgate/pkg/store"
	"github.com/mcpgate/mcpgate/pkg/vault"
)

// The tokens each fake accepts. Like canary, each must reach its fake and
// nothing else.
const (
	provSlackToken   = "xoxb-PROVSLACK-2468013579-aZ7fQ1wX9cV3bN5mK8jH"
	provGoogleToken  = "ya29.PROVGOOGLE-b3c5d7e9f1a2b4c6d8e0f2a4b6c8d0e2"
	provDropboxToken = "sl.PROVDROPBOX-u9t8s7r6q5p4o3n2m1l0k9j8i7h6g5"
)

// Subjects with characters outside ASCII, to see them survive RFC 2047.
const (
	provDraftSubject = "Entwurf: Grüße aus Zürich — 会議 ✓"
	provSendSubject  = "Résumé reçu, José — 日本語"
)

// provGateway is a gateway with github, slack, google and dropbox
// connections, each provider served by its fake.
type provGateway struct {
	*gw
	slack   *slackfake.Server
	google  *googlefake.Server
	dropbox *dropboxfake.Server
}

// provStart starts the three fakes, points their connectors at them through
// config, and connects them: Slack with a pasted bot token (checked with
// auth.test, as `connect add` does), Google and Dropbox with a stored OAuth
// token set, since those connect through a browser.
func provStart(t *testing.T) *provGateway {
	t.Helper()
	sl := slackfake.New(provSlackToken)
	t.Cleanup(sl.Close)
	gg := googlefake.New(provGoogleToken)
	t.Cleanup(gg.Close)
	db := dropboxfake.New(provDropboxToken)
	t.Cleanup(db.Close)
	g := startGateway(t,
		"MCPGATE_CONNECTORS_SLACK_API_URL="+sl.URL,
		"MCPGATE_CONNECTORS_GOOGLE_API_URL="+gg.URL,
		"MCPGATE_CONNECTORS_DROPBOX_API_URL="+db.URL,
	)
	c, err := g.App.AddTokenConnection(context.Background(), g.Owner, "slack", "slack", secret.FromString(provSlackToken))
	if err != nil {
		t.Fatal(err)
	}
	if want := "mcpgate@" + slackfake.TeamName; c.Account != want {
		t.Errorf("slack account = %q, want %q", c.Account, want)
	}
	provAddOAuthConnection(t, g, "google", googlefake.Email, provGoogleToken)
	provAddOAuthConnection(t, g, "dropbox", dropboxfake.Email, provDropboxToken)
	return &provGateway{gw: g, slack: sl, google: gg, dropbox: db}
}

// provAddOAuthConnection stores what the OAuth callback would: the sealed
// JSON of an oauth2.Token that is good for another hour, with no API URL
// of its own so that the configured one applies.
func provAddOAuthConnection(t *testing.T, g *gw, provider, account, accessToken string) {
	t.Helper()
	ctx := context.Background()
	expiry := time.Now().Add(time.Hour).UTC()
	set, err := json.Marshal(oauth2.Token{AccessToken: accessToken, TokenType: "Bearer", Expiry: expiry})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	c := store.Connection{
		ID: appliance.NewID("c_"), UserID: g.Owner.ID, Name: provider, Provider: provider,
		AuthKind: connector.AuthOAuth2, Account: account, Status: "ok",
		ExpiresAt: expiry, CreatedAt: now, UpdatedAt: now,
	}
	if c.Credential, c.DEKVersion, err = g.App.Vault.Seal(ctx, g.Owner.ID, vault.PurposeCredential, c.ID, set); err != nil {
		t.Fatal(err)
	}
	if err := g.App.Store.User(g.Owner.ID).CreateConnection(ctx, c); err != nil {
		t.Fatal(err)
	}
}

// provCase is one tool call: the text its result must contain, and an
// optional check of what the call changed on the fake.
type provCase struct {
	tool  string // as exposed: <connection>_<tool>
	args  map[string]any
	want  []string
	check func(t *testing.T, out string)
}

func TestEveryToolThroughMCP(t *testing.T) {
	p := provStart(t)
	s := p.session(t)
	ctx := context.Background()

	t.Run("tools_list", func(t *testing.T) {
		res, err := s.ListTools(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		listed := map[string]int{}
		for _, tool := range res.Tools {
			conn, name, _ := strings.Cut(tool.Name, "_")
			prov, err := connector.Lookup(conn) // each connection is named after its provider
			if err != nil {
				t.Errorf("tools/list has %s, of no connection: %v", tool.Name, err)
				continue
			}
			listed[conn]++
			ct, ok := provTool(prov, name)
			if !ok {
				t.Errorf("tools/list has %s, which %s does not offer", tool.Name, conn)
				continue
			}
			if tool.InputSchema == nil || tool.Annotations == nil {
				t.Errorf("%s lacks a schema or annotations", tool.Name)
				continue
			}
			if got := tool.Annotations.ReadOnlyHint; got != ct.ReadOnly {
				t.Errorf("%s readOnlyHint = %v, want %v", tool.Name, got, ct.ReadOnly)
			}
			if got := tool.Annotations.DestructiveHint; got == nil || *got != ct.Destructive {
				t.Errorf("%s destructiveHint = %v, want %v", tool.Name, provBoolPtr(got), ct.Destructive)
			}
		}
		for conn, want := range map[string]int{"github": 11, "slack": 7, "google": 9, "dropbox": 5} {
			if listed[conn] != want {
				t.Errorf("tools/list shows %d %s tools, want %d", listed[conn], conn, want)
			}
		}
		if len(res.Tools) != 32 {
			t.Errorf("tools/list shows %d tools, want 32", len(res.Tools))
		}
	})

	cases := provCases(p)
	provCheckCoverage(t, cases, "slack", "google", "dropbox")
	var results []string
	for _, c := range cases {
		t.Run(c.tool, func(t *testing.T) {
			r := call(t, s, c.tool, c.args)
			out := text(r)
			results = append(results, out)
			if r.IsError {
				t.Fatalf("error result: %s", out)
			}
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("result lacks %q:\n%s", w, out)
				}
			}
			if c.check != nil {
				c.check(t, out)
			}
		})
	}

	t.Run("every call is audited", func(t *testing.T) {
		recs, err := p.App.Store.User(p.Owner.ID).ListAudit(ctx, store.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != len(cases) {
			t.Fatalf("audit holds %d records, want %d", len(recs), len(cases))
		}
		for _, r := range recs {
			if r.Outcome != "ok" || r.Decision != "allow" {
				t.Errorf("audit record for %s: outcome %q, decision %q", r.Tool, r.Outcome, r.Decision)
			}
		}
	})

	t.Run("no token leaves its fake", func(t *testing.T) {
		provAssertNoTokens(t, p, results)
	})
}

// provCases calls every Slack, Google and Dropbox tool with arguments that
// fit the fakes' seeded data.
func provCheckCoverage(t *testing.T, cases []provCase, providers ...string) {
	t.Helper()
	called := map[string]bool{}
	for _, c := range cases {
		called[c.tool] = true
	}
	for _, name := range providers {
		prov, err := connector.Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, tool := range prov.Tools() {
			if !called[name+"_"+tool.Name] {
				t.Errorf("no case calls %s_%s", name, tool.Name)
			}
		}
	}
}

func provTool(p connector.Provider, name string) (connector.Tool, bool) {
	for _, t := range p.Tools() {
		if t.Name == name {
			return t, true
		}
	}
	return connector.Tool{}, false
}

func provBoolPtr(b *bool) any {
	if b == nil {
		return "unset"
	}
	return *b
}
