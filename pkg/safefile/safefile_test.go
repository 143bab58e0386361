//go:build unix

package safefile_test

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/mcpgate/mcpgate/pkg/safefile"
)

func TestReadAcceptsOnlyRegularFiles(t *testing.T) {
	dir := t.TempDir()
	regular := filepath.Join(dir, "regular")
	if err := os.WriteFile(regular, []byte("token"), 0o600); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(regular, link); err != nil {
		t.Fatal(err)
	}
	linkToFIFO := filepath.Join(dir, "link-to-fifo")
	if err := os.Symlink(fifo, linkToFIFO); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, make([]byte, 65), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		path  string
		links safefile.Symlinks
		want  error // nil: reads "token"
	}{
		{"a regular file", regular, safefile.NoSymlinks, nil},
		{"a FIFO", fifo, safefile.NoSymlinks, safefile.ErrNotRegular},
		{"a FIFO, links followed", fifo, safefile.FollowSymlinks, safefile.ErrNotRegular},
		{"a directory", dir, safefile.FollowSymlinks, safefile.ErrNotRegular},
		{"a device", "/dev/zero", safefile.FollowSymlinks, safefile.ErrNotRegular},
		{"a symlink, refused", link, safefile.NoSymlinks, safefile.ErrSymlink},
		{"a symlink to a regular file, followed", link, safefile.FollowSymlinks, nil},
		{"a symlink to a FIFO, followed", linkToFIFO, safefile.FollowSymlinks, safefile.ErrNotRegular},
		{"too large", big, safefile.NoSymlinks, safefile.ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			type result struct {
				b   []byte
				err error
			}
			done := make(chan result, 1)
			go func() {
				b, _, err := safefile.Read(tt.path, 64, tt.links)
				done <- result{b, err}
			}()
			var r result
			select {
			case r = <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("Read blocked")
			}
			if tt.want == nil {
				if r.err != nil || string(r.b) != "token" {
					t.Fatalf("got %q, %v; want the content", r.b, r.err)
				}
				return
			}
			if !errors.Is(r.err, tt.want) {
				t.Fatalf("got %v, want %v", r.err, tt.want)
			}
		})
	}
}
