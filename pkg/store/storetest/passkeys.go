package storetest

import (
	"testing"

	"github.com/mcpgate/mcpgate/pkg/store"
)

func newPasskey(u store.User, id string) store.Passkey {
	return store.Passkey{
		ID: id, UserID: u.ID, CredentialID: []byte("cred-" + id), PublicKey: []byte{0xa5, 1, 2, 3},
		AttestationType: "none", AAGUID: []byte("0123456789abcdef"), Transports: []string{"internal", "hybrid"},
		Flags: 0x05, SignCount: 1, CreatedAt: at(10),
	}
}

func (h harness) passkeys(t *testing.T) {
	h.runCases(t, []testCase{
		{"an enrolment link registers one passkey, once, before it expires", func(t *testing.T, f *fixture) {
			ctx := t.Context()
			must(t, f.a.AddPasskeyEnrolment(ctx, store.PasskeyEnrolment{Hash: "enrol-1", UserID: f.alice.ID, ExpiresAt: at(600), CreatedAt: at(0)}))
			must(t, f.a.AddPasskeyEnrolment(ctx, store.PasskeyEnrolment{Hash: "enrol-old", ExpiresAt: at(5), CreatedAt: at(0)}))
			_, err := f.a.PasskeyEnrolment(ctx, "enrol-1", at(10))
			must(t, err)
			_, err = f.a.PasskeyEnrolment(ctx, "enrol-old", at(10))
			wantErr(t, err, store.ErrNotFound)
			wantErr(t, f.a.EnrolPasskey(ctx, "enrol-old", newPasskey(f.alice, "pk-old"), at(10)), store.ErrNotFound)
			_, err = f.b.PasskeyEnrolment(ctx, "enrol-1", at(10))
			wantErr(t, err, store.ErrNotFound) // another user's link
			wantErr(t, f.b.EnrolPasskey(ctx, "enrol-1", newPasskey(f.bob, "pk-bob"), at(10)), store.ErrNotFound)

			p := newPasskey(f.alice, "pk-1")
			must(t, f.a.EnrolPasskey(ctx, "enrol-1", p, at(10)))
			wantErr(t, f.a.EnrolPasskey(ctx, "enrol-1", newPasskey(f.alice, "pk-2"), at(11)), store.ErrNotFound)
			_, err = f.a.PasskeyEnrolment(ctx, "enrol-1", at(11))
			wantErr(t, err, store.ErrNotFound)
			got, err := f.a.Passkeys(ctx)
			must(t, err)
			equal(t, "passkeys", got, []store.Passkey{p})
			none, err := f.b.Passkeys(ctx)
			must(t, err)
			equal(t, "bob's passkeys", len(none), 0)
		}},
		{"a credential id is registered once, whoever registers it", func(t *testing.T, f *fixture) {
			ctx := t.Context()
			must(t, f.a.AddPasskeyEnrolment(ctx, store.PasskeyEnrolment{Hash: "ea", ExpiresAt: at(600)}))
			must(t, f.b.AddPasskeyEnrolment(ctx, store.PasskeyEnrolment{Hash: "eb", ExpiresAt: at(600)}))
			must(t, f.a.EnrolPasskey(ctx, "ea", newPasskey(f.alice, "pk-a"), at(1)))
			p := newPasskey(f.bob, "pk-b")
			p.CredentialID = []byte("cred-pk-a")
			wantErr(t, f.b.EnrolPasskey(ctx, "eb", p, at(1)), store.ErrAlreadyExists)
			_, err := f.b.PasskeyEnrolment(ctx, "eb", at(2))
			must(t, err) // the failed enrolment did not use the link
		}},
		{"a sign-in updates the sign count, and removing a passkey ends its sessions", func(t *testing.T, f *fixture) {
			ctx := t.Context()
			must(t, f.a.AddPasskeyEnrolment(ctx, store.PasskeyEnrolment{Hash: "e", ExpiresAt: at(600)}))
			must(t, f.a.EnrolPasskey(ctx, "e", newPasskey(f.alice, "pk-1"), at(1)))
			must(t, f.a.UsePasskey(ctx, "pk-1", 7, true, 0x1d, at(20)))
			wantErr(t, f.b.UsePasskey(ctx, "pk-1", 9, false, 0, at(20)), store.ErrNotFound)
			got, err := f.a.Passkeys(ctx)
			must(t, err)
			equal(t, "sign count", got[0].SignCount, uint32(7))
			equal(t, "clone warning", got[0].CloneWarning, true)
			equal(t, "flags", got[0].Flags, uint8(0x1d))
			equal(t, "last used", got[0].LastUsedAt, at(20))
			s := store.BrowserSession{ID: "s1", Hash: "sh1", UserID: f.alice.ID, PasskeyID: "pk-1", ExpiresAt: at(900), CreatedAt: at(20)}
			must(t, f.a.CreateBrowserSession(ctx, s))
			wantErr(t, f.b.DeletePasskey(ctx, "pk-1"), store.ErrNotFound)
			must(t, f.a.DeletePasskey(ctx, "pk-1"))
			wantErr(t, f.a.DeletePasskey(ctx, "pk-1"), store.ErrNotFound)
			_, err = f.a.BrowserSession(ctx, "sh1")
			wantErr(t, err, store.ErrNotFound)
		}},
		{"a browser session is found by its hash, by its user only, and revoked", func(t *testing.T, f *fixture) {
			ctx := t.Context()
			s1 := store.BrowserSession{ID: "s1", Hash: "sh1", UserID: f.alice.ID, PasskeyID: "pk", ExpiresAt: at(900), CreatedAt: at(1)}
			s2 := store.BrowserSession{ID: "s2", Hash: "sh2", UserID: f.alice.ID, PasskeyID: "pk", ExpiresAt: at(900), CreatedAt: at(2)}
			must(t, f.a.CreateBrowserSession(ctx, s1))
			must(t, f.a.CreateBrowserSession(ctx, s2))
			if err := f.b.CreateBrowserSession(ctx, store.BrowserSession{ID: "s3", Hash: "sh3", UserID: f.alice.ID, ExpiresAt: at(9)}); err == nil {
				t.Error("bob's store created a session for alice")
			}
			got, err := f.a.BrowserSession(ctx, "sh1")
			must(t, err)
			equal(t, "session", got, s1)
			_, err = f.b.BrowserSession(ctx, "sh1")
			wantErr(t, err, store.ErrNotFound)
			list, err := f.a.BrowserSessions(ctx)
			must(t, err)
			equal(t, "sessions", list, []store.BrowserSession{s1, s2})
			s4 := store.BrowserSession{ID: "s4", Hash: "sh4", UserID: f.alice.ID, ExpiresAt: at(2000), CreatedAt: at(1000)}
			must(t, f.a.CreateBrowserSession(ctx, s4))
			list, err = f.a.BrowserSessions(ctx)
			must(t, err)
			equal(t, "sessions once s1 and s2 expired", list, []store.BrowserSession{s4})
			must(t, f.a.CreateBrowserSession(ctx, s1))
			must(t, f.a.CreateBrowserSession(ctx, s2))
			wantErr(t, f.b.DeleteBrowserSession(ctx, "s1"), store.ErrNotFound)
			must(t, f.a.DeleteBrowserSession(ctx, "s1"))
			_, err = f.a.BrowserSession(ctx, "sh1")
			wantErr(t, err, store.ErrNotFound)
			n, err := f.b.DeleteBrowserSessions(ctx)
			must(t, err)
			equal(t, "bob revoked", n, int64(0))
			n, err = f.a.DeleteBrowserSessions(ctx)
			must(t, err)
			equal(t, "alice revoked", n, int64(2))
		}},
		{"a ceremony is taken once, and not once expired", func(t *testing.T, f *fixture) {
			ctx := t.Context()
			as := f.st.AuthServer()
			c := store.PasskeyCeremony{ID: "c1", Kind: "login", Data: `{"challenge":"x"}`, ExpiresAt: at(300)}
			must(t, as.PutPasskeyCeremony(ctx, store.PasskeyCeremony{ID: "c0", Kind: "login", Data: "{}", ExpiresAt: at(1)}, at(0)))
			must(t, as.PutPasskeyCeremony(ctx, c, at(2)))
			must(t, as.PutPasskeyCeremony(ctx, store.PasskeyCeremony{ID: "c2", Kind: "register", UserID: f.alice.ID, Data: "{}", ExpiresAt: at(100)}, at(2)))
			_, err := as.TakePasskeyCeremony(ctx, "c0", at(0))
			wantErr(t, err, store.ErrNotFound) // deleted when c1 was put, expired then
			got, err := as.TakePasskeyCeremony(ctx, "c1", at(10))
			must(t, err)
			equal(t, "ceremony", got, c)
			_, err = as.TakePasskeyCeremony(ctx, "c1", at(10))
			wantErr(t, err, store.ErrNotFound)
			_, err = as.TakePasskeyCeremony(ctx, "c2", at(100))
			wantErr(t, err, store.ErrNotFound)
		}},
	})
}
