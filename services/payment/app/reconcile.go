package app

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/services/payment/domain"
)

// stuckRecheck is how long a void whose refunds the provider keeps refusing
// waits before it is looked at (and reported) again.
const stuckRecheck = time.Hour

// Reconcile is one pass of the reconciler: it drives every payment whose work
// is due (its lease ran out), at most Options.Batch of them,
// Options.Parallel at a time. A pending charge is asked of the provider again
// with its key, or given up as failed (provider_timeout) once it has had
// Options.MaxAttempts calls; a pending refund is asked again; a voided key
// that still holds money gets its refund. It returns how many payments it
// looked at and what went wrong (provider errors included), joined.
func (a *App) Reconcile(ctx context.Context) (int, error) {
	o := a.opts()
	keys, err := a.Repo.Due(ctx, a.Clock.Now(), o.Batch)
	if err != nil {
		return 0, fmt.Errorf("due payments: %w", err)
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
		sem  = make(chan struct{}, o.Parallel)
	)
	for _, key := range keys {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := a.reconcileKey(ctx, key); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("payment %q: %w", key, err))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return len(keys), errors.Join(errs...)
}

func (a *App) reconcileKey(ctx context.Context, key string) error {
	o := a.opts()
	var (
		charge  bool
		refunds []domain.Refund
		stuck   bool
	)
	p, err := a.update(ctx, key, func(p *domain.Payment) ([]contracts.Event, error) {
		now := a.Clock.Now()
		charge, refunds, stuck = false, nil, false
		var events []contracts.Event
		if p.Status == domain.Pending && !now.Before(p.LeaseUntil) {
			if p.Attempts >= o.MaxAttempts {
				p.GiveUp(now)
				evs, err := settledEvent(ctx, *p)
				if err != nil {
					return nil, err
				}
				events = append(events, evs...)
			} else {
				p.Attempts++
				p.LeaseUntil = now.Add(o.Lease)
				charge = true
			}
		}
		for i := range p.Refunds {
			r := &p.Refunds[i]
			if r.Status == domain.RefundPending && !now.Before(r.LeaseUntil) {
				r.Attempts++
				r.LeaseUntil = now.Add(refundBackoff(o.Lease, r.Attempts))
				refunds = append(refunds, *r)
			}
		}
		if p.OwesVoidRefund() && !now.Before(p.LeaseUntil) {
			if r, ok := p.StartVoidRefund(a.NewID(), now, now.Add(o.Lease)); ok {
				refunds = append(refunds, r)
				p.LeaseUntil = now.Add(o.Lease)
			} else if p.Reserved() == 0 {
				stuck = true
				p.LeaseUntil = now.Add(stuckRecheck)
			}
		}
		if !charge && len(refunds) == 0 && len(events) == 0 && !stuck {
			return nil, errNotDue // another replica took it, or it settled
		}
		return events, nil
	})
	if errors.Is(err, errNotDue) {
		return nil
	}
	if err != nil {
		return err
	}
	var errs []error
	if stuck {
		errs = append(errs, fmt.Errorf("voided key still holds %d %s: the provider refused its refunds; it needs an operator", p.Left(), p.Currency))
	}
	if charge {
		dctx, cancel := context.WithTimeout(ctx, o.ProviderTimeout+time.Second)
		settled, err := a.driveCharge(dctx, p)
		cancel()
		if err != nil {
			errs = append(errs, err)
		} else {
			p = settled
		}
	}
	for _, r := range refunds {
		dctx, cancel := context.WithTimeout(ctx, o.ProviderTimeout+time.Second)
		_, _, err := a.driveRefund(dctx, p, r)
		cancel()
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
