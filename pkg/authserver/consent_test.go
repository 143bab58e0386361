package authserver

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/store"
)

func TestReadConsent(t *testing.T) {
	s, _, now := grantFixture(t)
	for _, name := range []string{"github", "tracker"} {
		c := store.Connection{ID: "c_" + name, UserID: "u1", Name: name, Provider: "github", AuthKind: "api_key",
			Status: "ok", Credential: []byte{1}, DEKVersion: 1, CreatedAt: *now, UpdatedAt: *now}
		if err := s.st.User("u1").CreateConnection(context.Background(), c); err != nil {
			t.Fatal(err)
		}
	}
	all := store.OAuthRequest{UserID: "u1", Resource: "/mcp"}
	one := store.OAuthRequest{UserID: "u1", Resource: "/mcp/github"}
	for _, tc := range []struct {
		name     string
		req      store.OAuthRequest
		form     string
		want     consentChoice
		refusal  string // in the page's sentence; "" when accepted
		wantCode int
	}{
		{"all connections", all, "decision=allow&connections=all", consentChoice{allow: true}, "", 0},
		{"all, read-only", all, "decision=allow&connections=all&read_only=on", consentChoice{allow: true, readOnly: true}, "", 0},
		{"ticked ones, sorted", all, "decision=allow&connections=chosen&connection=tracker&connection=github",
			consentChoice{allow: true, scope: []string{"github", "tracker"}}, "", 0},
		{"one connection's endpoint", one, "decision=allow&read_only=on", consentChoice{allow: true, readOnly: true}, "", 0},
		{"deny, whatever else", all, "decision=deny&connection=nope&extra=1", consentChoice{}, "", 0},
		{"a connection the user lacks", all, "decision=allow&connections=chosen&connection=github&connection=slack", consentChoice{}, `you do not have ("slack")`, 400},
		{"a connection twice", all, "decision=allow&connections=chosen&connection=github&connection=github", consentChoice{}, "twice", 400},
		{"chosen, none ticked", all, "decision=allow&connections=chosen", consentChoice{}, "ticked none", 400},
		{"all, some ticked", all, "decision=allow&connections=all&connection=github", consentChoice{}, "ticked connections", 400},
		{"no choice", all, "decision=allow", consentChoice{}, "neither all connections nor some", 400},
		{"choice for one connection's endpoint", one, "decision=allow&connections=all", consentChoice{}, "asked for one", 400},
		{"a connection for one connection's endpoint", one, "decision=allow&connection=tracker", consentChoice{}, "asked for one", 400},
		{"unknown field", all, "decision=allow&connections=all&policy=x", consentChoice{}, "(policy)", 400},
		{"read-only tampered", all, "decision=allow&connections=all&read_only=1", consentChoice{}, "read-only choice", 400},
		{"read-only empty", all, "decision=allow&connections=all&read_only=", consentChoice{}, "read-only choice", 400},
		{"decision tampered", all, "decision=ok&connections=all", consentChoice{}, "neither allow nor deny", 400},
		{"decision twice", all, "decision=allow&decision=allow&connections=all", consentChoice{}, "(decision)", 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			form, err := url.ParseQuery(tc.form)
			if err != nil {
				t.Fatal(err)
			}
			got, err := s.readConsent(context.Background(), tc.req, form)
			var fe *formError
			switch {
			case tc.refusal == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.refusal == "":
				if got.allow != tc.want.allow || got.readOnly != tc.want.readOnly || strings.Join(got.scope, ",") != strings.Join(tc.want.scope, ",") {
					t.Fatalf("got %+v, want %+v", got, tc.want)
				}
			case !errors.As(err, &fe) || fe.status != tc.wantCode || !strings.Contains(fe.msg, tc.refusal):
				t.Fatalf("got %+v, %v; want a %d refusal saying %q", got, err, tc.wantCode, tc.refusal)
			case got.allow:
				t.Fatal("a refused form still allows")
			}
		})
	}
	if p := (consentChoice{allow: true, readOnly: true}).policy(); p != readOnlyPolicy {
		t.Errorf("read-only policy = %q", p)
	}
}
