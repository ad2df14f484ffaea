// Package jobs is the payment service's timer port: its background jobs,
// each a platform.Job (docs/adr/0018-background-jobs.md).
package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/slotmesh/slotmesh/services/internal/platform"
	"github.com/slotmesh/slotmesh/services/payment/app"
)

// ReconcileRounds bounds one reconcile pass to this many provider timeouts:
// enough for a batch whose calls mostly answer; what a pass has not reached
// by then (its leases run out) is taken by the next.
const ReconcileRounds = 4

// Reconcile is the reconciler: at start and then every interval (plus up to
// a tenth) it settles what a provider left unanswered (a.Reconcile), each
// pass within ReconcileRounds provider timeouts.
func Reconcile(a *app.App, interval, providerTimeout time.Duration, log *slog.Logger) platform.Job {
	return platform.Job{
		Name:       "reconcile",
		Every:      interval,
		Jitter:     0.1,
		Timeout:    ReconcileRounds * providerTimeout,
		RunAtStart: true,
		Run: func(ctx context.Context) (bool, error) {
			start := time.Now()
			n, err := a.Reconcile(ctx)
			if err != nil && n > 0 {
				return false, fmt.Errorf("some of %d due payments stay unsettled: %w", n, err)
			}
			if err != nil {
				return false, err
			}
			if n > 0 {
				log.Debug("reconcile pass", platform.KeyCount, n, platform.KeyElapsed, time.Since(start))
			}
			return false, nil
		},
	}
}
