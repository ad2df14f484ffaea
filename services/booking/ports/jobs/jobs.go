// Package jobs is the booking service's timer port: its background jobs,
// each a platform.Job (docs/adr/0018-background-jobs.md).
package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/slotmesh/slotmesh/services/booking/app"
	"github.com/slotmesh/slotmesh/services/internal/platform"
)

// SweepTimeout bounds one sweep: what it has not reached by then waits for
// the next one.
const SweepTimeout = time.Minute

// Sweep is the sweeper: every interval (plus up to a tenth) it expires
// holds past their time, aborts abandoned changes and settles dues (a.Sweep).
func Sweep(a *app.App, every time.Duration, log *slog.Logger) platform.Job {
	return platform.Job{
		Name:    "sweep",
		Every:   every,
		Jitter:  0.1,
		Timeout: SweepTimeout,
		Run: func(ctx context.Context) (bool, error) {
			s, err := a.Sweep(ctx)
			if err == nil && s.Total() > 0 {
				log.Debug("swept", "expired", s.Expired, "abandoned", s.Abandoned, "paid", s.Paid, "failed", s.Failed, "stuck", s.Stuck)
			}
			return false, err
		},
	}
}
