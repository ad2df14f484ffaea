package app

import (
	"context"
	"errors"
	"time"

	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/services/internal/backoff"
	"github.com/slotmesh/slotmesh/services/internal/clock"
	"github.com/slotmesh/slotmesh/services/payment/domain"
)

// Refund gives back part or all (amount 0) of a succeeded charge, once per
// refund key. It reserves the amount under the payment's lock (so concurrent
// refunds never give back more than was taken), asks the provider with the
// refund key as idempotency key, then records the answer with its event. An
// amount over what is left is apperr.RuleViolation; a payment that is not
// succeeded is apperr.InvalidState. A provider refusal answers the refund
// with status failed; no answer leaves it pending for the reconciler.
func (a *App) Refund(ctx context.Context, req domain.RefundRequest) (domain.Refund, error) {
	if err := req.Validate(); err != nil {
		return domain.Refund{}, err
	}
	chargeKey, err := a.Repo.ChargeKeyOfRefund(ctx, req.Key)
	switch {
	case err == nil:
		if chargeKey != req.ChargeKey {
			return domain.Refund{}, refundMismatch("charge_key")
		}
		p, err := a.Repo.Get(ctx, chargeKey)
		if err != nil {
			return domain.Refund{}, err
		}
		return a.replayRefund(ctx, p, req)
	case !apperr.Is(err, apperr.NotFound):
		return domain.Refund{}, err
	}
	var r domain.Refund
	replay := false
	p, err := a.update(ctx, req.ChargeKey, func(p *domain.Payment) ([]contracts.Event, error) {
		r, replay = domain.Refund{}, false // a retried transaction starts afresh
		if p.RefundByKey(req.Key) != nil { // a concurrent request with this key got here first
			replay = true
			return nil, nil
		}
		now := a.Clock.Now()
		var err error
		r, err = p.RequestRefund(a.NewID(), req, now, now.Add(a.opts().Lease))
		return nil, err
	})
	if apperr.Is(err, apperr.NotFound) {
		return domain.Refund{}, apperr.E(apperr.NotFound, "no charge has this key").With("field", "charge_key")
	}
	if err != nil {
		return domain.Refund{}, err
	}
	if replay {
		return a.replayRefund(ctx, p, req)
	}
	_, r, err = a.driveRefund(ctx, p, r)
	return r, err
}

func refundMismatch(field string) error {
	return apperr.E(apperr.IdempotencyKey, "this refund key was used for a different request (%s differs)", field).With("field", field)
}

// replayRefund answers a refund key seen before: the stored outcome, after
// waiting for it (or driving it) if it is still pending.
func (a *App) replayRefund(ctx context.Context, p domain.Payment, req domain.RefundRequest) (domain.Refund, error) {
	r := p.RefundByKey(req.Key)
	if r == nil {
		return domain.Refund{}, apperr.E(apperr.NotFound, "refund not found")
	}
	if r.Requested != req.Amount {
		return domain.Refund{}, refundMismatch("amount")
	}
	return a.awaitRefund(ctx, p, req.Key)
}

// awaitRefund waits, like await, for a pending refund's answer; a refund
// whose lease ran out is taken over and driven here.
func (a *App) awaitRefund(ctx context.Context, p domain.Payment, key string) (domain.Refund, error) {
	o := a.opts()
	deadline := replyDeadline(ctx, o)
	for {
		r := p.RefundByKey(key)
		if r == nil {
			return domain.Refund{}, apperr.E(apperr.NotFound, "refund not found")
		}
		if r.Status != domain.RefundPending {
			return *r, nil
		}
		if !a.Clock.Now().Before(r.LeaseUntil) {
			claimed, err := a.claimRefund(ctx, p.Key, key)
			if err == nil {
				_, out, err := a.driveRefund(ctx, claimed, *claimed.RefundByKey(key))
				return out, err
			}
			if !errors.Is(err, errNotDue) {
				return domain.Refund{}, err
			}
		}
		if time.Now().Add(o.Poll).After(deadline) || !clock.Sleep(ctx, o.Poll) {
			return *r, nil
		}
		var err error
		if p, err = a.Repo.Get(ctx, p.Key); err != nil {
			return domain.Refund{}, err
		}
	}
}

