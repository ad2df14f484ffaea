package domain

import (
	"time"

	"github.com/slotmesh/slotmesh/contracts/apperr"
)

// States of a booking.
const (
	Blocked   = "BLOCKED"
	Confirmed = "CONFIRMED"
	Failed    = "FAILED"
	Expired   = "EXPIRED"
	Cancelled = "CANCELLED"
	Availed   = "AVAILED"
	NoShow    = "NO_SHOW"
)

// Deposit statuses.
const (
	DepositNone          = "none"
	DepositPending       = "pending"
	DepositCharged       = "charged"
	DepositFailed        = "failed"
	DepositKept          = "kept"
	DepositRefundPending = "refund_pending"
	DepositRefunded      = "refunded"
	DepositVoidPending   = "void_pending"
	DepositVoided        = "voided"
)

// NoShowGrace is how long after start a no-show may be declared.
const NoShowGrace = 15 * time.Minute

// transitions is the state machine.
var transitions = map[string][]string{
	Blocked:   {Confirmed, Failed, Expired},
	Confirmed: {Cancelled, Availed, NoShow},
}

// CanMove reports whether from -> to is allowed.
func CanMove(from, to string) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Active reports whether a booking in status holds its units.
func Active(status string) bool { return status == Blocked || status == Confirmed }

// Booking is the aggregate.
type Booking struct {
	ID              string
	VendorID        string
	UserID          string
	Status          string
	During          Range
	PartySize       int
	Quantity        int
	DepositAmount   int64
	DepositCurrency string
	DepositStatus   string
	PaymentMethod   string
	RefundAmount    int64
	RefundReason    string
	FinalKey        string      // the Idempotency-Key of the request that ended it ("" none)
	Owed            *OwedRefund // set by a change that owes money back: saved with it (not a column)
	ExpiresAt       *time.Time
	Version         int64
	CreatedAt       time.Time
	UpdatedAt       time.Time
	Units           []HeldUnit
}

// HeldUnit is a unit a booking holds.
type HeldUnit struct {
	ID       string
	Name     string
	Capacity int
}

// ChargeKey is the payment idempotency key of the booking's deposit.
func (b Booking) ChargeKey() string { return "booking:" + b.ID + ":deposit" }

// Move changes the status, checking the state machine.
func (b *Booking) Move(to string, now time.Time) error {
	if !CanMove(b.Status, to) {
		return apperr.E(apperr.InvalidState, "a %s booking cannot become %s", b.Status, to).
			With("status", b.Status)
	}
	b.Status = to
	b.Version++
	b.UpdatedAt = now
	if to != Blocked {
		b.ExpiresAt = nil
	}
	return nil
}

// CancelRefunds reports whether cancelling at now refunds the deposit: before
// the vendor's free-cancellation window closes.
func CancelRefunds(start, now time.Time, freeHours int) bool {
	return now.Before(start.Add(-time.Duration(freeHours) * time.Hour))
}

// CheckNoShow says whether a no-show may be declared at now.
func CheckNoShow(start, now time.Time) error {
	if now.Before(start.Add(NoShowGrace)) {
		return apperr.E(apperr.InvalidState, "a no-show can be declared %s after the start, from %s",
			NoShowGrace, start.Add(NoShowGrace).Format(time.RFC3339)).With("field", "start")
	}
	return nil
}
