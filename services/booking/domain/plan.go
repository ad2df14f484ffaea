package domain

import (
	"time"

	"github.com/slotmesh/slotmesh/contracts/apperr"
)

// The money decisions of a booking's changes. Each Plan* reads the booking
// as it is (locked) and says what the change does and what money must move;
// the app carries it out (charges before, refunds and voids as dues).

// Reschedule is a planned move of a booking to another range and/or party
// size, with what it costs: the deposit it will then hold, and the
// difference to charge first (TopUp) or to give back after (Refund).
type Reschedule struct {
	During    Range
	PartySize int
	Deposit   int64
	TopUp     int64
	Refund    int64
}

// PlanReschedule plans moving a CONFIRMED booking to during with party
// guests, priced by the booking's own terms.
func (b Booking) PlanReschedule(during Range, party int) (Reschedule, error) {
	if b.Status != Confirmed {
		return Reschedule{}, apperr.E(apperr.InvalidState, "only a CONFIRMED booking can be changed").With("status", b.Status)
	}
	if party < 1 || party > MaxPartySize {
		return Reschedule{}, apperr.Field("party_size", "must be between 1 and %d", MaxPartySize)
	}
	r := Reschedule{During: during, PartySize: party, Deposit: b.Terms.Deposit(party, b.Quantity)}
	switch diff := r.Deposit - b.DepositAmount; {
	case diff > 0:
		r.TopUp = diff
	case diff < 0:
		r.Refund = -diff
	}
	return r, nil
}

// Changes reports whether the plan changes the booking at all.
func (r Reschedule) Changes(b Booking) bool {
	return !r.During.Start.Equal(b.During.Start) || !r.During.End.Equal(b.During.End) || r.PartySize != b.PartySize
}

// Reschedule applies a planned move (its units are the repository's).
func (b *Booking) Reschedule(r Reschedule, now time.Time) {
	b.During, b.PartySize, b.DepositAmount = r.During, r.PartySize, r.Deposit
	b.touch(now)
}

// Ending is a planned end of a CONFIRMED booking: the status it ends in,
// what is refunded (a due written with it) and why.
type Ending struct {
	Status string
	Refund int64 // given back; 0 with a deposit: it is kept
	Reason string
}

// PlanCancel plans a cancellation. A guest gets the deposit back before the
// booking's free-cancellation window closes and not after; a cancellation by
// the vendor's side (an owner or a manager) always gives all of it back.
func (b Booking) PlanCancel(byVendor bool, now time.Time) (Ending, error) {
	if err := b.canEnd(Cancelled); err != nil {
		return Ending{}, err
	}
	e := Ending{Status: Cancelled}
	switch {
	case b.DepositAmount == 0:
		e.Reason = "cancelled"
	case byVendor:
		e.Refund, e.Reason = b.DepositAmount, "cancelled by the vendor: the deposit is refunded in full"
	case b.Terms.FreeCancel(b.During.Start, now):
		e.Refund, e.Reason = b.DepositAmount, "cancelled before the free-cancellation window closed"
	default:
		e.Reason = "cancelled inside the free-cancellation window: the deposit is kept"
	}
	return e, nil
}

// PlanAvail plans marking the booking AVAILED (the bill is settled): the
// deposit is given back.
func (b Booking) PlanAvail() (Ending, error) {
	if err := b.canEnd(Availed); err != nil {
		return Ending{}, err
	}
	return Ending{Status: Availed, Refund: b.DepositAmount, Reason: "bill settled"}, nil
}

// PlanNoShow plans marking the booking NO_SHOW, from NoShowGrace after its
// start: the deposit is kept.
func (b Booking) PlanNoShow(now time.Time) (Ending, error) {
	if err := b.canEnd(NoShow); err != nil {
		return Ending{}, err
	}
	if err := CheckNoShow(b.During.Start, now); err != nil {
		return Ending{}, err
	}
	return Ending{Status: NoShow, Reason: "no-show: the deposit is kept"}, nil
}

func (b Booking) canEnd(to string) error {
	if b.Status == to {
		return apperr.E(apperr.InvalidState, "the booking is already %s", b.Status).With("status", b.Status)
	}
	if !CanMove(b.Status, to) {
		return apperr.E(apperr.InvalidState, "a %s booking cannot become %s", b.Status, to).With("status", b.Status)
	}
	return nil
}

// End applies a planned ending: the status moves, and a charged deposit is
// either refund_pending (its refund is a due) or kept.
func (b *Booking) End(e Ending, now time.Time) error {
	if err := b.Move(e.Status, now); err != nil {
		return err
	}
	b.RefundReason = e.Reason
	if b.DepositStatus != DepositCharged {
		return nil
	}
	if e.Refund > 0 {
		b.DepositStatus, b.RefundAmount = DepositRefundPending, e.Refund
	} else {
		b.DepositStatus = DepositKept
	}
	return nil
}

// CheckHorizon refuses a start further ahead than the vendor books.
func CheckHorizon(start, now time.Time, days int) error {
	if days <= 0 {
		days = DefaultHorizonDays
	}
	if start.After(now.AddDate(0, 0, days)) {
		return apperr.E(apperr.RuleViolation, "bookings can start at most %d days ahead, until %s", days,
			now.AddDate(0, 0, days).Format(time.RFC3339)).With("field", "start")
	}
	return nil
}

// DefaultHorizonDays is how far ahead a vendor books unless it says.
const DefaultHorizonDays = 365
