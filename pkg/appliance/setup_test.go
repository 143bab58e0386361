package appliance

import (
	"strings"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/oauth"
	"github.com/mcpgate/mcpgate/pkg/store"
)

func TestConnectionState(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name string
		conn store.Connection
		want string
	}{
		{"a pasted token", store.Connection{Status: "ok"}, StateOK},
		{"an access token still valid", store.Connection{Status: "ok", ExpiresAt: now.Add(time.Minute)}, StateOK},
		{"an access token lapsed", store.Connection{Status: "ok", ExpiresAt: now.Add(-time.Minute)}, StateExpired},
		{"a refresh token refused", store.Connection{Status: oauth.StatusNeedsReauth, ExpiresAt: now.Add(-time.Minute)}, StateNeedsReauth},
		{"a status this version does not know", store.Connection{Status: "paused"}, "paused"},
	} {
		if got := ConnectionState(c.conn, now); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}

// TestSetupCountsEveryUsersRowsAndNamesTheNextStep: a fresh install is
// told to connect an account and to create a key; a revoked key does not
// count; another user's key does.
func TestSetupCountsEveryUsersRowsAndNamesTheNextStep(t *testing.T) {
	a, owner := newApp(t)
	ctx := t.Context()
	s, err := a.Setup(ctx)
	if err != nil {
		t.Fatal(err)
	}
	steps := s.NextSteps()
	if s != (Setup{}) || len(steps) != 2 || !strings.Contains(steps[0], "mcpgate connect add") ||
		!strings.Contains(steps[1], "mcpgate key create --name NAME --print-config claude|cursor|vscode") {
		t.Fatalf("fresh install: %+v, next steps %q", s, steps)
	}
	if _, _, err := a.CreateKey(ctx, owner, "desktop", nil); err != nil {
		t.Fatal(err)
	}
	if err := a.RevokeKey(ctx, owner, "desktop"); err != nil {
		t.Fatal(err)
	}
	other, err := a.AddUser(ctx, "other", false)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Store.User(other.ID).CreateConnection(ctx, store.Connection{ID: "c_1", UserID: other.ID, Name: "code",
		Provider: "github", AuthKind: "api_key", Status: "ok", DEKVersion: 1}); err != nil {
		t.Fatal(err)
	}
	if s, _ = a.Setup(ctx); s != (Setup{Connections: 1}) || len(s.NextSteps()) != 1 {
		t.Fatalf("a revoked key and another user's connection: %+v, next steps %q", s, s.NextSteps())
	}
	if _, _, err := a.CreateKey(ctx, other, "laptop", nil); err != nil {
		t.Fatal(err)
	}
	if s, _ = a.Setup(ctx); s != (Setup{Connections: 1, ActiveKeys: 1}) || len(s.NextSteps()) != 0 {
		t.Fatalf("set up: %+v, next steps %q", s, s.NextSteps())
	}
}
