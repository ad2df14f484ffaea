// Package reconciler is the payment service's timer port: a loop that runs
// the app's reconcile pass every interval until stopped, and logs what went
// wrong (the edge where background errors are logged, once each).
package reconciler

import (
	"context"
	"log/slog"
	"time"

	"github.com/slotmesh/slotmesh/services/internal/platform"
	"github.com/slotmesh/slotmesh/services/payment/app"
)

// Reconciler runs app.Reconcile on a timer.
type Reconciler struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// Start runs passes every interval (and one at once) until Stop.
func Start(a *app.App, interval time.Duration, log *slog.Logger) *Reconciler {
	ctx, cancel := context.WithCancel(context.Background())
	r := &Reconciler{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			start := time.Now()
			n, err := a.Reconcile(ctx)
			if err != nil && ctx.Err() == nil {
				log.Warn("reconcile pass: some payments stay unsettled", platform.KeyCount, n,
					platform.KeyElapsed, time.Since(start), platform.KeyError, err)
			} else if n > 0 {
				log.Debug("reconcile pass", platform.KeyCount, n, platform.KeyElapsed, time.Since(start))
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return r
}

// Stop ends the loop and waits for a pass in progress (its provider calls
// are cancelled).
func (r *Reconciler) Stop() {
	r.cancel()
	<-r.done
}
