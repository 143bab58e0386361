package connectortest

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/connector/fakekit"
	"github.com/mcpgate/mcpgate/pkg/secret"
)

// FailureCase is one way the upstream (or what stands in front of it) can
// fail, and what every tool's error must then say.
type FailureCase[F Fake] struct {
	Name    string
	Failure fakekit.Failure // armed for the first request
	Token   string          // sent instead of the canary when set
	Setup   func(fake F)    // run on the fresh fake when set
	Want    string          // every tool's error holds it
	Kind    error           // and matches it with errors.Is, when set
}

// FailureMatrix is every FailureCase a connector must explain.
type FailureMatrix[F Fake] struct {
	Cases []FailureCase[F]
	// Omit is text no error may hold, such as the refused token or raw
	// header lines.
	Omit []string
	// Check, when set, adds the connector's own checks of each error.
	Check func(t *testing.T, c FailureCase[F], tool string, err error)
}

// CheckFailures runs every tool against every case, each on a fresh fake.
func (s Suite[F]) CheckFailures(t *testing.T, m FailureMatrix[F]) {
	t.Helper()
	for _, c := range m.Cases {
		for _, tool := range s.ToolNames() {
			t.Run(c.Name+"/"+tool, func(t *testing.T) {
				t.Parallel()
				fake, up := s.NewFake(t)
				fake.FailNext(c.Failure, 1)
				if c.Token != "" {
					up.Credential = secret.FromString(c.Token)
				}
				if c.Setup != nil {
					c.Setup(fake)
				}
				got, err := s.Call(t, up, tool, s.ValidArgs[tool])
				if err == nil {
					t.Fatalf("%s = %q, want an error", tool, got)
				}
				AssertContains(t, err.Error(), c.Want)
				AssertOmits(t, err.Error(), m.Omit...)
				if c.Kind != nil && !errors.Is(err, c.Kind) {
					t.Errorf("error %q is not %v", err, c.Kind)
				}
				if m.Check != nil {
					m.Check(t, c, tool, err)
				}
			})
		}
	}
}

// CheckTimeouts runs every tool against a fake that never answers, with a
// 50ms client timeout: each must give up within two seconds with an error
// that matches errTimeout and context.DeadlineExceeded and holds
// want(tool).
func (s Suite[F]) CheckTimeouts(t *testing.T, errTimeout error, want func(tool string) string) {
	t.Helper()
	for _, tool := range s.ToolNames() {
		t.Run(tool, func(t *testing.T) {
			t.Parallel()
			fake, up := s.NewFake(t)
			fake.FailNext(fakekit.Hang, -1)
			up.HTTP = &http.Client{Timeout: 50 * time.Millisecond}
			start := time.Now()
			_, err := s.Call(t, up, tool, s.ValidArgs[tool])
			if !errors.Is(err, errTimeout) || !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("error = %v, want %v and DeadlineExceeded", err, errTimeout)
			}
			AssertContains(t, err.Error(), want(tool))
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v to time out", d)
			}
		})
	}
}

// CheckDeadline calls tool against a fake that never answers, with a
// context whose deadline passes, and checks the error matches errTimeout.
func (s Suite[F]) CheckDeadline(t *testing.T, tool string, errTimeout error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if err := s.callHanging(t, ctx, tool); !errors.Is(err, errTimeout) {
		t.Errorf("deadline: error = %v, want %v", err, errTimeout)
	}
}

// CheckCancel cancels a call to tool while the fake hangs and checks the
// error matches context.Canceled. It returns the error for the
// connector's own checks of its text.
func (s Suite[F]) CheckCancel(t *testing.T, tool string) error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	time.AfterFunc(30*time.Millisecond, cancel)
	err := s.callHanging(t, ctx, tool)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancel: error = %v, want context.Canceled", err)
	}
	return err
}

func (s Suite[F]) callHanging(t *testing.T, ctx context.Context, tool string) error {
	t.Helper()
	fake, up := s.NewFake(t)
	fake.FailNext(fakekit.Hang, -1)
	_, err := s.CallContext(t, ctx, up, tool, s.ValidArgs[tool])
	return err
}
