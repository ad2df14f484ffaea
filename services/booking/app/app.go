// Package app holds the booking service's use cases, one file each, and the
// interfaces they need (implemented in adapters/). The rules — the state
// machine and what each change costs — are the domain's; this layer loads,
// asks the domain, and carries out its decisions in the order that keeps
// money exact: claim the booking, move money, commit, pay what is owed.
package app

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/services/booking/domain"
	"github.com/slotmesh/slotmesh/services/internal/clock"
	"github.com/slotmesh/slotmesh/services/internal/rolecache"
)

// ErrOverlap is the exclusion constraint firing: another hold took a unit for
// an overlapping range first. Hold and Move retry it a bounded number of times.
var ErrOverlap = errors.New("overlapping hold")

// Idem is an idempotency key claim of a new booking: per user, with the
// hash of the request it protects.
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

// Writes is what a change of a booking writes besides the booking: its
// events (the outbox) and the dues it owes, all in its transaction.
type Writes struct {
	Events []contracts.Event
	Dues   []domain.Due
}

// Events names the events of a new booking (from is the previous status).
type Events func(b domain.Booking, from string) ([]contracts.Event, error)

// BookingChange changes a locked booking and returns what to write with it;
// nil means nothing changed (nothing is written). A change returning an
// error writes nothing.
type BookingChange func(b *domain.Booking) (*Writes, error)

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

// VendorCopy is booking's copy of vendor facts (ADR 0005).
type VendorCopy interface {
	GetVendor(ctx context.Context, id string) (domain.Vendor, error)
	UpsertVendor(ctx context.Context, v domain.Vendor) error
	// UpsertUnits stores units written at vendor version (newer ones stand).
	UpsertUnits(ctx context.Context, vendorID string, version int64, units []UnitCopy) error
	// ReplaceFacts stores a full snapshot of a vendor (resync).
	ReplaceFacts(ctx context.Context, v domain.Vendor, units []UnitCopy) error
	// Capacities counts a vendor's active units by capacity.
	Capacities(ctx context.Context, vendorID string) (map[int]int, error)
}

// Availability reads what is free.
type Availability interface {
	// FreeUnits returns a vendor's active units of capacity >= minCap and
	// their active holds overlapping window.
	FreeUnits(ctx context.Context, vendorID string, minCap int, window domain.Range) ([]string, map[string][]domain.Range, error)
}

// Bookings stores bookings and their holds.
type Bookings interface {
	Get(ctx context.Context, id string) (domain.Booking, error)
	// Hold claims idem and inserts b with its holds and events in one
	// transaction; a key seen before returns its Replay instead;
	// unavailable() is the outcome (stored with the key) when too few
	// units are free.
	Hold(ctx context.Context, idem Idem, b domain.Booking, events Events, unavailable func() error) (domain.Booking, *Replay, error)
	// RecordOutcome stores a later failure (payment declined) with the key.
	RecordOutcome(ctx context.Context, idem Idem, outcome error) error
	// Change locks a booking, applies change and saves its status,
	// deposit, refund, expiry and version, releasing its holds when it
	// stops being active, with what change writes.
	Change(ctx context.Context, id string, change BookingChange) (domain.Booking, error)
	List(ctx context.Context, q ListQuery) ([]domain.Booking, error)
	// Scan reads the current bookings (BLOCKED or CONFIRMED) ending after
	// now, in id order after the id after ("" = from the first), at most
	// limit; count also counts them all.
	Scan(ctx context.Context, after string, limit int, now time.Time, count bool) ([]domain.Booking, int64, error)
}

// Move is the second step of a reschedule: the open change it ends, the
// plan, and what it writes whether it applies or not.
type Move struct {
	Change  domain.Change
	Plan    domain.Reschedule
	Now     time.Time
	Events  func(b domain.Booking) ([]contracts.Event, error) // of the moved booking
	Owed    []domain.Due                                      // written when it applies (a smaller party's refund)
	Revert  []domain.Due                                      // written when it cannot (the top-up's void)
	Retries int                                               // of an overlap
}

