package app

import (
	"context"
	"sync"
	"time"

	"github.com/slotmesh/slotmesh/services/booking/domain"
)

// Swept counts what one sweep did.
type Swept struct {
	Expired   int // BLOCKED holds past their expiry, released
	Abandoned int // open changes past their time, aborted
	Paid      int // dues paid for good
	Failed    int // dues (or rows) tried and not settled this time
	Stuck     int // dues past domain.DueStuckAfter attempts among those tried
}

// Total is everything the sweep touched.
func (s Swept) Total() int { return s.Expired + s.Abandoned + s.Paid + s.Failed }

// Sweep settles what must not be left behind, each kind on its own clock
// and no row able to hold up another:
//   - BLOCKED holds past their expiry become EXPIRED (units released; the
//     deposit key's void owed);
//   - open changes past their time are aborted (a top-up's void owed);
//   - dues whose next attempt is due are claimed (SKIP LOCKED: replicas
//     share them) and asked of payment, a few at a time, each within its
//     own deadline; one that fails is put off by its own back-off.
//
// A row's error is logged and counted, never the end of the pass; the error
// returned is the first one that stopped a kind from being read at all.
func (a *App) Sweep(ctx context.Context) (Swept, error) {
	var s Swept
	now := a.Clock.Now()
	batch := a.Cfg.SweepBatch
	if batch <= 0 {
		batch = 200
	}
	expired, err := a.Dues.Expired(ctx, now, batch)
	if err != nil {
		return s, err
	}
	for _, id := range expired {
		done, err := a.expire(ctx, id)
		if err != nil {
			s.Failed++
			a.warn("an expired hold could not be released", "booking_id", id, "error", err)
			if err := a.Dues.ExpireLater(ctx, id, now.Add(domain.DueBackoff(1, a.rand()))); err != nil {
				a.warn("putting off an expired hold", "booking_id", id, "error", err)
			}
			continue
		}
		if done {
			s.Expired++
		}
	}
	abandoned, err := a.Changes.Abandoned(ctx, now, batch)
	if err != nil {
		return s, err
	}
	for _, c := range abandoned {
		c.Abort(nil)
		var dues []domain.Due
		if c.ChargeKey != "" {
			// Its top-up may have landed: void it. Due at once (nobody is driving it).
			d := a.newDue(c.BookingID, domain.DueVoid, c.ChargeKey, 0, "booking change abandoned", false, now)
			d.NextAttemptAt = now
			dues = append(dues, d)
		}
		aborted, err := a.Changes.Abort(ctx, c, dues)
		if err != nil {
			s.Failed++
			a.warn("an abandoned change could not be aborted", "booking_id", c.BookingID, "change_id", c.ID, "error", err)
			continue
		}
		if aborted { // else it ended meanwhile: nothing was aborted or owed
			s.Abandoned++
		}
	}
	// Take no more dues than this pass can ask within their lease (each
	// call may take its whole deadline), so none is still waiting here
	// when another replica may take it.
	parallel := a.Cfg.SweepParallel
	if parallel <= 0 {
		parallel = 4
	}
	perLease := int(domain.DueLease / max(2*a.Cfg.PaymentTimeout, time.Second))
	dues, err := a.Dues.Take(ctx, now, now.Add(domain.DueLease), min(batch, max(1, parallel*perLease)))
	if err != nil {
		return s, err
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, parallel)
	for _, d := range dues {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			_, err := a.payDue(ctx, d)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				s.Failed++
				if d.Attempts+1 >= domain.DueStuckAfter {
					s.Stuck++
					a.error("a due is stuck: an operator should look (slotmesh booking dues)", "due", d.Key,
						"booking_id", d.BookingID, "kind", d.Kind, "amount", d.Amount, "attempts", d.Attempts+1, "error", err)
				} else {
					a.warn("a due was not paid yet", "due", d.Key, "booking_id", d.BookingID, "attempts", d.Attempts+1, "error", err)
				}
				return
			}
			s.Paid++
		})
	}
	wg.Wait()
	return s, nil
}

// expire releases one hold past its expiry: EXPIRED, units released, and
// the void of its deposit key owed (a charge may still land), due at once.
// It reports false when the hold was settled meanwhile (nothing changed).
func (a *App) expire(ctx context.Context, id string) (bool, error) {
	now := a.Clock.Now()
	expired := false
	b, err := a.Bookings.Change(ctx, id, func(b *domain.Booking) (*Writes, error) {
		expired = false
		if b.Status != domain.Blocked || b.ExpiresAt == nil || b.ExpiresAt.After(now) {
			return nil, nil // settled meanwhile
		}
		from := b.Status
		if b.DepositAmount > 0 {
			b.DepositStatus = domain.DepositVoidPending
		}
		if err := b.Move(domain.Expired, now); err != nil {
			return nil, err
		}
		w, err := eventWrites(ctx, *b, from)
		if err != nil {
			return nil, err
		}
		if b.DepositStatus == domain.DepositVoidPending {
			d := a.newDue(b.ID, domain.DueVoid, b.ChargeKey(), 0, "hold expired", true, now)
			d.NextAttemptAt = now // this sweep takes it next
			w.Dues = []domain.Due{d}
		}
		expired = true
		return w, nil
	})
	if err != nil {
		return false, err
	}
	if expired {
		a.saved(ctx, b)
	}
	return expired, nil
}

func (a *App) warn(msg string, args ...any) {
	if a.Log != nil {
		a.Log.Warn(msg, args...)
	}
}

func (a *App) error(msg string, args ...any) {
	if a.Log != nil {
		a.Log.Error(msg, args...)
	}
}
