package e2e

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/appliance"
	"github.com/mcpgate/mcpgate/pkg/config"
	"github.com/mcpgate/mcpgate/pkg/keyprovider/awskms/kmsfake"
	"github.com/mcpgate/mcpgate/pkg/secret"
	"github.com/mcpgate/mcpgate/pkg/store"
	"github.com/mcpgate/mcpgate/pkg/vault"
)

// openCLI opens the appliance as a separate CLI process would, with its
// own caches, on the gateway's data dir (optionally another KEK URL).
func openCLI(t *testing.T, g *gw, keyProvider string) *appliance.App {
	t.Helper()
	env := []string{"MCPGATE_DATA_DIR=" + g.Config.DataDir, "MCPGATE_CONNECTORS_GITHUB_API_URL=" + g.GH.URL}
	if keyProvider != "" {
		env = append(env, "MCPGATE_KEY_PROVIDER="+keyProvider)
	}
	cfg, err := config.Load(config.Options{Env: env})
	if err != nil {
		t.Fatal(err)
	}
	a, err := appliance.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// load calls a tool continuously until stop is closed, counting failures.
func load(t *testing.T, g *gw, stop <-chan struct{}) (wait func() (calls, failures int64)) {
	var calls, failures atomic.Int64
	var wg sync.WaitGroup
	for range 4 {
		s := g.session(t)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				r, err := s.CallTool(context.Background(), toolParams("github_get_repo", helloRepo))
				calls.Add(1)
				if err != nil || r.IsError {
					failures.Add(1)
				}
			}
		}()
	}
	return func() (int64, int64) { wg.Wait(); return calls.Load(), failures.Load() }
}

func TestRotationUnderLoad(t *testing.T) {
	g := startGateway(t)
	ctx := context.Background()
	for i := range 20 {
		u, err := g.App.AddUser(ctx, fmt.Sprintf("user%d", i), false)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := g.App.AddTokenConnection(ctx, u, "github", "github", secret.FromString(canary)); err != nil {
			t.Fatal(err)
		}
	}
	stop := make(chan struct{})
	wait := load(t, g, stop)
	time.Sleep(200 * time.Millisecond)

	newKEK := "local://" + filepath.Join(t.TempDir(), "kek-2")
	cli := openCLI(t, g, "")
	res, _, err := cli.RotateKEK(ctx, newKEK)
	if err != nil {
		t.Fatalf("rotate-kek: %v", err)
	}
	if res.Rewrapped != 21 {
		t.Fatalf("rotate-kek rewrapped %d DEKs, want 21", res.Rewrapped)
	}

	after := openCLI(t, g, newKEK)
	users, err := after.Store.Privileged().ListUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := after.RotateDEK(ctx, users, func(store.User, vault.DEKResult) {}); err != nil {
		t.Fatalf("rotate-dek --all-users: %v", err)
	}
	time.Sleep(200 * time.Millisecond)
	close(stop)
	calls, failures := wait()
	if calls == 0 || failures != 0 {
		t.Fatalf("%d of %d calls during rotation failed", failures, calls)
	}
	st, err := after.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Unfinished || st.OldKEK != 0 || st.DEKsByKEK[st.KEKID] != 21 {
		t.Fatalf("after rotation: %+v", st)
	}
	for _, u := range users {
		if _, err := after.TestConnection(ctx, u, "github"); err != nil {
			t.Fatalf("credential of %s after rotation: %v", u.Name, err)
		}
	}
	t.Logf("%d tool calls during the rotations, none failed", calls)
}

func TestKMSDecryptsAreFew(t *testing.T) {
	kms := kmsfake.New()
	t.Cleanup(kms.Close)
	kms.SetEnv(t)
	key := kms.CreateKey()
	g := startGateway(t, "MCPGATE_KEY_PROVIDER="+kms.ProviderURL(key))
	s := g.session(t)
	// A cold cache: the owner's DEK is unwrapped again on the next call,
	// and the first calls below miss together.
	g.App.Vault.Forget(g.Owner.ID)
	kms.ResetCalls()
	const callers, calls = 8, 1000
	var wg sync.WaitGroup
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range calls / callers {
				r, err := s.CallTool(context.Background(), toolParams("github_get_repo", helloRepo))
				if err != nil || r.IsError {
					t.Errorf("call: %v %v", err, r)
					return
				}
			}
		}()
	}
	wg.Wait()
	if n := kms.Calls(kmsfake.OpDecrypt); n != 1 {
		t.Fatalf("%d tool calls from %d concurrent callers on a cold cache made %d KMS Decrypt calls, want exactly 1", calls, callers, n)
	}
	// A disabled key is refused at start with a sentence naming the cause.
	kms.DisableKey(key)
	_, err := appliance.Open(context.Background(), g.Config)
	if err == nil || !strings.Contains(err.Error(), "Disabled") || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("opening with the KMS key disabled: %v", err)
	}
}

// TestRotateKEKToKMSAndBack moves every DEK from the local KEK to an AWS
// KMS key and back to a new local key file, while the gateway serves.
func TestRotateKEKToKMSAndBack(t *testing.T) {
	kms := kmsfake.New()
	t.Cleanup(kms.Close)
	kms.SetEnv(t)
	kmsURL := kms.ProviderURL(kms.CreateKey())
	g := startGateway(t)
	ctx := context.Background()
	s := g.session(t)
	back := "local://" + filepath.Join(t.TempDir(), "kek-back")
	steps := []struct{ from, to string }{{"", kmsURL}, {kmsURL, back}}
	for _, st := range steps {
		res, _, err := openCLI(t, g, st.from).RotateKEK(ctx, st.to)
		if err != nil || res.Rewrapped != 1 {
			t.Fatalf("rotate-kek --to %s: %+v, %v", st.to, res, err)
		}
		if r := call(t, s, "github_get_repo", helloRepo); r.IsError {
			t.Fatalf("a call after rotating to %s: %s", st.to, text(r))
		}
		after := openCLI(t, g, st.to)
		if _, err := after.TestConnection(ctx, g.Owner, "github"); err != nil {
			t.Fatalf("credential under %s: %v", st.to, err)
		}
		if status, _ := after.Status(ctx); status.Unfinished {
			t.Fatalf("after rotating to %s: %+v", st.to, status)
		}
	}
	if kms.Calls(kmsfake.OpEncrypt) == 0 || kms.Calls(kmsfake.OpDecrypt) == 0 {
		t.Fatal("the KMS key was never used")
	}
}
