// Package domain holds the payment aggregate: a charge protected by an
// idempotency key, the refunds given back against it, and the rules that keep
// the ledger explainable (never more given back than taken; a voided key never
// keeps money). No I/O.
package domain

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/currency"

	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/services/internal/ident"
)

// Limits of input.
const (
	MaxKeyLen    = 200        // characters of an idempotency key
	MaxAmount    = 10_000_000 // minor units: 100,000.00
	MaxMethodLen = 200
	MaxUserIDLen = 100
	MaxReasonLen = 500
)

// Payment statuses (the wire's spelling).
const (
	Pending   = "pending"   // the provider has not answered yet
	Succeeded = "succeeded" // money taken
	Failed    = "failed"    // declined (or given up on); nothing taken
	Voided    = "voided"    // the key was voided before any charge: it is spent
	Refunded  = "refunded"  // taken, then given back in full
)

// Refund statuses.
const (
	RefundPending   = "pending"
	RefundSucceeded = "succeeded"
	RefundFailed    = "failed" // the provider refused; the amount may be asked again
)

// DeclineProviderTimeout is the decline code of a charge the provider never
// answered, given up after the configured number of attempts.
const DeclineProviderTimeout = "provider_timeout"

// MaxVoidRefunds is how many refunds a void makes before it stops and waits
// for an operator: each refused one is followed by another under a new key.
const MaxVoidRefunds = 3

// VoidSuffix ends the key of the refund a void makes: "<charge key>:void".
// Refund requests may not use such keys.
const VoidSuffix = ":void"

// Charge is a validated charge request.
type Charge struct {
	Key       string
	BookingID string
	UserID    string
	Amount    int64
	Currency  string // ISO 4217, upper case
	Method    string
}

// Validate names every bad field at once (apperr.InvalidInput).
func (c Charge) Validate() error {
	var f apperr.Fields
	checkKey(&f, "key", c.Key)
	if !ident.IsUUID(c.BookingID) {
		f.Add("booking_id", "must be a UUID")
	}
	if utf8.RuneCountInString(c.UserID) > MaxUserIDLen {
		f.Add("user_id", "is longer than %d characters", MaxUserIDLen)
	}
	if c.Amount < 1 || c.Amount > MaxAmount {
		f.Add("amount", "must be between 1 and %d minor units", MaxAmount)
	}
	if !ValidCurrency(c.Currency) {
		f.Add("currency", "unknown ISO 4217 currency code %q (upper case, e.g. EUR)", c.Currency)
	}
	switch {
	case strings.TrimSpace(c.Method) == "":
		f.Add("payment_method", "is required")
	case utf8.RuneCountInString(c.Method) > MaxMethodLen:
		f.Add("payment_method", "is longer than %d characters", MaxMethodLen)
	}
	return f.Err()
}

// RefundRequest is a refund as asked: Amount 0 means what is left.
type RefundRequest struct {
	Key       string
	ChargeKey string
	Amount    int64
	Reason    string
}

// Validate names every bad field at once.
func (r RefundRequest) Validate() error {
	var f apperr.Fields
	checkKey(&f, "key", r.Key)
	if r.Key != "" && IsVoidRefundKey(r.Key) {
		f.Add("key", "keys ending in %q are reserved for voids", VoidSuffix)
	}
	checkKey(&f, "charge_key", r.ChargeKey)
	if r.Amount < 0 || r.Amount > MaxAmount {
		f.Add("amount", "must be between 0 (all that is left) and %d minor units", MaxAmount)
	}
	checkReason(&f, r.Reason)
	return f.Err()
}

// VoidRequest asks that a key end up not charged.
type VoidRequest struct {
	Key       string
	BookingID string
	Reason    string
}

// Validate names every bad field at once.
func (v VoidRequest) Validate() error {
	var f apperr.Fields
	checkKey(&f, "key", v.Key)
	if !ident.IsUUID(v.BookingID) {
		f.Add("booking_id", "must be a UUID")
	}
	checkReason(&f, v.Reason)
	return f.Err()
}

