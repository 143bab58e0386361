package nodump

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// Set marks the process non-dumpable (prctl PR_SET_DUMPABLE 0).
func Set() error {
	if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
		return fmt.Errorf("mark the process non-dumpable: %w", err)
	}
	return nil
}

// Dumpable reports the process's dumpable flag (prctl PR_GET_DUMPABLE).
func Dumpable() (bool, error) {
	v, err := unix.PrctlRetInt(unix.PR_GET_DUMPABLE, 0, 0, 0, 0)
	if err != nil {
		return false, fmt.Errorf("read the dumpable flag: %w", err)
	}
	return v != 0, nil
}
