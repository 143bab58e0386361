package connectortest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/connector"
	"github.com/mcpgate/mcpgate/pkg/connector/fakekit"
	"github.com/mcpgate/mcpgate/pkg/guard"
	"github.com/mcpgate/mcpgate/pkg/secret"
)

// Run checks what every connector must do, whatever its upstream, each
// check a subtest run on fresh fakes:
//
//   - arguments: an unknown, case-variant or duplicate name, a value of
//     the wrong type, or arguments that are not an object are refused
//     with a connector.ArgumentError before any request is sent;
//   - read-only: under a read-only key (the real guard) only tools marked
//     read-only run, and they send no mutating request; a tool not marked
//     read-only does send one (or says in Options why not);
//   - credential: the credential, whole or encoded, is in no result, no
//     error (an upstream that echoes it included) and no log line;
//   - unauthorized: a refused credential is connector.ErrUnauthorized,
//     with a message that says to reconnect and holds no credential;
//   - rate-limit, server-error: an upstream's 429 or 5xx is an error
//     that says so, promptly;
//   - oversized: an answer of fakekit.OversizedBytes is not read whole;
//   - cancel: a call whose context is canceled returns at once.
//
// Every tool the connector lists must have ValidArgs or an opt-out.
func Run[F Fake](t *testing.T, s Suite[F], o Options) {
	t.Helper()
	tools := s.ToolList(t)
	if len(tools) == 0 {
		t.Fatal("the connector lists no tools")
	}
	for _, tl := range tools {
		_, valid := s.ValidArgs[tl.Name]
		why := reason(o.NoValidArgs, tl.Name)
		switch {
		case !valid && why == "":
			t.Errorf("tool %s has no ValidArgs and no opt-out", tl.Name)
		case valid && why != "":
			t.Errorf("tool %s has ValidArgs and an opt-out", tl.Name)
		case why != "":
			t.Logf("opt-out: %s has no valid call: %s", tl.Name, why)
		}
	}
	for name := range s.ValidArgs {
		s.Tool(t, name) // fails on a tool the connector does not list
	}
	t.Run("arguments", func(t *testing.T) { s.checkArguments(t, tools) })
	t.Run("read-only", func(t *testing.T) { s.checkReadOnlyKey(t) })
	t.Run("marks", func(t *testing.T) { s.checkMarks(t, o) })
	t.Run("credential", func(t *testing.T) { s.checkCredential(t) })
	t.Run("unauthorized", func(t *testing.T) { s.checkUnauthorized(t, o) })
	t.Run("rate-limit", func(t *testing.T) {
		s.checkFailure(t, fakekit.RateLimit, regexp.MustCompile(`(?i)rate.?limit|too many requests|\b429\b`))
	})
	t.Run("server-error", func(t *testing.T) {
		s.checkFailure(t, fakekit.ServerError, regexp.MustCompile(`(?i)\b5\d\d\b|server error|internal error|unavailable`))
	})
	t.Run("oversized", func(t *testing.T) { s.checkOversized(t) })
	t.Run("cancel", func(t *testing.T) { s.checkCancel(t, o) })
}

// eachTool runs f for every tool of ValidArgs, in parallel, on a fresh
// fake.
func (s Suite[F]) eachTool(t *testing.T, f func(t *testing.T, tool connector.Tool, fake F, up connector.Upstream)) {
	t.Helper()
	for _, name := range s.ToolNames() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fake, up := s.NewFake(t)
			f(t, s.Tool(t, name), fake, up)
		})
	}
}

