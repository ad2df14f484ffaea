package domain

import (
	"bytes"
	"time"

	"github.com/slotmesh/slotmesh/contracts/apperr"
)

// Operations that change a booking after it is confirmed.
const (
	OpUpdate = "update"
	OpCancel = "cancel"
	OpAvail  = "avail"
	OpNoShow = "no_show"
)

// States of a change.
const (
	ChangeOpen    = "open"    // claimed; its money may be moving
	ChangeApplied = "applied" // the booking's ToVersion is what it made
	ChangeAborted = "aborted" // it made nothing; Outcome says why
)

// Change is one change of a confirmed booking, claimed under the booking's
// lock before any money moves: a booking has at most one open change, so
// two changes never touch each other's money. It ends applied or aborted,
// never both. Key is the caller's Idempotency-Key ("" none): the same
// request again finds it and is answered as it ended.
type Change struct {
	ID           string
	BookingID    string
	Op           string
	Actor        string
	Key          string
	Hash         []byte // of the op and its request
	State        string
	FromVersion  int64
	ToVersion    int64         // applied: the version it made
	ChargeKey    string        // a top-up charged for it, under a key of its own ("" none)
	ChargeAmount int64         // the top-up
	Outcome      *apperr.Error // aborted: what the caller was told
	ExpiresAt    time.Time     // open past this: abandoned, the sweeper aborts it
	CreatedAt    time.Time
}

// TopUpKey is the payment key of the top-up a change charges: the change's
// own, so no two requests ever share a charge.
func TopUpKey(bookingID, changeID string) string {
	return "booking:" + bookingID + ":change:" + changeID
}

// ChangeRefundKey is the key of the refund a change owes (a smaller party).
func ChangeRefundKey(bookingID, changeID string) string {
	return TopUpKey(bookingID, changeID) + ":refund"
}

// Replay is the answer to a request whose Idempotency-Key names change c.
// A key used for another request (another operation, caller or body) is
// 422; a change still open is 409 (in flight: ask again); an aborted one
// answers its outcome again; an applied one answers the booking (nil).
func (c Change) Replay(op, actor string, hash []byte) error {
	// A change migrated from before changes were recorded (no hash) kept
	// only its key and operation: the user is not known for sure either.
	if c.Op != op || (len(c.Hash) > 0 && (c.Actor != actor || !bytes.Equal(c.Hash, hash))) {
		return apperr.E(apperr.IdempotencyKey, "this Idempotency-Key was used for a different request").With("field", "Idempotency-Key")
	}
	switch c.State {
	case ChangeOpen:
		return InFlight()
	case ChangeAborted:
		if c.Outcome != nil {
			return c.Outcome
		}
		return apperr.E(apperr.Conflict, "this change was not made").With("field", "Idempotency-Key")
	}
	return nil
}

// InFlight is the answer to a change of a booking another change holds.
func InFlight() error {
	return apperr.E(apperr.Conflict, "another change of this booking is in progress; read it again and retry")
}

// Abort ends an open change as not made.
func (c *Change) Abort(outcome error) {
	c.State = ChangeAborted
	if e, ok := apperr.As(outcome); ok {
		c.Outcome = e
	} else {
		c.Outcome = apperr.E(apperr.Unavailable, "the change was not made; try again")
	}
}

// Apply ends a change as made at version.
func (c *Change) Apply(version int64) {
	c.State, c.ToVersion = ChangeApplied, version
}
