package postgres

import (
	"time"

	"github.com/mcpgate/mcpgate/pkg/store"
)

// SetWatch sets the generation watch's staleness bound and hold (see
// watch.hold) of a store not used yet.
func SetWatch(st store.Store, bound time.Duration, hold func()) {
	w := st.(*pgStore).watch
	w.bound, w.hold = bound, hold
}

// WatchLive reports whether Generation answers from the watch.
func WatchLive(st store.Store) bool {
	_, ok := st.(*pgStore).watch.current()
	return ok
}
