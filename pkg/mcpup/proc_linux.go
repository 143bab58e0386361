package mcpup

import (
	"os/exec"
	"syscall"

	"golang.org/x/sys/unix"
)

// procAttr puts the child in a process group of its own (so that killing
// it kills what it started) and has the kernel kill it if serve dies.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// setLimits applies lim to the running process pid (prlimit(2)). The
// child inherits them for everything it starts.
func setLimits(pid int, lim Limits) error {
	set := func(res int, v int64) error {
		if v <= 0 {
			return nil
		}
		return unix.Prlimit(pid, res, &unix.Rlimit{Cur: uint64(v), Max: uint64(v)}, nil)
	}
	if err := set(unix.RLIMIT_DATA, lim.MemoryBytes); err != nil {
		return err
	}
	if err := set(unix.RLIMIT_CPU, lim.CPUSeconds); err != nil {
		return err
	}
	return set(unix.RLIMIT_NOFILE, lim.OpenFiles)
}

func killGroup(cmd *exec.Cmd) {
	if cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}
