// Package jobs is the search service's timer port: its background jobs,
// each a platform.Job (docs/adr/0018-background-jobs.md).
package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/slotmesh/slotmesh/services/internal/platform"
)

// Bookings that ended PruneAfter ago are forgotten every PruneEvery (plus
// up to a fifth), each prune within PruneTimeout.
const (
	PruneAfter   = 24 * time.Hour
	PruneEvery   = 10 * time.Minute
	PruneTimeout = time.Minute
)

// Pruner forgets the bookings that ended before a time, reporting how many.
type Pruner interface {
	Prune(ctx context.Context, endedBefore time.Time) (int64, error)
}

// Prune forgets long-finished bookings (any replica may; deleting twice is
// harmless, and the jitter keeps replicas from doing it in step).
func Prune(store Pruner, log *slog.Logger) platform.Job {
	return platform.Job{
		Name:    "prune",
		Every:   PruneEvery,
		Jitter:  0.2,
		Timeout: PruneTimeout,
		Run: func(ctx context.Context) (bool, error) {
			n, err := store.Prune(ctx, time.Now().Add(-PruneAfter))
			if err == nil && n > 0 {
				log.Debug("pruned finished bookings", platform.KeyCount, n)
			}
			return false, err
		},
	}
}
