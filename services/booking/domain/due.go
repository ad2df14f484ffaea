package domain

import (
	"time"

	"github.com/slotmesh/slotmesh/services/internal/backoff"
)

// Kinds of dues.
const (
	DueRefund = "refund" // give back Amount, split across the charges the booking relies on
	DueVoid   = "void"   // the charge key must end up holding nothing
)

// Due is money a booking owes and has not paid yet: written in the
// transaction that decides it, kept until payment has answered for good,
// asked again meanwhile on a back-off of its own. Settles: paying it
// settles the booking's deposit status (the refund that ends a booking,
// the void of an ended hold's deposit).
type Due struct {
	Key           string // the refund's key, or the charge key to void
	BookingID     string
	Kind          string
	Amount        int64 // refunds
	Reason        string
	Settles       bool
	Attempts      int
	NextAttemptAt time.Time
	LastError     string
	CreatedAt     time.Time
}

// Back-off of dues.
const (
	// DueLease is how long the caller that writes a due owns its first
	// attempt, and how long the sweeper owns a due it took: nobody else
	// asks payment for it meanwhile (payment calls are idempotent by key,
	// so an overlap would cost a call, not money).
	DueLease = 30 * time.Second
	// DueFirstRetry and DueMaxRetry bound the back-off between attempts.
	DueFirstRetry = 2 * time.Second
	DueMaxRetry   = 10 * time.Minute
	// DueStuckAfter attempts, a due is reported to the operator
	// (slotmesh booking dues); it is still asked, at DueMaxRetry.
	DueStuckAfter = 10
)

// dueBackoff is DueFirstRetry doubling to DueMaxRetry, its jitter
// spreading each wait over [d/2, d) so replicas and dues do not come back
// in step.
var dueBackoff = backoff.Exp{Min: DueFirstRetry, Max: DueMaxRetry, Jitter: 0.5}

// DueBackoff is the wait before the next attempt after attempts failed
// ones, r in [0, 1) drawing its jitter.
func DueBackoff(attempts int, r float64) time.Duration { return dueBackoff.At(attempts, r) }

// Stuck reports a due an operator should look at.
func (d Due) Stuck() bool { return d.Attempts >= DueStuckAfter }
