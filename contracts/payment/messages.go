package payment

import "time"

// Payment statuses.
const (
	StatusPending   = "pending"   // the provider has not answered yet
	StatusSucceeded = "succeeded" // money taken
	StatusFailed    = "failed"    // declined; nothing taken
	StatusVoided    = "voided"    // cancelled before any money was taken; the key is spent
	StatusRefunded  = "refunded"  // taken, then given back in full
)

// Built-in simulated provider's test cards (Stripe's names).
const (
	CardVisa     = "pm_card_visa"            // succeeds
	CardDeclined = "pm_card_chargeDeclined"  // declines
	CardTimeout  = "pm_card_simulateTimeout" // never answers within the call's deadline (tests)
)

// ChargeRequest takes a deposit. Key makes it idempotent: the same key is
// never charged twice and answers with the first outcome.
type ChargeRequest struct {
	Key           string `json:"key"` // e.g. booking:<id>:deposit
	BookingID     string `json:"booking_id"`
	UserID        string `json:"user_id"`
	Amount        int64  `json:"amount"`   // minor units, > 0
	Currency      string `json:"currency"` // ISO 4217
	PaymentMethod string `json:"payment_method"`
}

// Payment is one charge in the ledger.
type Payment struct {
	ID          string    `json:"id"`
	Key         string    `json:"key"`
	BookingID   string    `json:"booking_id"`
	Amount      int64     `json:"amount"`
	Refunded    int64     `json:"refunded"`
	Currency    string    `json:"currency"`
	Status      string    `json:"status"`
	DeclineCode string    `json:"decline_code,omitempty"`
	ProviderRef string    `json:"provider_ref,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// RefundRequest gives back (part of) a charge. Key makes it idempotent.
// Amount 0 means whatever of the charge is not refunded yet.
type RefundRequest struct {
	Key       string `json:"key"`        // e.g. booking:<id>:refund:cancel
	ChargeKey string `json:"charge_key"` // the charge to refund
	Amount    int64  `json:"amount,omitempty"`
	Reason    string `json:"reason,omitempty"`
}

// Refund is one refund in the ledger.
type Refund struct {
	ID        string    `json:"id"`
	Key       string    `json:"key"`
	PaymentID string    `json:"payment_id"`
	BookingID string    `json:"booking_id"`
	Amount    int64     `json:"amount"`
	Currency  string    `json:"currency"`
	Status    string    `json:"status"`
	Reason    string    `json:"reason,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// VoidRequest settles a key that must not end up charged (a hold expired):
// no charge yet -> the key is marked voided and a later charge is refused;
// a succeeded charge -> it is refunded in full; a pending one -> refunded as
// soon as it lands.
type VoidRequest struct {
	Key       string `json:"key"`
	BookingID string `json:"booking_id"`
	Reason    string `json:"reason,omitempty"`
}

// GetRequest reads the ledger of a booking.
type GetRequest struct {
	BookingID string `json:"booking_id"`
}

// Ledger is every charge and refund of a booking.
type Ledger struct {
	Payments []Payment `json:"payments"`
	Refunds  []Refund  `json:"refunds"`
}
