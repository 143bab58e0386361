//go:build !linux

package nodump

// Set does nothing on this system.
func Set() error { return nil }

// Dumpable is always true on this system: Set cannot change it.
func Dumpable() (bool, error) { return true, nil }
