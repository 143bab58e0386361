package appliance

import (
	"context"
	"fmt"
	"time"

	"github.com/mcpgate/mcpgate/pkg/oauth"
	"github.com/mcpgate/mcpgate/pkg/store"
)

// Connection states, as `connect list` and `status` show them.
const (
	StateOK          = "ok"
	StateNeedsReauth = "needs re-auth" // its tools say to connect again
	StateExpired     = "expired"       // the access token lapsed; refreshed on next use if a refresh token was issued
)

// ConnectionState says how c stands at now: StateNeedsReauth,
// StateExpired, StateOK, or the stored status if it is another one.
func ConnectionState(c store.Connection, now time.Time) string {
	switch {
	case c.Status == oauth.StatusNeedsReauth:
		return StateNeedsReauth
	case !c.ExpiresAt.IsZero() && now.After(c.ExpiresAt):
		return StateExpired
	case c.Status == "" || c.Status == "ok":
		return StateOK
	}
	return c.Status
}

// Setup is how far a newcomer got: connections and active app keys over
// every user.
type Setup struct {
	Connections int
	ActiveKeys  int
}

// Setup counts every user's connections and active app keys. It reads
// each user's rows through that user's scope, so serve's own database
// login may call it.
func (a *App) Setup(ctx context.Context) (Setup, error) {
	var s Setup
	users, err := a.Store.Privileged().ListUsers(ctx)
	if err != nil {
		return s, fmt.Errorf("list users: %w", err)
	}
	for _, u := range users {
		conns, err := a.Store.User(u.ID).ListConnections(ctx)
		if err != nil {
			return s, fmt.Errorf("list connections: %w", err)
		}
		keys, err := a.Store.User(u.ID).ListAPIKeys(ctx)
		if err != nil {
			return s, fmt.Errorf("list keys: %w", err)
		}
		s.Connections += len(conns)
		for _, k := range keys {
			if !k.Revoked() {
				s.ActiveKeys++
			}
		}
	}
	return s, nil
}

// NextSteps says, in plain words, what a newcomer runs next when there is
// no connection or no active app key yet; nothing when both exist.
func (s Setup) NextSteps() []string {
	var out []string
	if s.Connections == 0 {
		out = append(out, "no account is connected yet, so clients will see no tools: connect one with "+
			"`mcpgate connect add github --token-stdin < token-file` (or slack, google, dropbox; "+
			"see `mcpgate connect add --help`)")
	}
	if s.ActiveKeys == 0 {
		out = append(out, "no app key exists yet, so no client can connect: create one with "+
			"`mcpgate key create --name NAME --print-config claude|cursor|vscode` and paste the printed config into the client")
	}
	return out
}