func checkKey(f *apperr.Fields, field, key string) {
	n := utf8.RuneCountInString(key)
	switch {
	case n == 0:
		f.Add(field, "is required")
	case n > MaxKeyLen:
		f.Add(field, "is longer than %d characters", MaxKeyLen)
	case !utf8.ValidString(key) || strings.IndexFunc(key, unicode.IsControl) >= 0:
		f.Add(field, "contains control characters or invalid UTF-8")
	}
}

func checkReason(f *apperr.Fields, reason string) {
	if utf8.RuneCountInString(reason) > MaxReasonLen {
		f.Add("reason", "is longer than %d characters", MaxReasonLen)
	}
}

// ValidCurrency reports an ISO 4217 code in upper case.
func ValidCurrency(code string) bool {
	if len(code) != 3 {
		return false
	}
	u, err := currency.ParseISO(code)
	return err == nil && u.String() == code
}

// IsVoidRefundKey reports a key of the form "<charge key>:void" or
// "<charge key>:void:<n>".
func IsVoidRefundKey(key string) bool {
	if strings.HasSuffix(key, VoidSuffix) {
		return true
	}
	i := strings.LastIndex(key, VoidSuffix+":")
	if i < 0 {
		return false
	}
	n := key[i+len(VoidSuffix)+1:]
	return n != "" && strings.Trim(n, "0123456789") == ""
}

