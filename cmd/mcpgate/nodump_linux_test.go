package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/mcpgate/mcpgate/pkg/nodump"
)

// probeDumpable is a command of the test binary: it prints the process's
// dumpable flag (prctl PR_GET_DUMPABLE), runs mcpgate as main does, and
// prints the flag again.
func probeDumpable() {
	report := func(when string) {
		d, err := nodump.Dumpable()
		if err != nil {
			os.Stdout.WriteString("error: " + err.Error() + "\n")
			os.Exit(1)
		}
		v := "0"
		if d {
			v = "1"
		}
		os.Stdout.WriteString(when + ": dumpable " + v + "\n")
	}
	report("before")
	code := run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	report("after")
	os.Exit(code)
}

// TestProcessIsNotDumpable starts mcpgate in a process of its own and
// reads that process's dumpable flag: 1 as it starts, 0 once mcpgate
// runs, so no core file is written and no process of the same account can
// read its memory.
func TestProcessIsNotDumpable(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// testscript.Main runs the command named by argv[0].
	cmd := &exec.Cmd{Path: self, Args: []string{"mcpgate-probe-dumpable", "version"}, Env: os.Environ()}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("probe: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "before: dumpable 1\n") {
		t.Fatalf("the probe started non-dumpable, so it proves nothing:\n%s", out)
	}
	if !strings.Contains(string(out), "after: dumpable 0\n") {
		t.Fatalf("mcpgate runs dumpable:\n%s", out)
	}
}
