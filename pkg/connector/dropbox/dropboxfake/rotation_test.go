package dropboxfake_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/connector/dropbox/dropboxfake"
)

// offline exchanges a minted offline code and returns the token response.
func offline(t *testing.T, s *dropboxfake.Server) map[string]any {
	t.Helper()
	code := s.MintCode(dropboxfake.Grant{Offline: true})
	st, got := token(t, s, url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"client_id": {s.ClientID}, "client_secret": {s.ClientSecret}})
	if st != 200 {
		t.Fatalf("code exchange: %d %v", st, got)
	}
	return got
}

func refreshWith(t *testing.T, s *dropboxfake.Server, rt any) (int, map[string]any) {
	t.Helper()
	return token(t, s, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt.(string)},
		"client_id": {s.ClientID}, "client_secret": {s.ClientSecret}})
}

func TestRotatingRefreshTokens(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		revokeOnReuse bool
		// after a spent token is presented again: whether the newest
		// refresh and access tokens still work
		newestWorks bool
	}{
		{"a spent refresh token is refused", false, true},
		{"a spent refresh token presented again revokes the grant", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newFake(t, dropboxfake.WithRotatingRefreshTokens(tt.revokeOnReuse))
			first := offline(t, s)
			st, next := refreshWith(t, s, first["refresh_token"])
			if st != 200 || next["refresh_token"] == nil || next["refresh_token"] == first["refresh_token"] {
				t.Fatalf("refresh: %d, refresh token rotated: %v", st, next["refresh_token"] != first["refresh_token"])
			}
			if s.RefreshTokenValid(first["refresh_token"].(string)) {
				t.Error("the spent refresh token is still valid")
			}
			if st, got := refreshWith(t, s, first["refresh_token"]); st != 400 || got["error"] != "invalid_grant" {
				t.Fatalf("reusing the spent token: %d %v, want invalid_grant", st, got)
			}
			if got := s.RefreshTokenValid(next["refresh_token"].(string)); got != tt.newestWorks {
				t.Errorf("newest refresh token valid = %v, want %v", got, tt.newestWorks)
			}
			if got := s.TokenValid(next["access_token"].(string)); got != tt.newestWorks {
				t.Errorf("newest access token valid = %v, want %v", got, tt.newestWorks)
			}
		})
	}
}

func TestHoldRefreshesAnswersOnlyOnceAllArrived(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	rt := offline(t, s)["refresh_token"]
	s.HoldRefreshes(2)
	done := make(chan int, 2)
	refresh := func() {
		resp, err := s.Client().PostForm(s.TokenURL, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt.(string)},
			"client_id": {s.ClientID}, "client_secret": {s.ClientSecret}})
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}
	go refresh()
	select {
	case <-done:
		t.Fatal("the first refresh was answered before the second arrived")
	case <-time.After(300 * time.Millisecond):
	}
	go refresh()
	if a, b := <-done, <-done; a != 200 || b != 200 {
		t.Fatalf("held refreshes answered %d and %d, want 200 twice", a, b)
	}
}
