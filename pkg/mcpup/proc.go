package mcpup

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/mcpgate/mcpgate/pkg/secret"
)

// Limits are a server process's resource limits.
type Limits struct {
	MemoryBytes int64
	CPUSeconds  int64
	OpenFiles   int64
}

// process is a running server command.
type process struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout io.ReadCloser
	done   chan struct{} // closed when the process was reaped
	err    error         // Wait's result, set before done closes
}

// defaultPath is the child's PATH when serve has none.
const defaultPath = "/usr/local/bin:/usr/bin:/bin"

// childEnv is the whole environment a server process gets: PATH, its own
// HOME and TMPDIR, the configured variables and the secret ones. Nothing
// else of serve's environment (its MCPGATE_* settings, a KEK file's path,
// cloud credentials) reaches it.
func childEnv(home string, c Config, s Secrets) []string {
	path := os.Getenv("PATH")
	if path == "" {
		path = defaultPath
	}
	env := []string{"PATH=" + path, "HOME=" + home, "TMPDIR=" + filepath.Join(home, "tmp")}
	keys := make([]string, 0, len(c.Env))
	for k := range c.Env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		env = append(env, k+"="+c.Env[k])
	}
	for _, k := range c.SecretEnv {
		env = append(env, k+"="+s.Env[k])
	}
	return env
}

// startProcess runs the connection's command in home (made if missing,
// 0700), in a process group of its own, with limits applied, its stderr
// going to log with the connection's secrets scrubbed.
func startProcess(home string, c Config, s Secrets, lim Limits, log *slog.Logger, red *secret.Redactor, name string) (*process, error) {
	if err := os.MkdirAll(filepath.Join(home, "tmp"), 0o700); err != nil {
		return nil, fmt.Errorf("make the server's home directory: %w", err)
	}
	prog := c.Command
	if filepath.Base(prog) == prog {
		// Looked up in the child's PATH, which is serve's.
		p, err := exec.LookPath(prog)
		if err != nil {
			return nil, fmt.Errorf("command %q not found in PATH; give its full path with --command", prog)
		}
		prog = p
	}
	cmd := exec.Command(prog, c.Args...)
	cmd.Args[0] = c.Command
	cmd.Env = childEnv(home, c, s)
	cmd.Dir = home
	cmd.SysProcAttr = procAttr()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %q: %w", c.Command, red.Scrub(errors.Unwrap(err)))
	}
	if err := setLimits(cmd.Process.Pid, lim); err != nil {
		killGroup(cmd)
		_ = cmd.Wait()
		return nil, fmt.Errorf("set the server's resource limits: %w", err)
	}
	p := &process{cmd: cmd, stdin: stdin, stdout: stdout, done: make(chan struct{})}
	var logged sync.WaitGroup
	logged.Add(1)
	go func() {
		defer logged.Done()
		logStderr(stderr, log, red, name)
	}()
	go func() {
		logged.Wait()
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// stop closes stdin, gives the process a moment to exit, then kills its
// whole process group.
func (p *process) stop(grace time.Duration) {
	_ = p.stdin.Close()
	select {
	case <-p.done:
	case <-time.After(grace):
	}
	killGroup(p.cmd)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
	}
}

// stderr lines logged per window; the rest are counted, so that a server
// that floods its stderr cannot flood serve's log.
const (
	stderrLines  = 50
	stderrWindow = 10 * time.Second
	stderrLine   = 2048
)

func logStderr(r io.Reader, log *slog.Logger, red *secret.Redactor, name string) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	sc.Split(scanLinesLong)
	var n, dropped int
	start := time.Now()
	for sc.Scan() {
		if time.Since(start) > stderrWindow {
			if dropped > 0 {
				log.Warn("mcp server stderr lines dropped", "connection", name, "lines", dropped)
			}
			n, dropped, start = 0, 0, time.Now()
		}
		if n >= stderrLines {
			dropped++
			continue
		}
		n++
		// Redact before cutting: a secret cut in two would no longer
		// match, and its first part would reach the log.
		line, _ := red.Redact(sc.Text())
		if len(line) > stderrLine {
			line = line[:stderrLine] + "…"
		}
		log.Info("mcp server stderr", "connection", name, "line", line)
	}
	// A line longer than the buffer ends the scan: drain the rest so the
	// process never blocks on a full pipe.
	_, _ = io.Copy(io.Discard, r)
}

// scanLinesLong is bufio.ScanLines that cuts a line longer than the
// buffer instead of failing.
func scanLinesLong(data []byte, atEOF bool) (int, []byte, error) {
	adv, tok, err := bufio.ScanLines(data, atEOF)
	if adv == 0 && tok == nil && err == nil && len(data) >= 32<<10 {
		return len(data), data, nil
	}
	return adv, tok, err
}
