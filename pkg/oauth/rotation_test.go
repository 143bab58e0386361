package oauth_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/secret"
	"github.com/mcpgate/mcpgate/pkg/vault"
)

// TestRotationNeverLosesACredential runs `vault rotate-dek` in a loop in
// one process while three others, on the same database, complete OAuth
// callbacks, refresh a token and add connections with pasted tokens. Each
// of them cached the user's current DEK version before the first
// rotation. Every rotation must succeed, every write must land, and
// afterwards every credential opens and one more rotation retires every
// old version.
func TestRotationNeverLosesACredential(t *testing.T) {
	eachDriver(t, func(t *testing.T, dbURL string) {
		s := newShared(t, dbURL)
		ctx := context.Background()
		rotator, callbacks, refresher, adder := s.process(t), s.process(t), s.process(t), s.process(t)
		if _, err := refresher.connect(ctx, s.user, "refreshed"); err != nil {
			t.Fatal(err)
		}
		if _, err := callbacks.connect(ctx, s.user, "cb-warm"); err != nil {
			t.Fatal(err)
		}
		if _, err := adder.app.AddTokenConnection(ctx, s.user, "dropbox", "key-warm", secret.FromString(staticToken)); err != nil {
			t.Fatal(err)
		}

		workers := []struct {
			name string
			do   func(n int) error
		}{
			{"OAuth callback", func(n int) error {
				_, err := callbacks.connect(ctx, s.user, fmt.Sprintf("cb-%d", n))
				return err
			}},
			{"token refresh", func(int) error {
				_, err := refresher.access(ctx, s.user.ID, "refreshed", true)
				return err
			}},
			{"connect add", func(n int) error {
				_, err := adder.app.AddTokenConnection(ctx, s.user, "dropbox", fmt.Sprintf("key-%d", n), secret.FromString(staticToken))
				return err
			}},
		}
		const pause = 20 * time.Millisecond
		stop := make(chan struct{})
		var wg sync.WaitGroup
		done := make([]atomic.Int64, len(workers))
		failed := make([]atomic.Int64, len(workers))
		var firstErr sync.Map
		for i, w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := 0; ; n++ {
					select {
					case <-stop:
						return
					default:
					}
					if err := w.do(n); err != nil {
						failed[i].Add(1)
						firstErr.LoadOrStore(w.name, err)
						time.Sleep(pause)
						continue
					}
					done[i].Add(1)
					time.Sleep(pause) // let the others, the rotator too, take the write lock
				}
			}()
		}
		rotations, deadline := 0, time.Now().Add(4*time.Second)
		var rotErr error
		for rotations < 3 || time.Now().Before(deadline) {
			if _, rotErr = rotator.vault.RotateDEK(ctx, s.user.ID); rotErr != nil {
				break
			}
			rotations++
			time.Sleep(pause)
		}
		close(stop)
		wg.Wait()
		if rotErr != nil {
			t.Errorf("rotate-dek #%d: %v", rotations+1, rotErr)
		}
		for i, w := range workers {
			if n := failed[i].Load(); n > 0 {
				err, _ := firstErr.Load(w.name)
				t.Errorf("%d of %d %s runs failed during the rotations, the first with: %v", n, n+done[i].Load(), w.name, err)
			}
		}

		// A process that never cached a DEK opens every credential.
		fresh := s.process(t)
		us := fresh.st.User(s.user.ID)
		conns, err := us.ListConnections(ctx)
		if err != nil {
			t.Fatal(err)
		}
		lost := 0
		for _, c := range conns {
			if _, err := fresh.vault.Open(ctx, s.user.ID, vault.PurposeCredential, c.ID, c.Credential); err != nil {
				lost++
				if lost == 1 {
					t.Errorf("credential of %s (DEK version %d) does not open: %v", c.Name, c.DEKVersion, err)
				}
			}
		}
		if lost > 0 {
			t.Errorf("%d of %d credentials lost", lost, len(conns))
		}
		res, err := fresh.vault.RotateDEK(ctx, s.user.ID)
		if err != nil || res.Pending != 0 {
			t.Fatalf("rotate-dek after the load: %+v, %v; want every old version retired", res, err)
		}
		deks, err := us.ListDEKs(ctx)
		if err != nil || len(deks) != 1 || deks[0].Version != res.Version {
			t.Fatalf("DEK versions after the last rotation: %d (%v), want only version %d", len(deks), err, res.Version)
		}
		t.Logf("%d rotations while %d callbacks, %d refreshes and %d connect adds ran; %d credentials open",
			rotations, done[0].Load(), done[1].Load(), done[2].Load(), len(conns))
	})
}