// claimRefund takes over a pending refund whose lease ran out.
func (a *App) claimRefund(ctx context.Context, chargeKey, key string) (domain.Payment, error) {
	o := a.opts()
	return a.update(ctx, chargeKey, func(p *domain.Payment) ([]contracts.Event, error) {
		now := a.Clock.Now()
		r := p.RefundByKey(key)
		if r == nil || r.Status != domain.RefundPending || now.Before(r.LeaseUntil) {
			return nil, errNotDue
		}
		r.Attempts++
		r.LeaseUntil = now.Add(refundBackoff(o.Lease, r.Attempts))
		return nil, nil
	})
}

// refundBackoff is the lease of a refund's nth attempt: refunds are never
// given up on (money is owed), but a provider that keeps failing is asked
// less and less often, at most every 10 minutes. No jitter: the wait is
// also the lease the caller holds while it asks the provider, which a
// shorter draw would cut below Options.Lease.
func refundBackoff(lease time.Duration, attempt int) time.Duration {
	return backoff.Exp{Min: lease, Max: max(lease, 10*time.Minute)}.Base(attempt)
}

// driveRefund asks the provider for a pending refund this caller owns and
// records the answer: succeeded (money given back, EventRefunded) or failed
// (refused; the reservation is released).
func (a *App) driveRefund(ctx context.Context, p domain.Payment, r domain.Refund) (domain.Payment, domain.Refund, error) {
	pctx, cancel := a.providerContext(ctx)
	ref, perr := a.Provider.Refund(pctx, r.Key, p.ProviderRef, r.Amount)
	cancel()
	if perr != nil && !errors.Is(perr, ErrRefused) {
		return p, r, providerError(perr, pctx, "refund", r.Key)
	}
	if perr == nil && ref == "" {
		return p, r, apperr.E(apperr.Unavailable, "payment provider gave no refund reference").With("key", r.Key)
	}
	p, err := a.update(ctx, p.Key, func(p *domain.Payment) ([]contracts.Event, error) {
		now := a.Clock.Now()
		if perr != nil {
			p.FailRefund(r.Key, RefusalCode(perr), now)
			return nil, nil
		}
		if !p.SettleRefund(r.Key, ref, now) {
			return nil, nil
		}
		e, err := refundEvent(ctx, *p.RefundByKey(r.Key))
		return []contracts.Event{e}, err
	})
	if err != nil {
		return p, r, err
	}
	if got := p.RefundByKey(r.Key); got != nil {
		r = *got
	}
	return p, r, nil
}

// Refusal is a definite refusal of a refund, with the provider's code.
type Refusal struct{ Code string }

func (e *Refusal) Error() string { return ErrRefused.Error() + ": " + e.Code }

// Is makes errors.Is(err, ErrRefused) true.
func (e *Refusal) Is(target error) bool { return target == ErrRefused }

// Refused is the error a provider returns for a refund it definitely refused.
func Refused(code string) error {
	if code == "" {
		code = "refused"
	}
	return &Refusal{Code: code}
}

// RefusalCode is the provider's code of a refusal ("refused" if it gave none).
func RefusalCode(err error) string {
	var r *Refusal
	if errors.As(err, &r) {
		return r.Code
	}
	return "refused"
}

// replyDeadline is when a waiting caller stops polling: the request's
// deadline less a reserve to answer, or the provider timeout without one.
func replyDeadline(ctx context.Context, o Options) time.Time {
	if dl, ok := ctx.Deadline(); ok {
		rem := time.Until(dl)
		return time.Now().Add(rem - min(rem/5, 500*time.Millisecond))
	}
	return time.Now().Add(o.ProviderTimeout)
}