// Changes keeps one change of a booking at a time (domain.Change).
type Changes interface {
	// Claim runs one short transaction for the change c (ID, Op, Actor,
	// Key, Hash, CreatedAt set): it locks the booking; if c.Key names a
	// change already made, that one is returned as prior and nothing is
	// written; if another change is open, domain.InFlight(). Otherwise
	// decide sees the locked booking and fills in c: left open, c is
	// stored (the booking must be unchanged); applied, the booking is saved
	// as decide left it (status fields, version; holds released when it
	// stops being active) with c and what decide writes.
	Claim(ctx context.Context, c domain.Change, decide func(b *domain.Booking, c *domain.Change) (*Writes, error)) (b domain.Booking, stored domain.Change, prior *domain.Change, err error)
	// ApplyMove ends an open change by moving its booking as planned: in
	// one transaction, new units are picked (its own count as free) and
	// held, the booking saved and the change applied, with its events and
	// m.Owed. When the change is no longer open (abandoned by the sweeper:
	// its revert is owed already) the answer is apperr.Unavailable and
	// nothing is written; when
	// too few units are free the booking is left as it was and the change
	// is aborted with a bare slot_unavailable (its outcome; the app adds
	// the nearby free times) and m.Revert written.
	ApplyMove(ctx context.Context, m Move) (domain.Booking, error)
	// Abort ends an open change as not made, with its outcome, writing
	// dues (a top-up's void); false when it was no longer open.
	Abort(ctx context.Context, c domain.Change, dues []domain.Due) (bool, error)
	// Abandoned lists open changes whose time ran out (at most limit).
	Abandoned(ctx context.Context, now time.Time, limit int) ([]domain.Change, error)
	// TopUps are the charge keys of a booking's applied changes.
	TopUps(ctx context.Context, bookingID string) ([]string, error)
}

// Dues keeps what bookings owe until payment has answered for good.
type Dues interface {
	// Take claims at most limit dues whose next attempt is due, skipping
	// rows another replica holds, and leases them until lease.
	Take(ctx context.Context, now, lease time.Time, limit int) ([]domain.Due, error)
	// Paid drops a due payment answered for good (paymentStatus: how); a
	// due that settles the booking's deposit settles it with its event.
	Paid(ctx context.Context, d domain.Due, paymentStatus string, settle BookingChange) (domain.Booking, error)
	// NotYet counts a failed attempt and puts the next at next.
	NotYet(ctx context.Context, key string, next time.Time, reason string) error
	// Expired lists BLOCKED bookings past their expiry, at most limit.
	Expired(ctx context.Context, now time.Time, limit int) ([]string, error)
	// ExpireLater puts a hold whose expiry could not be written back of
	// the queue until next.
	ExpireLater(ctx context.Context, id string, next time.Time) error
}

// Payment statuses the app reads (contracts/payment).
const (
	PaySucceeded = domain.PaymentSucceeded
	PayFailed    = domain.PaymentFailed
	PayVoided    = domain.PaymentVoided
	PayRefunded  = domain.PaymentRefunded
)

// Payments is the payment service.
type Payments interface {
	// Charge returns the payment's status (a decline is a status, not an error).
	Charge(ctx context.Context, key, bookingID, userID string, amount int64, currency, method string) (status, declineCode string, err error)
	// Refund returns the refund's status: PaySucceeded when the money went
	// back; "pending" (the provider has not answered) or PayFailed (it
	// refused) when it did not — the money is then still owed.
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

// Logger is where the sweeper says what it could not do (slog.Logger).
type Logger interface {
	Warn(msg string, args ...any)
	Error(msg string, args ...any)
}

// Config tunes the app.
type Config struct {
	HoldTTL        time.Duration // how long a BLOCKED hold waits for its payment
	PaymentTimeout time.Duration // one payment call
	Retries        int           // re-tries of a hold after an overlap
	ChangeTTL      time.Duration // an open change not ended by then is abandoned (default 1 min)
	SweepBatch     int           // rows of each kind one sweep takes (default 200)
	SweepParallel  int           // dues paid at once (default 4)
}

// App is the booking service's application layer.
type App struct {
	Vendor   VendorCopy
	Free     Availability
	Bookings Bookings
	Changes  Changes
	Dues     Dues
	Payments Payments
	Vendors  Vendors
	Cache    Cache
	Relay    Notifier
	Log      Logger
	Cfg      Config
	Clock    clock.Clock
	NewID    func() string
	Rand     func() float64 // [0, 1), the back-off's jitter (default math/rand/v2)

	roles   rolecache.Cache
	viewsMu sync.Mutex
	views   map[string]vendorView
	resyncs map[string]time.Time // last lag resync per vendor
}

// saved runs after a committed change: wake the relay, refresh the cache.
func (a *App) saved(ctx context.Context, b domain.Booking) {
	a.Relay.Notify()
	a.Cache.Put(ctx, b)
}
