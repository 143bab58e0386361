package postgres

import "github.com/mcpgate/mcpgate/pkg/store"

// SetWatchHold sets the generation watch's hold (see watch.hold) of a
// store not used yet.
func SetWatchHold(st store.Store, hold func()) { st.(*pgStore).watch.hold = hold }

// WatchLive reports whether Generation answers from the watch.
func WatchLive(st store.Store) bool {
	_, ok := st.(*pgStore).watch.current()
	return ok
}

// LeaseTime is how long a watch's lease lasts.
const LeaseTime = leaseTime
