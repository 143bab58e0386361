package mcpup

import (
	"context"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

func fakeServer(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "mcpfake")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/mcpgate/mcpgate/test/mcpfake").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }

func waitGone(t *testing.T, pid int, what string) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if !alive(pid) {
			return
		}
	}
	t.Fatalf("the server process is still running after %s", what)
}

// TestPoolSharesStopsIdleAndKillsOnClose: one process serves concurrent
// users of a connection; it stops when idle and is started again on next
// use; Close kills it.
func TestPoolSharesStopsIdleAndKillsOnClose(t *testing.T) {
	bin := fakeServer(t)
	p := NewPool(Options{DataDir: t.TempDir(), IdleTimeout: 500 * time.Millisecond, Timeout: 30 * time.Second})
	defer p.Close()
	spec := Spec{UserID: "u", ConnID: "c1", Name: "fake", Version: "1", Config: Config{Command: bin}}
	ctx := context.Background()
	s1, r1, err := p.Acquire(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	s2, r2, err := p.Acquire(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	if s1 != s2 {
		t.Error("two users of one connection got two sessions")
	}
	pid := s1.proc.cmd.Process.Pid
	time.Sleep(time.Second)
	if !alive(pid) {
		t.Fatal("a session in use was stopped as idle")
	}
	r1()
	r2()
	waitGone(t, pid, "the idle timeout")

	s3, r3, err := p.Acquire(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	defer r3()
	pid3 := s3.proc.cmd.Process.Pid
	if pid3 == pid {
		t.Fatal("not started again")
	}
	p.Close()
	waitGone(t, pid3, "Close")
	if _, _, err := p.Acquire(ctx, spec); err != ErrClosed {
		t.Errorf("Acquire after Close: %v", err)
	}
}

// TestPoolReplacesASessionOfAnotherVersion: a changed connection (new
// secrets, new settings) gets a new process.
func TestPoolReplacesASessionOfAnotherVersion(t *testing.T) {
	bin := fakeServer(t)
	p := NewPool(Options{DataDir: t.TempDir(), Timeout: 30 * time.Second})
	defer p.Close()
	spec := Spec{UserID: "u", ConnID: "c1", Name: "fake", Version: "1", Config: Config{Command: bin}}
	s1, r1, err := p.Acquire(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	r1()
	pid := s1.proc.cmd.Process.Pid
	spec.Version = "2"
	s2, r2, err := p.Acquire(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	defer r2()
	if s2 == s1 {
		t.Fatal("the old version's session was kept")
	}
	waitGone(t, pid, "a new version")
}
