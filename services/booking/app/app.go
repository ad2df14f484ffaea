// Package app holds the booking service's use cases and the interfaces they
// need (implemented in adapters/).
package app

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/services/booking/domain"
	"github.com/slotmesh/slotmesh/services/internal/rolecache"
)

// ErrOverlap is the exclusion constraint firing: another hold took a unit for
// an overlapping range first. Hold and Move retry it a bounded number of times.
var ErrOverlap = errors.New("overlapping hold")

// Idem is an idempotency key claim: per user, per operation, with the hash of
// the request it protects.
type Idem struct {
	UserID string
	Key    string
	Op     string
	Hash   []byte
}

// Replay is the first outcome of a key seen again.
type Replay struct {
	BookingID string
	Err       error
}

// UnitCopy is booking's copy of a unit.
type UnitCopy struct {
	ID       string
	Name     string
	Capacity int
	Active   bool
}

// Events names the events of a new booking (from is the previous status).
type Events func(b domain.Booking, from string) ([]contracts.Event, error)

// BookingChange changes a locked booking and returns the events to write.
// nil means nothing changed (nothing is written); an empty non-nil slice
// saves the booking without an event (a deposit settling).
type BookingChange func(b *domain.Booking) ([]contracts.Event, error)

// Cursor is a position in a list: after (Start, ID).
type Cursor struct {
	Start time.Time
	ID    string
}

// ListQuery selects bookings of a user or a vendor.
type ListQuery struct {
	UserID, VendorID string
	Statuses         []string
	EndsAfter        *time.Time
	StartsBefore     *time.Time
	After            *Cursor
	Desc             bool
	Limit            int
}

// Repository is bookingdata_db.
type Repository interface {
	GetVendor(ctx context.Context, id string) (domain.Vendor, error)
	UpsertVendor(ctx context.Context, v domain.Vendor) error
	UpsertUnits(ctx context.Context, vendorID string, version int64, units []UnitCopy) error
	ReplaceFacts(ctx context.Context, v domain.Vendor, units []UnitCopy) error

	Get(ctx context.Context, id string) (domain.Booking, error)
	// Hold claims the key and, in the same transaction, picks and locks
	// units, writes the booking, its holds and its events. A key seen before
	// returns its Replay. Too few units: unavailable() is stored as the key's
	// outcome and returned.
	Hold(ctx context.Context, idem Idem, b domain.Booking, events Events, unavailable func() error) (domain.Booking, *Replay, error)
	RecordOutcome(ctx context.Context, idem Idem, outcome error) error
	Change(ctx context.Context, id string, change BookingChange) (domain.Booking, error)
	// Move re-holds a booking for its changed range/party in one transaction.
	Move(ctx context.Context, id string, change BookingChange, unavailable func(domain.Booking) error) (domain.Booking, error)
	// Capacities counts a vendor's active units by capacity.
	Capacities(ctx context.Context, vendorID string) (map[int]int, error)
	FreeUnits(ctx context.Context, vendorID string, minCap int, window domain.Range) ([]string, map[string][]domain.Range, error)
	Due(ctx context.Context, now time.Time, limit int) (expired []string, money []domain.Booking, err error)
	// DueRefunds lists owed refunds whose next try is due; RefundPaid drops
	// one that went through, RefundLater puts the next try at next.
	DueRefunds(ctx context.Context, now time.Time, limit int) ([]domain.OwedRefund, error)
	RefundPaid(ctx context.Context, key string) error
	RefundLater(ctx context.Context, key string, next time.Time) error
	List(ctx context.Context, q ListQuery) ([]domain.Booking, error)
	// Scan reads the current bookings (BLOCKED or CONFIRMED) ending after
	// now, in id order after the id after ("" = from the first), at most
	// limit; count also counts them all.
	Scan(ctx context.Context, after string, limit int, now time.Time, count bool) ([]domain.Booking, int64, error)
}

// Payment statuses the app reads (contracts/payment).
const (
	PaySucceeded = "succeeded"
	PayFailed    = "failed"
	PayVoided    = "voided"
	PayRefunded  = "refunded"
)

// Payments is the payment service.
type Payments interface {
	// Charge returns the payment's status (a decline is a status, not an error).
	Charge(ctx context.Context, key, bookingID, userID string, amount int64, currency, method string) (status, declineCode string, err error)
	// Refund returns the refund's status: PaySucceeded when the money went
	// back; "pending" (the provider has not answered) or PayFailed (it
	// refused) when it did not — the deposit is then still owed.
	Refund(ctx context.Context, key, chargeKey string, amount int64, reason string) (status string, err error)
	// Void makes sure key ends up not charged; it returns the final status.
	Void(ctx context.Context, key, bookingID, reason string) (string, error)
	// Charges is the booking's taken charges, oldest first, with what is
	// left of each and the refunds asked of it.
	Charges(ctx context.Context, bookingID string) ([]domain.Charge, error)
}

// Vendors is the vendor service.
type Vendors interface {
	Facts(ctx context.Context, vendorID string) (domain.Vendor, []UnitCopy, error)
	Role(ctx context.Context, vendorID, userID string) (string, error)
}

// Cache is bookingdata_cache: current bookings of users and vendors.
type Cache interface {
	Put(ctx context.Context, b domain.Booking)
}

// Notifier is told after a commit that added events.
type Notifier interface{ Notify() }

// Config tunes the app.
type Config struct {
	HoldTTL        time.Duration // how long a BLOCKED hold waits for its payment
	PaymentTimeout time.Duration // one charge call
	Retries        int           // re-tries of a hold after an overlap
}

// App is the booking service's application layer.
type App struct {
	Repo     Repository
	Payments Payments
	Vendors  Vendors
	Cache    Cache
	Relay    Notifier
	Cfg      Config
	Now      func() time.Time
	NewID    func() string

	roles   rolecache.Cache
	viewsMu sync.Mutex
	views   map[string]vendorView
	resyncs map[string]time.Time // last lag resync per vendor
}

func (a *App) now() time.Time {
	t := time.Now()
	if a.Now != nil {
		t = a.Now()
	}
	return t.UTC().Truncate(time.Microsecond)
}

// saved runs after a committed change: wake the relay, refresh the cache.
func (a *App) saved(ctx context.Context, b domain.Booking) {
	a.Relay.Notify()
	a.Cache.Put(ctx, b)
}
