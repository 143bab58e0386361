package storetest

import (
	"errors"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/store"
)

func newAuditKey(userID string, dekVersion int) store.AuditKey {
	return store.AuditKey{UserID: userID, Sealed: []byte("sealed-audit-key-" + userID), DEKVersion: dekVersion, CreatedAt: at(0)}
}

// keyedHash stands for the audit package's keyed hash: any function of
// prev and the record that differs from chainHash.
func keyedHash(prev string, r store.AuditRecord) string { return "keyed-" + chainHash(prev, r) }

// rechainKeyed re-chains records under keyedHash, as the audit package
// does when it keys a user's log.
func rechainKeyed(prev string, r store.AuditRecord) (store.AuditRecord, error) {
	r.PrevHash, r.Chain = prev, 2
	r.Hash = keyedHash(prev, r)
	return r, nil
}

func (h harness) auditKeys(t *testing.T) {
	h.runCases(t, []testCase{
		{"a user has no audit key until one is stored", func(t *testing.T, f *fixture) {
			_, err := f.a.AuditKey(t.Context())
			wantErr(t, err, store.ErrNotFound)
		}},
		{"keying re-chains every record in order and stores the key", func(t *testing.T, f *fixture) {
			_, err := f.a.AppendAudit(t.Context(), []store.AuditRecord{newAudit("a", 1), newAudit("b", 2), newAudit("c", 3)}, chainHash)
			must(t, err)
			_, err = f.b.AppendAudit(t.Context(), []store.AuditRecord{newAudit("bob", 1)}, chainHash)
			must(t, err)
			var seen []string
			n, err := f.a.KeyAudit(t.Context(), newAuditKey(f.alice.ID, 1), func(prev string, r store.AuditRecord) (store.AuditRecord, error) {
				seen = append(seen, r.Tool)
				return rechainKeyed(prev, r)
			})
			must(t, err)
			equal(t, "re-chained", n, int64(3))
			equal(t, "records seen", seen, []string{"a", "b", "c"})
			got, err := f.a.AuditKey(t.Context())
			must(t, err)
			equal(t, "audit key", got, newAuditKey(f.alice.ID, 1))
			prev := ""
			for _, r := range oldestFirst(t, f.a) {
				if r.Chain != 2 || r.PrevHash != prev || r.Hash != keyedHash(prev, withoutHash(r)) {
					t.Fatalf("record %s: got chain %d prev %q hash %q, want it re-chained", r.Tool, r.Chain, r.PrevHash, r.Hash)
				}
				prev = r.Hash
			}
			checkChain(t, oldestFirst(t, f.b)) // bob's records are untouched
		}},
		{"an append after keying chains to the re-chained head", func(t *testing.T, f *fixture) {
			// The first append teaches the store the head; keying moves it.
			_, err := f.a.AppendAudit(t.Context(), []store.AuditRecord{newAudit("a", 1)}, chainHash)
			must(t, err)
			_, err = f.a.KeyAudit(t.Context(), newAuditKey(f.alice.ID, 1), rechainKeyed)
			must(t, err)
			got, err := f.a.AppendAudit(t.Context(), []store.AuditRecord{newAudit("b", 2)}, keyedHash)
			must(t, err)
			recs := oldestFirst(t, f.a)
			equal(t, "new record's link", got[0].PrevHash, recs[0].Hash)
		}},
		{"an error from rechain changes nothing", func(t *testing.T, f *fixture) {
			_, err := f.a.AppendAudit(t.Context(), []store.AuditRecord{newAudit("a", 1), newAudit("b", 2)}, chainHash)
			must(t, err)
			before := oldestFirst(t, f.a)
			boom := errors.New("broken legacy chain")
			_, err = f.a.KeyAudit(t.Context(), newAuditKey(f.alice.ID, 1), func(prev string, r store.AuditRecord) (store.AuditRecord, error) {
				if r.Tool == "b" {
					return r, boom
				}
				return rechainKeyed(prev, r)
			})
			if err != boom {
				t.Fatalf("got %v, want rechain's error as it is", err)
			}
			equal(t, "records", oldestFirst(t, f.a), before)
			_, err = f.a.AuditKey(t.Context())
			wantErr(t, err, store.ErrNotFound)
		}},
		{"keying twice is refused and changes nothing", func(t *testing.T, f *fixture) {
			must(t, keyAudit(t, f.a, newAuditKey(f.alice.ID, 1)))
			_, err := f.a.AppendAudit(t.Context(), []store.AuditRecord{newAudit("a", 1)}, keyedHash)
			must(t, err)
			before := oldestFirst(t, f.a)
			other := newAuditKey(f.alice.ID, 1)
			other.Sealed = []byte("another key")
			wantErr(t, keyAudit(t, f.a, other), store.ErrAlreadyExists)
			equal(t, "records", oldestFirst(t, f.a), before)
			got, err := f.a.AuditKey(t.Context())
			must(t, err)
			equal(t, "audit key", got, newAuditKey(f.alice.ID, 1))
		}},
		{"replacing the key is compare-and-swap on its DEK version", func(t *testing.T, f *fixture) {
			must(t, keyAudit(t, f.a, newAuditKey(f.alice.ID, 1)))
			resealed := newAuditKey(f.alice.ID, 2)
			resealed.Sealed = []byte("sealed under v2")
			wantErr(t, f.a.ReplaceAuditKey(t.Context(), 3, resealed), store.ErrNotFound)
			must(t, f.a.ReplaceAuditKey(t.Context(), 1, resealed))
			got, err := f.a.AuditKey(t.Context())
			must(t, err)
			equal(t, "audit key", got, resealed)
		}},
		{"a DEK version that seals the audit key is not deleted", func(t *testing.T, f *fixture) {
			must(t, keyAudit(t, f.a, newAuditKey(f.alice.ID, 1)))
			must(t, f.a.AddDEK(t.Context(), newDEKVersion(f.alice.ID, 2)))
			wantErr(t, f.a.DeleteDEK(t.Context(), 1), store.ErrInUse)
			resealed := newAuditKey(f.alice.ID, 2)
			must(t, f.a.ReplaceAuditKey(t.Context(), 1, resealed))
			must(t, f.a.DeleteDEK(t.Context(), 1))
		}},
		{"another user's audit key can be neither read nor replaced", func(t *testing.T, f *fixture) {
			must(t, keyAudit(t, f.a, newAuditKey(f.alice.ID, 1)))
			_, err := f.b.AuditKey(t.Context())
			wantErr(t, err, store.ErrNotFound)
			if err := f.b.ReplaceAuditKey(t.Context(), 1, newAuditKey(f.alice.ID, 2)); err == nil {
				t.Error("bob replaced alice's audit key")
			}
			if _, err := f.b.KeyAudit(t.Context(), newAuditKey(f.alice.ID, 1), rechainKeyed); err == nil {
				t.Error("bob stored an audit key for alice")
			}
			got, err := f.a.AuditKey(t.Context())
			must(t, err)
			equal(t, "alice's audit key", got, newAuditKey(f.alice.ID, 1))
		}},
		{"deleting the user deletes its audit key", func(t *testing.T, f *fixture) {
			must(t, keyAudit(t, f.a, newAuditKey(f.alice.ID, 1)))
			must(t, f.priv.DeleteUser(t.Context(), f.alice.ID))
			_, err := f.a.AuditKey(t.Context())
			wantErr(t, err, store.ErrNotFound)
		}},
	})
}

func keyAudit(t *testing.T, us store.UserStore, k store.AuditKey) error {
	t.Helper()
	_, err := us.KeyAudit(t.Context(), k, rechainKeyed)
	return err
}

func withoutHash(r store.AuditRecord) store.AuditRecord {
	r.Seq, r.Hash = 0, ""
	return r
}
