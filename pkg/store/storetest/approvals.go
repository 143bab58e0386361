package storetest

import (
	"slices"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/store"
)

func newApproval(userID, keyID, id string) store.Approval {
	return store.Approval{
		ID: id, UserID: userID, KeyID: keyID, Tool: "gmail_send", Rule: "approve:gmail_*", ArgsHash: "h-" + id,
		Arguments: `{"to":"x@example.com"}`, Sealed: []byte("sealed-args"), DEKVersion: 1,
		Status: store.ApprovalPending, CreatedAt: at(10), ExpiresAt: at(610),
	}
}

func (h harness) approvals(t *testing.T) {
	h.runCases(t, []testCase{
		{"a created approval reads back pending", func(t *testing.T, f *fixture) {
			ctx := t.Context()
			k := newAPIKey(f.alice.ID, "k")
			must(t, f.a.CreateAPIKey(ctx, k))
			want := newApproval(f.alice.ID, k.ID, "ap1")
			must(t, f.a.CreateApproval(ctx, want))
			got, err := f.a.Approval(ctx, "ap1")
			must(t, err)
			equal(t, "approval", got, want)
			list, err := f.a.ListApprovals(ctx, store.ApprovalFilter{Status: store.ApprovalPending})
			must(t, err)
			equal(t, "pending", len(list), 1)
		}},
		{"an approval is decided once, and deciding clears its sealed arguments", func(t *testing.T, f *fixture) {
			ctx := t.Context()
			k := newAPIKey(f.alice.ID, "k")
			must(t, f.a.CreateAPIKey(ctx, k))
			must(t, f.a.CreateApproval(ctx, newApproval(f.alice.ID, k.ID, "ap1")))
			got, err := f.a.DecideApproval(ctx, "ap1", store.ApprovalApproved, "alice", "fine", at(20))
			must(t, err)
			equal(t, "status", got.Status, store.ApprovalApproved)
			equal(t, "by", got.DecidedBy, "alice")
			equal(t, "decided at", got.DecidedAt, at(20))
			equal(t, "sealed", len(got.Sealed), 0)
			_, err = f.a.DecideApproval(ctx, "ap1", store.ApprovalDenied, "bob", "", at(21))
			wantErr(t, err, store.ErrConflict)
			_, err = f.a.DecideApproval(ctx, "nope", store.ApprovalDenied, "bob", "", at(21))
			wantErr(t, err, store.ErrNotFound)
		}},
		{"a pending approval past its expiry can only be expired", func(t *testing.T, f *fixture) {
			ctx := t.Context()
			k := newAPIKey(f.alice.ID, "k")
			must(t, f.a.CreateAPIKey(ctx, k))
			must(t, f.a.CreateApproval(ctx, newApproval(f.alice.ID, k.ID, "ap1")))
			_, err := f.a.DecideApproval(ctx, "ap1", store.ApprovalApproved, "alice", "", at(610))
			wantErr(t, err, store.ErrConflict)
			got, err := f.a.DecideApproval(ctx, "ap1", store.ApprovalExpired, "", "", at(610))
			must(t, err)
			equal(t, "status", got.Status, store.ApprovalExpired)
		}},
		{"an approval is used once, by its key, tool and arguments hash only", func(t *testing.T, f *fixture) {
			ctx := t.Context()
			k, k2 := newAPIKey(f.alice.ID, "k"), newAPIKey(f.alice.ID, "k2")
			must(t, f.a.CreateAPIKey(ctx, k))
			must(t, f.a.CreateAPIKey(ctx, k2))
			a := newApproval(f.alice.ID, k.ID, "ap1")
			must(t, f.a.CreateApproval(ctx, a))
			use := store.ApprovalUse{KeyID: k.ID, Tool: a.Tool, ArgsHash: a.ArgsHash}
			_, err := f.a.UseApproval(ctx, use, at(20))
			wantErr(t, err, store.ErrNotFound) // still pending
			_, err = f.a.DecideApproval(ctx, "ap1", store.ApprovalApproved, "alice", "", at(20))
			must(t, err)
			for name, other := range map[string]store.ApprovalUse{
				"another key":      {KeyID: k2.ID, Tool: a.Tool, ArgsHash: a.ArgsHash},
				"another tool":     {KeyID: k.ID, Tool: "gmail_other", ArgsHash: a.ArgsHash},
				"other arguments":  {KeyID: k.ID, Tool: a.Tool, ArgsHash: "h-other"},
				"another approval": {ID: "ap2", KeyID: k.ID, Tool: a.Tool, ArgsHash: a.ArgsHash},
				"bob's store":      use,
			} {
				us := f.a
				if name == "bob's store" {
					us = f.b
				}
				if _, err := us.UseApproval(ctx, other, at(21)); err == nil {
					t.Errorf("%s used the approval", name)
				}
			}
			_, err = f.a.UseApproval(ctx, use, at(610))
			wantErr(t, err, store.ErrNotFound) // expired
			got, err := f.a.UseApproval(ctx, use, at(22))
			must(t, err)
			equal(t, "used", got.ID, "ap1")
			equal(t, "used at", got.UsedAt, at(22))
			_, err = f.a.UseApproval(ctx, use, at(23))
			wantErr(t, err, store.ErrNotFound)
		}},
		{"another user's approval is not found", func(t *testing.T, f *fixture) {
			ctx := t.Context()
			k := newAPIKey(f.alice.ID, "k")
			must(t, f.a.CreateAPIKey(ctx, k))
			must(t, f.a.CreateApproval(ctx, newApproval(f.alice.ID, k.ID, "ap1")))
			_, err := f.b.Approval(ctx, "ap1")
			wantErr(t, err, store.ErrNotFound)
			_, err = f.b.DecideApproval(ctx, "ap1", store.ApprovalApproved, "bob", "", at(20))
			wantErr(t, err, store.ErrNotFound)
			list, err := f.b.ListApprovals(ctx, store.ApprovalFilter{})
			must(t, err)
			equal(t, "bob's approvals", len(list), 0)
		}},
		{"a DEK version sealing a pending approval stays until it is decided", func(t *testing.T, f *fixture) {
			ctx := t.Context()
			k := newAPIKey(f.alice.ID, "k")
			must(t, f.a.CreateAPIKey(ctx, k))
			must(t, f.a.CreateApproval(ctx, newApproval(f.alice.ID, k.ID, "ap1")))
			must(t, f.a.AddDEK(ctx, newDEKVersion(f.alice.ID, 2)))
			wantErr(t, f.a.DeleteDEK(ctx, 1), store.ErrInUse)
			_, err := f.a.DecideApproval(ctx, "ap1", store.ApprovalDenied, "alice", "no", at(20))
			must(t, err)
			must(t, f.a.DeleteDEK(ctx, 1))
			stale := newApproval(f.alice.ID, k.ID, "ap2")
			wantErr(t, f.a.CreateApproval(ctx, stale), store.ErrStaleDEK)
		}},
		{"pending approvals are counted until decided or expired, per user", func(t *testing.T, f *fixture) {
			ctx := t.Context()
			k, kb := newAPIKey(f.alice.ID, "k"), newAPIKey(f.bob.ID, "kb")
			must(t, f.a.CreateAPIKey(ctx, k))
			must(t, f.b.CreateAPIKey(ctx, kb))
			for _, id := range []string{"ap1", "ap2", "ap3"} {
				must(t, f.a.CreateApproval(ctx, newApproval(f.alice.ID, k.ID, id)))
			}
			must(t, f.b.CreateApproval(ctx, newApproval(f.bob.ID, kb.ID, "bp1")))
			_, err := f.a.DecideApproval(ctx, "ap1", store.ApprovalDenied, "alice", "", at(20))
			must(t, err)
			n, err := f.a.CountPendingApprovals(ctx, at(30))
			must(t, err)
			equal(t, "alice's pending", n, int64(2))
			n, err = f.b.CountPendingApprovals(ctx, at(30))
			must(t, err)
			equal(t, "bob's pending", n, int64(1))
			n, err = f.a.CountPendingApprovals(ctx, at(610))
			must(t, err)
			equal(t, "alice's pending at their expiry", n, int64(0))
		}},
		{"decided approvals are deleted past a time, pending ones and other users' kept", func(t *testing.T, f *fixture) {
			ctx := t.Context()
			k, kb := newAPIKey(f.alice.ID, "k"), newAPIKey(f.bob.ID, "kb")
			must(t, f.a.CreateAPIKey(ctx, k))
			must(t, f.b.CreateAPIKey(ctx, kb))
			for _, id := range []string{"old", "expired", "recent", "pending"} {
				a := newApproval(f.alice.ID, k.ID, id)
				if id == "recent" {
					a.ExpiresAt = at(2000)
				}
				must(t, f.a.CreateApproval(ctx, a))
			}
			must(t, f.b.CreateApproval(ctx, newApproval(f.bob.ID, kb.ID, "bobs")))
			_, err := f.a.DecideApproval(ctx, "old", store.ApprovalApproved, "alice", "", at(20))
			must(t, err)
			_, err = f.a.DecideApproval(ctx, "expired", store.ApprovalExpired, "", "", at(700))
			must(t, err)
			_, err = f.a.DecideApproval(ctx, "recent", store.ApprovalDenied, "alice", "", at(900))
			must(t, err)
			_, err = f.b.DecideApproval(ctx, "bobs", store.ApprovalApproved, "bob", "", at(20))
			must(t, err)
			n, err := f.a.DeleteDecidedApprovals(ctx, at(800))
			must(t, err)
			equal(t, "deleted", n, int64(2))
			list, err := f.a.ListApprovals(ctx, store.ApprovalFilter{})
			must(t, err)
			var left []string
			for _, a := range list {
				left = append(left, a.ID)
			}
			slices.Sort(left)
			equal(t, "alice's left", left, []string{"pending", "recent"})
			_, err = f.b.Approval(ctx, "bobs")
			must(t, err)
		}},
	})
}
