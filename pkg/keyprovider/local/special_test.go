//go:build unix

package local_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/keyprovider/local"
)

// A KEK path that is a FIFO fails at once (it used to block forever, deaf
// to Ctrl-C), and a symbolic link is refused even to a good key file.
func TestLoadRefusesFIFOsAndSymlinks(t *testing.T) {
	good := newKEK(t)
	dir := t.TempDir()
	fifo := filepath.Join(dir, "kek-fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "kek-link")
	if err := os.Symlink(good, link); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, path, want string }{
		{"a FIFO", fifo, "is not a regular file (it is a FIFO)"},
		{"a symlink to a good KEK", link, "is a symbolic link: point at the file itself"},
		{"a directory", dir, "is not a regular file (it is a directory)"},
	}
	for _, tt := range tests {
		done := make(chan error, 1)
		go func() {
			_, err := local.Load(tt.path)
			done <- err
		}()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%s: got %v, want an error saying %q", tt.name, err, tt.want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: Load blocked", tt.name)
		}
	}
}
