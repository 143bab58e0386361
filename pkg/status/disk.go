package status

import (
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Disk is the free space of the file system holding the data dir.
type Disk struct {
	Path       string `json:"path"`
	FreeBytes  uint64 `json:"free_bytes"`
	TotalBytes uint64 `json:"total_bytes"`
	MinFree    uint64 `json:"min_free_bytes"`
	Error      string `json:"error,omitempty"`
}

// readDisk measures what an unprivileged process may still write at path.
func readDisk(path string, minFree uint64) Disk {
	d := Disk{Path: path, MinFree: minFree}
	var fs unix.Statfs_t
	if err := unix.Statfs(path, &fs); err != nil {
		d.Error = err.Error()
		return d
	}
	d.FreeBytes = fs.Bavail * uint64(fs.Bsize)
	d.TotalBytes = fs.Blocks * uint64(fs.Bsize)
	return d
}

// Bytes prints n in binary units: 1.5 GiB.
func Bytes(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit && exp < 5; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// ParseBytes reads a size: a number of bytes, or one with a KiB, MiB,
// GiB or TiB suffix (KB, MB, GB, TB and K, M, G, T mean the same).
func ParseBytes(s string) (uint64, error) {
	bad := fmt.Errorf("%q is not a size such as 1GiB or 500MiB", s)
	num := strings.TrimRight(s, "BKMGTi")
	n, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || n < 0 {
		return 0, bad
	}
	mult := map[string]float64{"": 1, "B": 1, "K": 1 << 10, "KB": 1 << 10, "KiB": 1 << 10, "M": 1 << 20, "MB": 1 << 20,
		"MiB": 1 << 20, "G": 1 << 30, "GB": 1 << 30, "GiB": 1 << 30, "T": 1 << 40, "TB": 1 << 40, "TiB": 1 << 40}
	m, ok := mult[s[len(num):]]
	if !ok || n*m > 1<<62 {
		return 0, bad
	}
	return uint64(n * m), nil
}
