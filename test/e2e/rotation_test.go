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

	"github.com/modelcontextprotocol/go-sdk/mcp"

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

// userLoad has one user call a tool over and over on its own key, until
// stop is closed; every call must return GitHub's answer.
type userLoad struct {
	name  string
	calls atomic.Int64 // calls that returned GitHub's answer
	mu    sync.Mutex
	fails []string // every call that did not, and why
}

func (l *userLoad) run(s *mcp.ClientSession, stop <-chan struct{}, wg *sync.WaitGroup) {
	defer wg.Done()
	for {
		select {
		case <-stop:
			return
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		r, err := s.CallTool(ctx, toolParams("github_get_repo", helloRepo))
		cancel()
		switch {
		case err != nil:
			l.fail("call error: " + err.Error())
		case r.IsError:
			l.fail("tool error: " + text(r))
		case !strings.HasPrefix(text(r), "octocat/hello-world "):
			l.fail("not GitHub's answer: " + text(r))
		default:
			l.calls.Add(1)
		}
	}
}

func (l *userLoad) fail(why string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.fails = append(l.fails, why)
}

// TestRotationUnderLoad rotates the KEK, then every user's DEK one user at
// a time, while each of the 21 users calls a tool continuously on its own
// key. Between two steps (before the rotations, after rotate-kek, after
// each user's rotate-dek: 23 steps) every user completes at least
// callsPerStep calls, so each user makes at least 46 calls and the run at
// least 966; every call must succeed with GitHub's answer.
func TestRotationUnderLoad(t *testing.T) {
	const (
		others       = 20
		callsPerStep = 2
	)
	g := startGateway(t)
	ctx := context.Background()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	defer func() { close(stop); wg.Wait() }()
	loads := []*userLoad{{name: g.Owner.Name}}
	wg.Add(1)
	go loads[0].run(g.session(t), stop, &wg)
	for i := range others {
		u, err := g.App.AddUser(ctx, fmt.Sprintf("user%d", i), false)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := g.App.AddTokenConnection(ctx, u, "github", "github", secret.FromString(canary)); err != nil {
			t.Fatal(err)
		}
		raw, _, err := g.App.CreateKey(ctx, u, "load", nil)
		if err != nil {
			t.Fatal(err)
		}
		s, err := g.connect(t, raw.Reveal())
		if err != nil {
			t.Fatalf("connect as %s: %v", u.Name, err)
		}
		t.Cleanup(func() { s.Close() })
		l := &userLoad{name: u.Name}
		loads = append(loads, l)
		wg.Add(1)
		go l.run(s, stop, &wg)
	}
	steps := 0
	// step waits until every user has made callsPerStep more calls.
	step := func(what string) {
		t.Helper()
		steps++
		want := make([]int64, len(loads))
		for i, l := range loads {
			want[i] = l.calls.Load() + callsPerStep
		}
		deadline := time.Now().Add(2 * time.Minute)
		for i, l := range loads {
			for l.calls.Load() < want[i] {
				l.mu.Lock()
				fails := append([]string(nil), l.fails...)
				l.mu.Unlock()
				if len(fails) > 0 {
					t.Fatalf("%s: %d calls of %s failed, the first: %s", what, len(fails), l.name, fails[0])
				}
				if time.Now().After(deadline) {
					t.Fatalf("%s: %s made %d calls, want %d", what, l.name, l.calls.Load(), want[i])
				}
				time.Sleep(5 * time.Millisecond)
			}
		}
	}
	step("before the rotations")

	newKEK := "local://" + filepath.Join(t.TempDir(), "kek-2")
	cli := openCLI(t, g, "")
	res, _, err := cli.RotateKEK(ctx, newKEK)
	if err != nil {
		t.Fatalf("rotate-kek: %v", err)
	}
	if res.Rewrapped != others+1 {
		t.Fatalf("rotate-kek rewrapped %d DEKs, want %d", res.Rewrapped, others+1)
	}
	step("after rotate-kek")

	after := openCLI(t, g, newKEK)
	users, err := after.Store.Privileged().ListUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rotated := 0
	err = after.RotateDEK(ctx, users, func(u store.User, _ vault.DEKResult) {
		rotated++
		step("after rotate-dek of " + u.Name)
	})
	if err != nil {
		t.Fatalf("rotate-dek --all-users: %v", err)
	}
	if rotated != others+1 {
		t.Fatalf("rotate-dek rotated %d users, want %d", rotated, others+1)
	}
	close(stop)
	wg.Wait()
	stop = make(chan struct{}) // for the deferred close

	var total int64
	for _, l := range loads {
		n := l.calls.Load()
		total += n
		if len(l.fails) > 0 {
			t.Errorf("%s: %d calls failed during the rotations, the first: %s", l.name, len(l.fails), l.fails[0])
		}
		if n < int64(steps*callsPerStep) {
			t.Errorf("%s made %d successful calls, want at least %d", l.name, n, steps*callsPerStep)
		}
	}
	if min := int64(len(loads) * steps * callsPerStep); total < min || len(loads) != others+1 || steps != others+3 {
		t.Fatalf("%d calls by %d users over %d steps, want at least %d by %d over %d", total, len(loads), steps, min, others+1, others+3)
	}
	st, err := after.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Unfinished || st.OldKEK != 0 || st.DEKsByKEK[st.KEKID] != others+1 {
		t.Fatalf("after rotation: %+v", st)
	}
	for _, u := range users {
		if _, err := after.TestConnection(ctx, u, "github"); err != nil {
			t.Fatalf("credential of %s after rotation: %v", u.Name, err)
		}
	}
	t.Logf("%d successful tool calls by %d users over %d rotation steps, none failed", total, len(loads), steps)
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
