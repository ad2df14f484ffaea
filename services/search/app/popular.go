package app

import (
	"sync"
	"time"
)

// PopularWindow is how recently a replica must have answered the same
// normalised request for the next one to use searchdata_cache. A query
// asked once (a phone's own position, a dragged map) never hits, so it
// skips the cache's two round trips (GET, then SET) altogether; one asked
// again within the window reads the cache and fills it on a miss.
const PopularWindow = 10 * time.Second

// recentSlots is the doorkeeper's size: a direct-mapped table of request
// hashes, so a busy replica forgets the oldest one-offs first.
const recentSlots = 1 << 14

// recent is the doorkeeper: it remembers when each request hash was last
// answered. A collision only makes a query look new (one more engine
// answer), never serves anything stale: the cache's TTL still bounds every
// entry. The zero value is ready.
type recent struct {
	mu    sync.Mutex
	slots [recentSlots]struct {
		key uint64
		at  int64 // unix nanoseconds
	}
}

// seen records key at now and reports whether it was recorded within
// PopularWindow before.
func (r *recent) seen(key uint64, now time.Time) bool {
	t := now.UnixNano()
	r.mu.Lock()
	defer r.mu.Unlock()
	s := &r.slots[key%recentSlots]
	hit := s.key == key && s.at != 0 && t-s.at < int64(PopularWindow)
	s.key, s.at = key, t
	return hit
}
