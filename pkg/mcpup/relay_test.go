package mcpup

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// nopRelay declares elicitation and relays nothing.
type nopRelay struct{}

func (nopRelay) Capabilities() *mcp.ClientCapabilities {
	return &mcp.ClientCapabilities{Elicitation: &mcp.ElicitationCapabilities{}}
}
func (nopRelay) ProtocolVersion() string                                                 { return "2025-11-25" }
func (nopRelay) LogLevel() mcp.LoggingLevel                                              { return "" }
func (nopRelay) Subscriptions() []string                                                 { return nil }
func (nopRelay) Log(context.Context, *mcp.LoggingMessageParams)                          {}
func (nopRelay) ResourceUpdated(context.Context, *mcp.ResourceUpdatedNotificationParams) {}
func (nopRelay) ElicitationComplete(context.Context, *mcp.ElicitationCompleteParams)     {}
func (nopRelay) CreateMessage(context.Context, *mcp.CreateMessageWithToolsParams) (*mcp.CreateMessageWithToolsResult, error) {
	return nil, errors.New("no")
}
func (nopRelay) Elicit(context.Context, *mcp.ElicitParams) (*mcp.ElicitResult, error) {
	return &mcp.ElicitResult{Action: "decline"}, nil
}
func (nopRelay) ListRoots(context.Context, *mcp.ListRootsParams) (*mcp.ListRootsResult, error) {
	return &mcp.ListRootsResult{}, nil
}

// TestRelayedSessionsAreOnePerClientAndBounded: each client gets a session
// of its own, the same one on each of its requests; a connection keeps at
// most maxRelayed, refusing one more while all were used lately; a
// client's session ended frees its place; Forget ends them all.
func TestRelayedSessionsAreOnePerClientAndBounded(t *testing.T) {
	srv := mcp.NewServer(&mcp.Implementation{Name: "up", Version: "1"}, nil)
	var sessions atomic.Int32
	h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return srv }, nil)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.Header.Get("Mcp-Session-Id") == "" {
			sessions.Add(1)
		}
		h.ServeHTTP(w, r)
	}))
	defer up.Close()
	p := NewPool(Options{DataDir: t.TempDir()})
	defer p.Close()
	spec := Spec{UserID: "u", ConnID: "c1", Name: "up", Version: "1", Config: Config{URL: up.URL}}
	ctx := context.Background()
	first, release, err := p.AcquireRelayed(ctx, spec, "client-0", nopRelay{})
	if err != nil {
		t.Fatal(err)
	}
	release()
	again, release, err := p.AcquireRelayed(ctx, spec, "client-0", nopRelay{})
	if err != nil {
		t.Fatal(err)
	}
	release()
	if again != first {
		t.Error("one client got two sessions")
	}
	for i := 1; i < maxRelayed; i++ {
		s, release, err := p.AcquireRelayed(ctx, spec, fmt.Sprint("client-", i), nopRelay{})
		if err != nil {
			t.Fatal(err)
		}
		release()
		if s == first {
			t.Fatal("two clients got one session")
		}
	}
	if int(sessions.Load()) != maxRelayed {
		t.Errorf("the server saw %d sessions, want one per client (%d)", sessions.Load(), maxRelayed)
	}
	if _, _, err := p.AcquireRelayed(ctx, spec, "one-more", nopRelay{}); !errors.Is(err, ErrTooManyRelayed) {
		t.Fatalf("one session past the bound: err = %v, want ErrTooManyRelayed", err)
	}
	p.ForgetRelayed("c1", "client-3")
	if _, release, err := p.AcquireRelayed(ctx, spec, "one-more", nopRelay{}); err != nil {
		t.Fatalf("after a client's session ended: %v", err)
	} else {
		release()
	}
	p.Forget("c1")
	p.mu.Lock()
	left := len(p.byConn)
	p.mu.Unlock()
	if left != 0 {
		t.Errorf("%d sessions left after Forget", left)
	}
}