// mutating applies s.Mutating, or the HTTP method rule.
func (s Suite[F]) mutating(e Exchange) bool {
	if s.Mutating != nil {
		return s.Mutating(e)
	}
	switch e.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// checkReadOnlyKey runs every tool as a read-only key would: the guard
// decides, and an allowed call must send nothing that writes.
func (s Suite[F]) checkReadOnlyKey(t *testing.T) {
	ro := true
	policy, err := guard.FromFlags(guard.Flags{ReadOnly: &ro})
	if err != nil {
		t.Fatal(err)
	}
	g := guard.New(func(context.Context, string, string) (guard.Effective, error) {
		return guard.Effective{Key: policy}, nil
	}, nil, guard.Options{})
	s.eachTool(t, func(t *testing.T, tool connector.Tool, fake F, up connector.Upstream) {
		rec := Record(&up)
		prep, err := connector.Prepare(tool, json.RawMessage(s.ValidArgs[tool.Name]))
		if err != nil {
			t.Fatalf("ValidArgs refused: %v", err)
		}
		dec, err := g.Decide(context.Background(), guard.Call{Tool: s.Name + "_" + tool.Name, ReadOnly: tool.ReadOnly, Args: prep.Args})
		if err != nil {
			t.Fatal(err)
		}
		if !dec.Allow {
			if tool.ReadOnly {
				t.Errorf("a tool marked read-only was refused to a read-only key: %s", dec.Reason)
			}
			return
		}
		out, err := prep.Run(context.Background(), up)
		s.AssertNoToken(t, out, err)
		if err != nil {
			t.Fatalf("%s: %v", tool.Name, err)
		}
		for _, e := range rec.Exchanges() {
			if s.mutating(e) {
				t.Errorf("tool %s, allowed to a read-only key, sent %s %s", tool.Name, e.Method, e.URL.Path)
			}
		}
	})
}

// checkMarks checks that a tool left to writers does write: a tool that
// only reads, left unmarked, is refused to read-only keys for nothing.
func (s Suite[F]) checkMarks(t *testing.T, o Options) {
	s.eachTool(t, func(t *testing.T, tool connector.Tool, fake F, up connector.Upstream) {
		if tool.ReadOnly {
			return
		}
		if why := reason(o.UnmarkedReads, tool.Name); why != "" {
			t.Logf("opt-out: %s sends no mutating request yet is not marked read-only: %s", tool.Name, why)
			return
		}
		rec := Record(&up)
		if _, err := s.Call(t, up, tool.Name, s.ValidArgs[tool.Name]); err != nil {
			t.Fatalf("%s: %v", tool.Name, err)
		}
		for _, e := range rec.Exchanges() {
			if s.mutating(e) {
				return
			}
		}
		t.Errorf("tool %s is not marked read-only, yet its call sent no mutating request (%d requests)", tool.Name, len(rec.Exchanges()))
	})
}

// checkCredential looks for the credential in what a call gives back,
// on an answer and on an upstream error that quotes it.
func (s Suite[F]) checkCredential(t *testing.T) {
	s.eachTool(t, func(t *testing.T, tool connector.Tool, fake F, up connector.Upstream) {
		out, err := connector.Call(context.Background(), tool, up, json.RawMessage(s.ValidArgs[tool.Name]))
		if err != nil {
			t.Fatalf("%s: %v", tool.Name, err)
		}
		assertNoSecret(t, "the result", out, s.Canary)
		fake.FailNext(fakekit.EchoToken, -1)
		out, err = connector.Call(context.Background(), tool, up, json.RawMessage(s.ValidArgs[tool.Name]))
		if err == nil {
			t.Errorf("an upstream error answered %q, want an error", out)
		}
		assertNoSecret(t, "the result", out, s.Canary)
		assertNoSecret(t, "the error", ErrText(err), s.Canary)
		if s.Log != nil {
			assertNoSecret(t, "the log", s.Log(), s.Canary)
		}
	})
}

// checkUnauthorized sends a credential the fake refuses.
func (s Suite[F]) checkUnauthorized(t *testing.T, o Options) {
	wrong := s.Canary[:len(s.Canary)-6] + "WRONG0"
	if o.NoIdentify != "" {
		t.Logf("opt-out: no identity check: %s", o.NoIdentify)
	} else {
		s.CheckIdentifyRefuses(t, wrong)
	}
	s.eachTool(t, func(t *testing.T, tool connector.Tool, fake F, up connector.Upstream) {
		up.Credential = secret.FromString(wrong)
		_, err := connector.Call(context.Background(), tool, up, json.RawMessage(s.ValidArgs[tool.Name]))
		if !errors.Is(err, connector.ErrUnauthorized) {
			t.Fatalf("error = %v, want connector.ErrUnauthorized", err)
		}
		if !strings.Contains(strings.ToLower(err.Error()), "reconnect") {
			t.Errorf("error %q does not say to reconnect", err)
		}
		assertNoSecret(t, "the error", err.Error(), wrong)
	})
}

// checkFailure makes every request fail with f: each tool must give up
// promptly with an error that says what happened.
func (s Suite[F]) checkFailure(t *testing.T, f fakekit.Failure, says *regexp.Regexp) {
	s.eachTool(t, func(t *testing.T, tool connector.Tool, fake F, up connector.Upstream) {
		fake.FailNext(f, -1)
		start := time.Now()
		out, err := s.CallContext(t, timeout(t, 20*time.Second), up, tool.Name, s.ValidArgs[tool.Name])
		if err == nil {
			t.Fatalf("%s = %q, want an error", f, out)
		}
		var ae *connector.ArgumentError
		if errors.As(err, &ae) || !says.MatchString(err.Error()) {
			t.Errorf("error %q does not say what the upstream answered (want it to match %s)", err, says)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("took %v to give up", d)
		}
	})
}

// checkOversized answers every request with a document that never ends.
func (s Suite[F]) checkOversized(t *testing.T) {
	const bound = fakekit.OversizedBytes / 2
	s.eachTool(t, func(t *testing.T, tool connector.Tool, fake F, up connector.Upstream) {
		fake.FailNext(fakekit.Oversized, -1)
		up.HTTP = &http.Client{Timeout: 20 * time.Second}
		out, _ := s.CallContext(t, timeout(t, 30*time.Second), up, tool.Name, s.ValidArgs[tool.Name])
		n := fake.OversizedSent()
		if n > bound {
			t.Errorf("the connector read %d bytes of an oversized answer, want at most %d", n, bound)
		}
		t.Logf("the fake sent %d of %d bytes before the connector stopped reading", n, fakekit.OversizedBytes)
		if len(out) > bound {
			t.Errorf("the result has %d bytes", len(out))
		}
	})
}

// checkCancel cancels each call while the fake hangs.
func (s Suite[F]) checkCancel(t *testing.T, o Options) {
	s.eachTool(t, func(t *testing.T, tool connector.Tool, fake F, up connector.Upstream) {
		fake.FailNext(fakekit.Hang, -1)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		time.AfterFunc(50*time.Millisecond, cancel)
		start := time.Now()
		_, err := s.CallContext(t, ctx, up, tool.Name, s.ValidArgs[tool.Name])
		bound := 3 * time.Second
		if o.CancelWaits != "" {
			bound += 5 * time.Second
		}
		d := time.Since(start)
		if d > bound {
			t.Errorf("returned %v after the call was canceled", d)
		}
		if d > 3*time.Second {
			t.Logf("opt-out: returned %v after the call was canceled: %s", d, o.CancelWaits)
		}
		if err == nil {
			t.Fatal("a canceled call succeeded")
		}
		if errors.Is(err, context.Canceled) {
			return
		}
		if o.CancelNotWrapped != "" {
			t.Logf("opt-out: the error does not match context.Canceled: %s", o.CancelNotWrapped)
			return
		}
		t.Errorf("error = %v, want context.Canceled", err)
	})
}

// timeout is a context that ends after d or with the test.
func timeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
