//go:build !unix

package safefile

import (
	"fmt"
	"os"
)

// open opens path for reading after checking it is a regular file (these
// systems have no FIFOs that block an open).
func open(path string, follow bool) (*os.File, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s %w (it is a %s): give a regular file", path, ErrNotRegular, kind(fi.Mode()))
	}
	return os.Open(path)
}

func isLoop(error) bool { return false }
