package connectortest

import (
	"bytes"
	"log/slog"
	"sync"
)

// NewLog returns a logger for the connector under test and, for
// Suite.Log, a function that returns all it has logged so far. Both are
// safe for concurrent use.
func NewLog() (*slog.Logger, func() string) {
	b := &lockedBuffer{}
	return slog.New(slog.NewJSONHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})), b.String
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
