package app

import (
	"context"
	"errors"
	"strings"

	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/services/booking/domain"
)

// Create blocks units for the requested time, charges the deposit and
// confirms: 201 CONFIRMED; 402 declined (units released at once); 409
// slot_unavailable with nearby free times; with no answer from payment the
// booking stays BLOCKED until the payment's outcome event or its expiry.
// The same Idempotency-Key returns the first outcome. The booking copies
// the vendor's terms (deposit rule, currency, cancellation window) and
// keeps them.
func (a *App) Create(ctx context.Context, cmd CreateCommand) (domain.Booking, error) {
	actor, err := cmd.authenticated()
	if err != nil {
		return domain.Booking{}, err
	}
	if err := cmd.checkKey(true); err != nil {
		return domain.Booking{}, err
	}
	r := cmd.Request
	h, err := hash(r)
	if err != nil {
		return domain.Booking{}, err
	}
	claim := Idem{UserID: actor, Key: cmd.Key, Op: "create", Hash: h}
	var f apperr.Fields
	if r.PartySize < 1 || r.PartySize > domain.MaxPartySize {
		f.Add("party_size", "must be between 1 and %d", domain.MaxPartySize)
	}
	qty := r.Quantity
	if qty == 0 {
		qty = 1
	}
	if qty < 1 || qty > domain.MaxQuantity {
		f.Add("quantity", "must be between 1 and %d", domain.MaxQuantity)
	}
	if strings.TrimSpace(r.PaymentMethod) == "" || len(r.PaymentMethod) > 200 {
		f.Add("payment_method", "is required (a payment method token or a test card such as pm_card_visa)")
	}
	if r.Start.IsZero() {
		f.Add("start", "is required (RFC 3339)")
	}
	if err := f.Err(); err != nil {
		return domain.Booking{}, err
	}
	view, err := a.fittingView(ctx, r.VendorID, r.PartySize, qty)
	if err != nil {
		return domain.Booking{}, err
	}
	v := view.v
	if !v.Active {
		return domain.Booking{}, apperr.E(apperr.RuleViolation, "this vendor is not taking bookings").With("field", "vendor_id")
	}
	now := a.Clock.Now()
	during, err := v.Resolve(r.Start, r.End, now)
	if err != nil {
		return domain.Booking{}, err
	}
	if err := domain.CheckHorizon(during.Start, now, v.HorizonDays); err != nil {
		return domain.Booking{}, err
	}
	terms := v.Terms()
	b := domain.Booking{
		ID: a.NewID(), VendorID: v.ID, UserID: actor, Status: domain.Blocked, During: during,
		PartySize: r.PartySize, Quantity: qty, Terms: terms, DepositAmount: terms.Deposit(r.PartySize, qty),
		DepositCurrency: v.DepositCurrency, DepositStatus: domain.DepositPending, PaymentMethod: r.PaymentMethod,
		Version: 1, CreatedAt: now, UpdatedAt: now,
	}
	if b.DepositAmount == 0 { // nothing to pay: confirmed at once
		b.Status, b.DepositStatus = domain.Confirmed, domain.DepositNone
	} else {
		exp := now.Add(a.Cfg.HoldTTL)
		b.ExpiresAt = &exp
	}
	var held domain.Booking
	var replay *Replay
	for attempt := 0; ; attempt++ {
		// The outcome stored with the key is the bare slot_unavailable; the
		// nearby free times are computed fresh, outside the transaction.
		held, replay, err = a.Bookings.Hold(ctx, claim, b, func(b domain.Booking, from string) ([]contracts.Event, error) {
			return event(ctx, b, from, "")
		}, func() error { return apperr.E(apperr.SlotUnavailable, "no free unit for %d at that time", r.PartySize) })
		if !errors.Is(err, ErrOverlap) || attempt >= a.Cfg.Retries {
			break
		}
	}
	if replay != nil && replay.Err != nil {
		err = replay.Err
	}
	if errors.Is(err, ErrOverlap) || apperr.Is(err, apperr.SlotUnavailable) {
		return domain.Booking{}, a.nearby(ctx, v, during, r.PartySize, qty)
	}
	if err != nil {
		return domain.Booking{}, err
	}
	if replay != nil {
		return a.Bookings.Get(ctx, replay.BookingID)
	}
	a.saved(ctx, held)
	if held.Status == domain.Confirmed {
		return held, nil
	}
	return a.pay(ctx, claim, held)
}

