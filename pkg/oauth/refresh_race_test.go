package oauth_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/connector/dropbox/dropboxfake"
	"github.com/mcpgate/mcpgate/pkg/oauth"
)

// checkStored fails unless the connection is usable with token: status
// ok, token stored, and the stored refresh token still honoured.
func checkStored(t *testing.T, s *shared, p *process, token string) {
	t.Helper()
	c, stored := p.stored(t, s.user.ID, "files")
	if c.Status != oauth.StatusOK {
		t.Fatalf("connection status %q, want %q", c.Status, oauth.StatusOK)
	}
	if stored["access_token"] != token {
		t.Fatal("the stored access token is not the one the call used")
	}
	if !s.fake.TokenValid(token) {
		t.Fatal("the provider does not accept the access token the call used")
	}
	if rt, _ := stored["refresh_token"].(string); !s.fake.RefreshTokenValid(rt) {
		t.Fatal("the stored refresh token is spent or revoked: the next refresh would fail")
	}
}

// TestRefreshDuringRotationKeepsTheNewToken refreshes, alternately in
// two processes, against a provider that rotates refresh tokens and
// revokes the whole grant when a spent one is presented again, while a
// DEK rotation re-seals the connection in the middle of each refresh.
// The refresh's compare-and-swap then fails although no other refresh
// won: the new token set must still be stored, and nothing marked for
// re-authorization.
func TestRefreshDuringRotationKeepsTheNewToken(t *testing.T) {
	eachDriver(t, func(t *testing.T, dbURL string) {
		s := newShared(t, dbURL, dropboxfake.WithRotatingRefreshTokens(true))
		ctx := context.Background()
		procs := []*process{s.process(t), s.process(t)}
		rotator := s.process(t)
		if _, err := procs[0].connect(ctx, s.user, "files"); err != nil {
			t.Fatal(err)
		}
		for i := range 4 {
			var rotErr error
			s.fake.OnRefresh(func() { _, rotErr = rotator.vault.RotateDEK(ctx, s.user.ID) })
			s.fake.ExpireAccessTokens()
			token, err := procs[i%2].access(ctx, s.user.ID, "files", true)
			s.fake.OnRefresh(nil)
			if rotErr != nil {
				t.Fatalf("rotate-dek during refresh %d: %v", i+1, rotErr)
			}
			if err != nil {
				t.Fatalf("refresh %d (process %d): %v", i+1, i%2+1, err)
			}
			checkStored(t, s, procs[(i+1)%2], token)
		}
		if got := s.fake.Refreshes(); got != 4 {
			t.Errorf("the provider honoured %d refreshes, want 4", got)
		}
	})
}

// TestConcurrentRefreshesStoreOneToken has two processes refresh one
// connection at once (on SQLite; on PostgreSQL the store's lock makes it
// one refresh, which the second process uses), against a token endpoint that holds both requests
// until both arrived. Both calls must succeed with the one token stored:
// the loser of the compare-and-swap uses the winner's. Where the provider
// rotates refresh tokens, the loser's request is refused (invalid_grant:
// the winner spent the token) and it must wait for the winner's token
// rather than mark the connection for re-authorization.
func TestConcurrentRefreshesStoreOneToken(t *testing.T) {
	providers := []struct {
		name string
		opts []dropboxfake.Option
	}{
		{"provider keeps the refresh token", nil},
		{"provider rotates the refresh token", []dropboxfake.Option{dropboxfake.WithRotatingRefreshTokens(false)}},
	}
	for _, pr := range providers {
		t.Run(pr.name, func(t *testing.T) {
			eachDriver(t, func(t *testing.T, dbURL string) {
				s := newShared(t, dbURL, pr.opts...)
				ctx := context.Background()
				procs := []*process{s.process(t), s.process(t)}
				if _, err := procs[0].connect(ctx, s.user, "files"); err != nil {
					t.Fatal(err)
				}
				s.fake.ExpireAccessTokens()
				// On PostgreSQL the store's lock serialises the two: the
				// second finds the first's token and refreshes nothing.
				// On SQLite (no such lock) both reach the provider at once.
				locked := strings.HasPrefix(dbURL, "postgres")
				before := s.fake.Refreshes()
				if !locked {
					s.fake.HoldRefreshes(2)
				}
				var got [2]string
				var errs [2]error
				var wg sync.WaitGroup
				start := time.Now()
				for i, p := range procs {
					wg.Add(1)
					go func() {
						defer wg.Done()
						got[i], errs[i] = p.access(ctx, s.user.ID, "files", true)
					}()
				}
				wg.Wait()
				if time.Since(start) > 9*time.Second {
					t.Fatal("the token endpoint did not get both refreshes at once")
				}
				for i, err := range errs {
					if err != nil {
						t.Fatalf("process %d: %v", i+1, err)
					}
				}
				if got[0] != got[1] {
					t.Fatal("the two processes call with different access tokens: the loser did not use the stored one")
				}
				if n := s.fake.Refreshes() - before; locked && n != 1 {
					t.Errorf("%d refreshes by two processes under the store's lock, want 1", n)
				}
				checkStored(t, s, procs[0], got[0])
			})
		})
	}
}

// TestExpiresInOfZeroOrLessIsUnknown: a provider that answers expires_in
// of zero or less must not make every call refresh; the token is used
// until the upstream refuses it.
func TestExpiresInOfZeroOrLessIsUnknown(t *testing.T) {
	for _, expiresIn := range []int{-3600, -1, 0} {
		t.Run(fmt.Sprintf("expires_in %d", expiresIn), func(t *testing.T) {
			s := newShared(t, "sqlite://"+filepath.Join(t.TempDir(), "mcpgate.db"), dropboxfake.WithReportedExpiresIn(expiresIn))
			ctx := context.Background()
			p := s.process(t)
			if _, err := p.connect(ctx, s.user, "files"); err != nil {
				t.Fatal(err)
			}
			for range 3 {
				if _, err := p.access(ctx, s.user.ID, "files", false); err != nil {
					t.Fatal(err)
				}
			}
			if got := s.fake.Refreshes(); got != 0 {
				t.Fatalf("3 calls made %d refreshes, want 0", got)
			}
			c, _ := p.stored(t, s.user.ID, "files")
			if !c.ExpiresAt.IsZero() {
				t.Fatalf("stored expiry %v, want none (unknown)", c.ExpiresAt)
			}
			// A refusal by the upstream (force) still refreshes, and the
			// refreshed token's expiry is unknown too.
			if _, err := p.access(ctx, s.user.ID, "files", true); err != nil {
				t.Fatal(err)
			}
			if got := s.fake.Refreshes(); got != 1 {
				t.Fatalf("a forced refresh made %d refreshes, want 1", got)
			}
			if c, _ := p.stored(t, s.user.ID, "files"); !c.ExpiresAt.IsZero() {
				t.Fatalf("expiry after refresh %v, want none (unknown)", c.ExpiresAt)
			}
		})
	}
}
