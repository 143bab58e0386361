package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/store"
)

func (h harness) connections(t *testing.T) {
	h.runCases(t, []testCase{
		{"a created connection reads back as stored", func(t *testing.T, f *fixture) {
			c := newConnection(f.alice.ID, "github")
			must(t, f.a.CreateConnection(t.Context(), c))
			got, err := f.a.Connection(t.Context(), "github")
			must(t, err)
			equal(t, "connection", got, c)
		}},
		{"an empty UserID means the handle's user", func(t *testing.T, f *fixture) {
			c := newConnection("", "github")
			must(t, f.a.CreateConnection(t.Context(), c))
			got, err := f.a.Connection(t.Context(), "github")
			must(t, err)
			equal(t, "owner", got.UserID, f.alice.ID)
		}},
		{"zero times and empty fields round-trip", func(t *testing.T, f *fixture) {
			c := store.Connection{ID: "c_min", UserID: f.alice.ID, Name: "min", Provider: "slack", DEKVersion: 1}
			must(t, f.a.CreateConnection(t.Context(), c))
			got, err := f.a.Connection(t.Context(), "min")
			must(t, err)
			equal(t, "connection", got, c)
		}},
		{"a taken name already exists", func(t *testing.T, f *fixture) {
			must(t, f.a.CreateConnection(t.Context(), newConnection(f.alice.ID, "github")))
			c := newConnection(f.alice.ID, "github")
			c.ID = "c_second"
			wantErr(t, f.a.CreateConnection(t.Context(), c), store.ErrAlreadyExists)
		}},
		{"another user may use the same name", func(t *testing.T, f *fixture) {
			must(t, f.a.CreateConnection(t.Context(), newConnection(f.alice.ID, "github")))
			must(t, f.b.CreateConnection(t.Context(), newConnection(f.bob.ID, "github")))
		}},
		{"an unknown name is not found", func(t *testing.T, f *fixture) {
			_, err := f.a.Connection(t.Context(), "nope")
			wantErr(t, err, store.ErrNotFound)
		}},
		{"list returns the user's connections by name", func(t *testing.T, f *fixture) {
			for _, n := range []string{"slack", "github", "dropbox"} {
				must(t, f.a.CreateConnection(t.Context(), newConnection(f.alice.ID, n)))
			}
			got, err := f.a.ListConnections(t.Context())
			must(t, err)
			var names []string
			for _, c := range got {
				names = append(names, c.Name)
			}
			equal(t, "names", names, []string{"dropbox", "github", "slack"})
		}},
		{"update replaces everything but ID, UserID, Name and CreatedAt", func(t *testing.T, f *fixture) {
			c := newConnection(f.alice.ID, "github")
			must(t, f.a.CreateConnection(t.Context(), c))
			must(t, f.a.AddDEK(t.Context(), newDEKVersion(f.alice.ID, 2)))
			u := store.Connection{
				ID: c.ID, Name: "renamed", CreatedAt: at(999), Provider: "gitlab", AuthKind: "api_key",
				Account: "other", Scopes: "api", Status: "needs_reauth", APIURL: "", Credential: []byte("resealed"),
				DEKVersion: 2, ExpiresAt: at(7200), UpdatedAt: at(50), MCP: `{"command":"srv"}`,
			}
			must(t, f.a.UpdateConnection(t.Context(), u))
			got, err := f.a.Connection(t.Context(), "github")
			must(t, err)
			want := u
			want.UserID, want.Name, want.CreatedAt = c.UserID, c.Name, c.CreatedAt
			equal(t, "connection", got, want)
		}},
		{"updating an unknown id is not found", func(t *testing.T, f *fixture) {
			wantErr(t, f.a.UpdateConnection(t.Context(), newConnection(f.alice.ID, "ghost")), store.ErrNotFound)
		}},
		{"delete removes the connection once", func(t *testing.T, f *fixture) {
			must(t, f.a.CreateConnection(t.Context(), newConnection(f.alice.ID, "github")))
			must(t, f.a.DeleteConnection(t.Context(), "github"))
			_, err := f.a.Connection(t.Context(), "github")
			wantErr(t, err, store.ErrNotFound)
			wantErr(t, f.a.DeleteConnection(t.Context(), "github"), store.ErrNotFound)
		}},
	})
	h.runCases(t, casCases)
}

// casCases are UpdateConnectionIf's: what several processes refreshing
// one token rely on.
var casCases = []testCase{
	{"a compare-and-swap update applies while UpdatedAt still matches", func(t *testing.T, f *fixture) {
		c := newConnection(f.alice.ID, "github")
		must(t, f.a.CreateConnection(t.Context(), c))
		u := c
		u.Credential, u.UpdatedAt = []byte("refreshed"), at(60)
		must(t, f.a.UpdateConnectionIf(t.Context(), u, c.UpdatedAt))
		got, err := f.a.Connection(t.Context(), "github")
		must(t, err)
		equal(t, "connection", got, u)
	}},
	{"of two compare-and-swap updates from one read only the first applies", func(t *testing.T, f *fixture) {
		c := newConnection(f.alice.ID, "github")
		must(t, f.a.CreateConnection(t.Context(), c))
		first, second := c, c
		first.Credential, first.UpdatedAt = []byte("first"), at(60)
		second.Credential, second.UpdatedAt = []byte("second"), at(61)
		must(t, f.a.UpdateConnectionIf(t.Context(), first, c.UpdatedAt))
		wantErr(t, f.a.UpdateConnectionIf(t.Context(), second, c.UpdatedAt), store.ErrConflict)
		got, err := f.a.Connection(t.Context(), "github")
		must(t, err)
		equal(t, "connection", got, first)
	}},
	{"the comparison is at the microsecond precision times are stored with", func(t *testing.T, f *fixture) {
		c := newConnection(f.alice.ID, "github")
		c.UpdatedAt = at(2).Add(789 * time.Nanosecond)
		must(t, f.a.CreateConnection(t.Context(), c))
		read, err := f.a.Connection(t.Context(), "github")
		must(t, err)
		u := read
		u.UpdatedAt = at(3).Add(456 * time.Nanosecond)
		must(t, f.a.UpdateConnectionIf(t.Context(), u, read.UpdatedAt))
		v := read
		v.UpdatedAt = at(4)
		must(t, f.a.UpdateConnectionIf(t.Context(), v, u.UpdatedAt)) // as given, not as read back
	}},
	{"a compare-and-swap update of an unknown id is not found", func(t *testing.T, f *fixture) {
		c := newConnection(f.alice.ID, "ghost")
		wantErr(t, f.a.UpdateConnectionIf(t.Context(), c, c.UpdatedAt), store.ErrNotFound)
	}},
	{"of concurrent compare-and-swap updates from one read exactly one applies", func(t *testing.T, f *fixture) {
		c := newConnection(f.alice.ID, "github")
		must(t, f.a.CreateConnection(t.Context(), c))
		errs := concurrently(10, func(i int) error {
			u := c
			u.Credential, u.UpdatedAt = fmt.Appendf(nil, "writer %d", i), at(100+i)
			return f.a.UpdateConnectionIf(t.Context(), u, c.UpdatedAt)
		})
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, store.ErrConflict):
				t.Errorf("got error %v, want nil or %v", err, store.ErrConflict)
			}
		}
		equal(t, "updates applied", won, 1)
	}},
}
