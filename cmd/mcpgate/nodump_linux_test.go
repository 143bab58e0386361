package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/nodump"
)

// probeDumpable is a command of the test binary: it runs mcpgate as main
// does, then prints the process's dumpable flag (prctl PR_GET_DUMPABLE).
func probeDumpable() {
	code := run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	d, err := nodump.Dumpable()
	if err != nil {
		os.Stdout.WriteString("error: " + err.Error() + "\n")
		os.Exit(1)
	}
	if d {
		os.Stdout.WriteString("dumpable: 1\n")
	} else {
		os.Stdout.WriteString("dumpable: 0\n")
	}
	os.Exit(code)
}

// TestProcessIsNotDumpable starts mcpgate in a process of its own and
// reads that process's dumpable flag: 0, so no core file is written and
// no process of the same account can read its memory.
func TestProcessIsNotDumpable(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := nodump.Dumpable(); !d {
		t.Fatal("the test process itself is already non-dumpable; the probe would prove nothing")
	}
	// testscript.Main runs the command named by argv[0].
	cmd := &exec.Cmd{Path: self, Args: []string{"mcpgate-probe-dumpable", "version"}, Env: os.Environ()}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("probe: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "dumpable: 0\n") {
		t.Fatalf("mcpgate runs dumpable:\n%s", out)
	}
}
