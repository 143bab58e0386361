package postgres

import "github.com/mcpgate/mcpgate/pkg/store"

// SetWatchHold sets the generation watch's hold (see watch.hold) of a
// store not used yet.
func SetWatchHold(st store.Store, hold func()) { st.(*pgStore).watch.hold = hold }

// SetWatchRead sets the generation watch's read hook (see watch.read)
// of a store not used yet.
func SetWatchRead(st store.Store, read func(gen int64)) { st.(*pgStore).watch.read = read }

// WatchLive reports whether Generation answers from the watch.
func WatchLive(st store.Store) bool {
	_, ok := st.(*pgStore).watch.current()
	return ok
}

// LeaseTime is how long a watch's lease lasts.
const LeaseTime = leaseTime
