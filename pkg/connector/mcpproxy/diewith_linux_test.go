package mcpproxy_test

import (
	"os/exec"
	"syscall"
)

// dieWithTest makes cmd's process end with the test binary, even when a
// timeout's panic skips TestMain's cleanup.
func dieWithTest(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