// Refund is money given back against a payment. A pending refund reserves its
// amount, so concurrent refunds can never give back more than was taken.
type Refund struct {
	ID          string
	Key         string
	PaymentID   string
	BookingID   string
	Amount      int64 // what is given back
	Requested   int64 // as asked: 0 = what was left (kept to recognise a replay)
	Currency    string
	Status      string
	Reason      string
	FailureCode string // why the provider refused (status failed)
	ProviderRef string
	Attempts    int       // provider calls made for it
	LeaseUntil  time.Time // whoever drives it owns it until then; after that the reconciler may
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Payment is one charge under one idempotency key, with its refunds (the
// aggregate: changes lock the payment row, then touch its refunds).
type Payment struct {
	ID            string
	Key           string
	BookingID     string
	UserID        string
	Amount        int64 // 0 only for a voided key that was never charged
	Refunded      int64 // given back (succeeded refunds)
	Currency      string
	Method        string
	Status        string
	DeclineCode   string
	ProviderRef   string
	VoidRequested bool   // no money may be kept under this key
	VoidReason    string // why, as the void said
	Attempts      int    // provider charge calls made (or claimed)
	LeaseUntil    time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
	Refunds       []Refund // oldest first
}

// NewPayment is a pending charge whose first provider call is owned by its
// creator until leaseUntil.
func NewPayment(id string, c Charge, now, leaseUntil time.Time) Payment {
	return Payment{
		ID: id, Key: c.Key, BookingID: c.BookingID, UserID: c.UserID, Amount: c.Amount, Currency: c.Currency,
		Method: c.Method, Status: Pending, Attempts: 1, LeaseUntil: leaseUntil, CreatedAt: now, UpdatedAt: now,
	}
}

// NewVoided is the row of a key voided before any charge: it records no
// amount (nothing was asked, nothing taken) and spends the key.
func NewVoided(id string, v VoidRequest, now time.Time) Payment {
	return Payment{
		ID: id, Key: v.Key, BookingID: v.BookingID, Status: Voided, VoidRequested: true, VoidReason: v.Reason,
		LeaseUntil: now, CreatedAt: now, UpdatedAt: now,
	}
}

// Matches answers apperr.IdempotencyKey, naming the field, when c reuses the
// key of a different charge. A voided key only checks the booking (it
// stored nothing else).
func (p Payment) Matches(c Charge) error {
	if err := p.MatchesBooking(c.BookingID); err != nil {
		return err
	}
	if p.Status == Voided {
		return nil
	}
	switch {
	case p.Amount != c.Amount:
		return mismatch("amount")
	case p.Currency != c.Currency:
		return mismatch("currency")
	case p.Method != c.Method:
		return mismatch("payment_method")
	}
	return nil
}

// MatchesBooking answers apperr.IdempotencyKey when the key belongs to
// another booking.
func (p Payment) MatchesBooking(bookingID string) error {
	if !strings.EqualFold(p.BookingID, bookingID) {
		return mismatch("booking_id")
	}
	return nil
}

func mismatch(field string) error {
	return apperr.E(apperr.IdempotencyKey, "this key was used for a different request (%s differs)", field).With("field", field)
}

// Settle records the provider's answer to a charge: a ref (money taken) or a
// decline code. It reports whether anything changed. A success that arrives
// after the charge was given up on (provider_timeout) still records the
// money, and marks it to be given back: the caller was told it failed.
func (p *Payment) Settle(ref, decline string, now time.Time) bool {
	switch {
	case p.Status == Pending && ref != "":
		p.Status, p.ProviderRef = Succeeded, ref
	case p.Status == Pending:
		p.Status, p.DeclineCode = Failed, decline
	case p.Status == Failed && p.DeclineCode == DeclineProviderTimeout && ref != "":
		p.Status, p.ProviderRef, p.DeclineCode, p.VoidRequested = Succeeded, ref, "", true
		if p.VoidReason == "" {
			p.VoidReason = "late provider answer after " + DeclineProviderTimeout
		}
	default:
		return false
	}
	p.UpdatedAt = now
	return true
}

// GiveUp fails a pending charge the provider never answered.
func (p *Payment) GiveUp(now time.Time) bool {
	if p.Status != Pending {
		return false
	}
	p.Status, p.DeclineCode, p.UpdatedAt = Failed, DeclineProviderTimeout, now
	return true
}

// RequestVoid records that no money may be kept under the key. It reports
// whether that changed anything: a failed, voided or refunded payment keeps
// nothing already, and a second void repeats the first.
func (p *Payment) RequestVoid(reason string, now time.Time) bool {
	if p.VoidRequested || p.Status == Failed || p.Status == Voided || p.Status == Refunded {
		return false
	}
	p.VoidRequested, p.VoidReason, p.UpdatedAt = true, reason, now
	return true
}

// Reserved is the amount of pending refunds.
func (p Payment) Reserved() int64 {
	var n int64
	for _, r := range p.Refunds {
		if r.Status == RefundPending {
			n += r.Amount
		}
	}
	return n
}

// Left is what may still be refunded: taken, less given back, less reserved.
func (p Payment) Left() int64 {
	if p.Status != Succeeded {
		return 0
	}
	return p.Amount - p.Refunded - p.Reserved()
}

// Kept is the money the payment holds: taken less given back.
func (p Payment) Kept() int64 {
	if p.Status != Succeeded && p.Status != Refunded {
		return 0
	}
	return p.Amount - p.Refunded
}

// RefundByKey is the refund with key, or nil.
func (p *Payment) RefundByKey(key string) *Refund {
	for i := range p.Refunds {
		if p.Refunds[i].Key == key {
			return &p.Refunds[i]
		}
	}
	return nil
}

// RequestRefund reserves a refund of r.Amount (0: all that is left) as a
// pending refund the caller then asks the provider for.
func (p *Payment) RequestRefund(id string, r RefundRequest, now, leaseUntil time.Time) (Refund, error) {
	if p.Status != Succeeded {
		return Refund{}, apperr.E(apperr.InvalidState, "a %s payment cannot be refunded", p.Status).
			With("field", "charge_key").With("status", p.Status)
	}
	left := p.Left()
	amount := r.Amount
	if amount == 0 {
		amount = left
	}
	if amount == 0 || amount > left {
		return Refund{}, apperr.E(apperr.RuleViolation, "amount %d is more than the %d left to refund", amount, left).
			With("field", "amount").With("left", left)
	}
	ref := p.newRefund(id, r.Key, amount, r.Amount, r.Reason, now, leaseUntil)
	return ref, nil
}

// StartVoidRefund reserves the refund a void owes: everything left of a
// succeeded payment whose key was voided. It reports false when nothing is
// owed, a void refund is already pending, or MaxVoidRefunds were refused
// (then OwesVoidRefund stays true: an operator must look).
func (p *Payment) StartVoidRefund(id string, now, leaseUntil time.Time) (Refund, bool) {
	if p.Status != Succeeded || !p.VoidRequested || p.Left() == 0 {
		return Refund{}, false
	}
	n := 0
	for _, r := range p.Refunds {
		if IsVoidRefundKey(r.Key) {
			if r.Status == RefundPending {
				return Refund{}, false
			}
			n++
		}
	}
	if n >= MaxVoidRefunds {
		return Refund{}, false
	}
	key := p.Key + VoidSuffix
	if n > 0 { // an earlier void refund was refused: a new key, never reused
		key = p.Key + VoidSuffix + ":" + strconv.Itoa(n+1)
	}
	reason := p.VoidReason
	if reason == "" {
		reason = "void"
	}
	return p.newRefund(id, key, p.Left(), 0, reason, now, leaseUntil), true
}

func (p *Payment) newRefund(id, key string, amount, requested int64, reason string, now, leaseUntil time.Time) Refund {
	r := Refund{
		ID: id, Key: key, PaymentID: p.ID, BookingID: p.BookingID, Amount: amount, Requested: requested,
		Currency: p.Currency, Status: RefundPending, Reason: reason, Attempts: 1, LeaseUntil: leaseUntil,
		CreatedAt: now, UpdatedAt: now,
	}
	p.Refunds = append(p.Refunds, r)
	p.UpdatedAt = now
	return r
}

// OwesVoidRefund reports a voided key that still holds money no pending
// refund will give back.
func (p Payment) OwesVoidRefund() bool {
	return p.Status == Succeeded && p.VoidRequested && p.Left() > 0
}

// SettleRefund records the provider's ref for the pending refund with key:
// the money is given back, and the payment is refunded once nothing is kept.
func (p *Payment) SettleRefund(key, ref string, now time.Time) bool {
	r := p.RefundByKey(key)
	if r == nil || r.Status != RefundPending {
		return false
	}
	r.Status, r.ProviderRef, r.UpdatedAt = RefundSucceeded, ref, now
	p.Refunded += r.Amount
	if p.Refunded == p.Amount {
		p.Status = Refunded
	}
	p.UpdatedAt = now
	return true
}

// FailRefund records that the provider refused the pending refund with key;
// its amount is no longer reserved.
func (p *Payment) FailRefund(key, code string, now time.Time) bool {
	r := p.RefundByKey(key)
	if r == nil || r.Status != RefundPending {
		return false
	}
	r.Status, r.FailureCode, r.UpdatedAt = RefundFailed, code, now
	p.UpdatedAt = now
	return true
}

// Check reports a broken invariant of the ledger (nil when it explains
// itself); used by tests and by the repository before it saves.
func (p Payment) Check() error {
	var given int64
	for _, r := range p.Refunds {
		if r.Status == RefundSucceeded {
			given += r.Amount
		}
	}
	switch {
	case given != p.Refunded:
		return apperr.E(apperr.Internal, "payment %s: refunds add up to %d, refunded says %d", p.Key, given, p.Refunded)
	case p.Refunded < 0 || p.Refunded+p.Reserved() > p.Amount:
		return apperr.E(apperr.Internal, "payment %s: refunded %d + reserved %d of %d", p.Key, p.Refunded, p.Reserved(), p.Amount)
	case p.Status == Refunded && p.Refunded != p.Amount:
		return apperr.E(apperr.Internal, "payment %s: refunded status with %d of %d given back", p.Key, p.Refunded, p.Amount)
	case p.Status != Succeeded && p.Status != Refunded && (p.Refunded != 0 || p.Reserved() != 0):
		return apperr.E(apperr.Internal, "payment %s: %s with refunds", p.Key, p.Status)
	}
	return nil
}