// pay charges a BLOCKED booking's deposit outside any transaction, then
// settles it in a second short one.
func (a *App) pay(ctx context.Context, claim Idem, b domain.Booking) (domain.Booking, error) {
	pctx, cancel := context.WithTimeout(ctx, a.Cfg.PaymentTimeout)
	status, decline, err := a.Payments.Charge(pctx, b.ChargeKey(), b.ID, b.UserID, b.DepositAmount, b.DepositCurrency, b.PaymentMethod)
	cancel()
	if err != nil {
		// No answer: the hold stays BLOCKED; the payment outcome event or the
		// expiry sweeper settles it. The caller sees BLOCKED (202).
		return b, nil
	}
	return a.settle(ctx, &claim, b.ID, status, decline)
}

// settle applies a payment outcome to a booking: succeeded confirms a
// BLOCKED booking (or, if it is no longer BLOCKED, owes the money back: a
// void of the deposit key, written with the decision); failed or voided
// fails it and releases its units at once.
func (a *App) settle(ctx context.Context, claim *Idem, id, status, decline string) (domain.Booking, error) {
	var owed []domain.Due
	b, err := a.Bookings.Change(ctx, id, func(b *domain.Booking) (*Writes, error) {
		owed = nil
		from := b.Status
		now := a.Clock.Now()
		switch {
		case status == PaySucceeded && b.Status == domain.Blocked:
			b.DepositStatus = domain.DepositCharged
			if err := b.Move(domain.Confirmed, now); err != nil {
				return nil, err
			}
			return eventWrites(ctx, *b, from)
		case status == PaySucceeded && b.DepositStatus == domain.DepositPending:
			// Charged after the hold expired (or failed): the money goes back.
			b.DepositStatus = domain.DepositVoidPending
			b.Version++
			b.UpdatedAt = now
			owed = []domain.Due{a.newDue(b.ID, domain.DueVoid, b.ChargeKey(), 0, "charged after the hold ended", true, now)}
			return &Writes{Dues: owed}, nil
		case (status == PayFailed || status == PayVoided) && b.Status == domain.Blocked:
			b.DepositStatus = domain.DepositFailed
			if status == PayVoided {
				b.DepositStatus = domain.DepositVoided
			}
			if err := b.Move(domain.Failed, now); err != nil {
				return nil, err
			}
			return eventWrites(ctx, *b, from)
		}
		return nil, nil
	})
	if err != nil {
		return domain.Booking{}, err
	}
	a.saved(ctx, b)
	b = a.payNow(ctx, b, owed)
	if b.Status == domain.Failed && (status == PayFailed || status == PayVoided) {
		declined := apperr.E(apperr.PaymentDeclined, "the deposit payment was declined; the slot was released").
			With("decline_code", decline).With("booking_id", b.ID)
		if claim != nil {
			if err := a.Bookings.RecordOutcome(ctx, *claim, declined); err != nil {
				return domain.Booking{}, err
			}
		}
		return b, declined
	}
	if status == PaySucceeded && b.Status != domain.Confirmed && claim != nil {
		return b, apperr.E(apperr.InvalidState, "the hold ended before the payment landed; the deposit is being returned").
			With("booking_id", b.ID)
	}
	return b, nil
}

// SettlePayment applies a payment outcome event (the charge answered late).
func (a *App) SettlePayment(ctx context.Context, bookingID, status, decline string) error {
	_, err := a.settle(ctx, nil, bookingID, status, decline)
	if apperr.Is(err, apperr.PaymentDeclined) || apperr.Is(err, apperr.NotFound) {
		return nil // settled (or not ours)
	}
	return err
}
