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

// Limits of a booking.
const (
	MaxPartySize = 100
	MaxQuantity  = 20
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
	Terms           Terms // the money rules it was made under
	DepositAmount   int64
	DepositCurrency string
	DepositStatus   string
	PaymentMethod   string
	RefundAmount    int64
	RefundReason    string
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

// RefundKey is the key of the refund that ends the booking (cancel, avail):
// a booking ends once, so the key is its ending request's alone.
func (b Booking) RefundKey() string { return "booking:" + b.ID + ":refund" }

// Move changes the status, checking the state machine.
func (b *Booking) Move(to string, now time.Time) error {
	if !CanMove(b.Status, to) {
		return apperr.E(apperr.InvalidState, "a %s booking cannot become %s", b.Status, to).
			With("status", b.Status)
	}
	b.Status = to
	b.touch(now)
	if to != Blocked {
		b.ExpiresAt = nil
	}
	return nil
}

// touch makes a new version.
func (b *Booking) touch(now time.Time) {
	b.Version++
	b.UpdatedAt = now
}

// Holds reports the money the booking says it holds once every due of it
// is paid: its deposit while charged (or kept), nothing otherwise. The
// payment ledger's net for the booking must come to this (the money
// invariant).
func (b Booking) Holds() int64 {
	switch b.DepositStatus {
	case DepositCharged, DepositKept:
		return b.DepositAmount
	}
	return 0
}

// SettleDeposit records that the due settling the deposit was paid: a
// refund gave it back; a void ended with payment status (refunded: it had
// been taken and went back; voided or failed: nothing was taken). It
// reports whether anything changed (a new version).
func (b *Booking) SettleDeposit(kind, paymentStatus string, now time.Time) bool {
	switch {
	case kind == DueRefund && b.DepositStatus == DepositRefundPending:
		b.DepositStatus = DepositRefunded
	case kind == DueVoid && b.DepositStatus == DepositVoidPending && paymentStatus == PaymentRefunded:
		b.DepositStatus = DepositRefunded
		b.RefundAmount = b.DepositAmount
	case kind == DueVoid && b.DepositStatus == DepositVoidPending:
		b.DepositStatus = DepositVoided
	default:
		return false
	}
	b.touch(now)
	return true
}

// Payment statuses a void answers with (contracts/payment).
const (
	PaymentSucceeded = "succeeded"
	PaymentFailed    = "failed"
	PaymentVoided    = "voided"
	PaymentRefunded  = "refunded"
)

// CheckNoShow says whether a no-show may be declared at now.
func CheckNoShow(start, now time.Time) error {
	if now.Before(start.Add(NoShowGrace)) {
		return apperr.E(apperr.InvalidState, "a no-show can be declared %s after the start, from %s",
			NoShowGrace, start.Add(NoShowGrace).Format(time.RFC3339)).With("field", "start")
	}
	return nil
}
