package safefile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// Errors of Read.
var (
	// ErrNotRegular means the path is a FIFO, device, socket or directory.
	ErrNotRegular = errors.New("is not a regular file")
	// ErrSymlink means the path is a symbolic link where one is refused.
	ErrSymlink = errors.New("is a symbolic link")
	// ErrTooLarge means the file holds more than the limit.
	ErrTooLarge = errors.New("is larger than expected")
)

// Symlinks says whether Read follows a symbolic link (to a regular file).
type Symlinks bool

// The two choices of Symlinks.
const (
	NoSymlinks     Symlinks = false
	FollowSymlinks Symlinks = true
)

// Read returns the contents of the regular file at path, at most max
// bytes (ErrTooLarge beyond), and its mode. It never blocks on a FIFO:
// the file is opened non-blocking and checked on the open descriptor, so
// a file swapped after a check is caught too.
func Read(path string, max int64, links Symlinks) ([]byte, fs.FileMode, error) {
	if links == NoSymlinks {
		fi, err := os.Lstat(path)
		if err != nil {
			return nil, 0, err
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			return nil, 0, fmt.Errorf("%s %w: point at the file itself", path, ErrSymlink)
		}
	}
	f, err := open(path, links == FollowSymlinks)
	if err != nil {
		if isLoop(err) {
			return nil, 0, fmt.Errorf("%s %w: point at the file itself", path, ErrSymlink)
		}
		return nil, 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, 0, err
	}
	if !fi.Mode().IsRegular() {
		return nil, 0, fmt.Errorf("%s %w (it is a %s): give a regular file", path, ErrNotRegular, kind(fi.Mode()))
	}
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, 0, err
	}
	if int64(len(b)) > max {
		return nil, 0, fmt.Errorf("%s %w (more than %d bytes)", path, ErrTooLarge, max)
	}
	return b, fi.Mode(), nil
}

func kind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "FIFO"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeDevice != 0:
		return "device"
	case m.IsDir():
		return "directory"
	}
	return "special file"
}

// Loose reports whether mode lets accounts other than the owner do what
// mask names (0o077: anything by group or others; 0o007: by others).
func Loose(mode fs.FileMode, mask fs.FileMode) bool {
	return mode.Perm()&mask != 0
}
