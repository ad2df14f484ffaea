package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/services/booking/adapters/postgres"
	"github.com/slotmesh/slotmesh/services/booking/app"
	"github.com/slotmesh/slotmesh/services/booking/domain"
	"github.com/slotmesh/slotmesh/services/internal/platform/outbox"
	pg "github.com/slotmesh/slotmesh/services/internal/platform/postgres"
	"github.com/slotmesh/slotmesh/testenv"
)

// The tests run against a real Postgres: a fresh database each (testenv).

// db is a migrated bookingdb on a fresh database, its pool and repository.
type db struct {
	pool *pgxpool.Pool
	repo *postgres.Repo
}

// connect opens a pool bound to bookingdb with room for the concurrency
// tests' goroutines.
func connect(t *testing.T, pgURL string) *pgxpool.Pool {
	t.Helper()
	pool, err := pg.ConnectN(context.Background(), pgURL, postgres.Schema, 12, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func newDB(t *testing.T) db {
	t.Helper()
	ctx := context.Background()
	pool := connect(t, testenv.Postgres(t))
	if err := postgres.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	if err := postgres.Migrate(ctx, pool); err != nil { // again: a no-op
		t.Fatal(err)
	}
	return db{pool: pool, repo: postgres.New(pool)}
}

// now is a test's clock: microseconds, as Postgres keeps them.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

func newID() string { return uuid.NewString() }

// count runs a count(*) query.
func (d db) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := d.pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// vendor stores a restaurant with a per-guest deposit of 15.00 EUR and
// units units of capacity 4; it returns the vendor and its unit ids in
// the order bookings pick them.
func (d db) vendor(t *testing.T, units int) (domain.Vendor, []string) {
	t.Helper()
	ctx := context.Background()
	v := domain.Vendor{ID: newID(), Version: 1, Kind: domain.Restaurant, Timezone: "UTC", SlotMinutes: 30,
		StayMinutes: 90, DepositAmount: 1500, DepositCurrency: "EUR", DepositPerGuest: true, FreeCancelHours: 24,
		HorizonDays: 365, Active: true}
	if err := d.repo.UpsertVendor(ctx, v); err != nil {
		t.Fatal(err)
	}
	var copies []app.UnitCopy
	for i := range units {
		copies = append(copies, app.UnitCopy{ID: newID(), Name: string(rune('A' + i)), Capacity: 4, Active: true})
	}
	if err := d.repo.UpsertUnits(ctx, v.ID, v.Version, copies); err != nil {
		t.Fatal(err)
	}
	caps, err := d.repo.Capacities(ctx, v.ID)
	if err != nil || caps[4] != units {
		t.Fatalf("capacities %v %v", caps, err)
	}
	rows, err := d.pool.Query(ctx, `SELECT id::text FROM units WHERE vendor_id = $1 ORDER BY capacity, id`, v.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return v, ids
}

// book holds one unit for party guests during r as a CONFIRMED booking
// with its per-guest deposit charged.
func (d db) book(t *testing.T, v domain.Vendor, r domain.Range, party int) domain.Booking {
	t.Helper()
	at := now()
	terms := v.Terms()
	b := domain.Booking{ID: newID(), VendorID: v.ID, UserID: newID(), Status: domain.Confirmed, During: r,
		PartySize: party, Quantity: 1, Terms: terms, DepositAmount: terms.Deposit(party, 1),
		DepositCurrency: v.DepositCurrency, DepositStatus: domain.DepositCharged, PaymentMethod: "pm_card_visa",
		Version: 1, CreatedAt: at, UpdatedAt: at}
	return d.hold(t, b)
}

func (d db) hold(t *testing.T, b domain.Booking) domain.Booking {
	t.Helper()
	idem := app.Idem{UserID: b.UserID, Key: newID(), Op: "create", Hash: []byte("h")}
	held, replay, err := d.repo.Hold(context.Background(), idem, b, func(domain.Booking, string) ([]contracts.Event, error) {
		return nil, nil
	}, func() error { t.Fatal("no unit free"); return nil })
	if err != nil || replay != nil || len(held.Units) != b.Quantity {
		t.Fatalf("hold: %+v %+v %v", held, replay, err)
	}
	return held
}

func (d db) get(t *testing.T, id string) domain.Booking {
	t.Helper()
	b, err := d.repo.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// hold is one row of holds.
type holdRow struct {
	Unit   string
	During domain.Range
	Active bool
}

func (d db) holds(t *testing.T, bookingID string) []holdRow {
	t.Helper()
	rows, err := d.pool.Query(context.Background(), `SELECT unit_id::text, lower(during), upper(during), active
		FROM holds WHERE booking_id = $1 ORDER BY unit_id`, bookingID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []holdRow
	for rows.Next() {
		var h holdRow
		if err := rows.Scan(&h.Unit, &h.During.Start, &h.During.End, &h.Active); err != nil {
			t.Fatal(err)
		}
		h.During.Start, h.During.End = h.During.Start.UTC(), h.During.End.UTC()
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// event is an event of booking b for the outbox.
func event(t *testing.T, subject string, b domain.Booking) contracts.Event {
	t.Helper()
	e, err := outbox.NewEvent("booking", subject, "booking", b.ID, "", 1, map[string]any{"id": b.ID, "version": b.Version})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func (d db) events(t *testing.T, ids ...string) int {
	t.Helper()
	return d.count(t, `SELECT count(*) FROM outbox WHERE event_id = ANY($1::uuid[])`, ids)
}

// at is 19:00 UTC some days ahead, plus h hours: a range of 90 minutes.
func at(h float64) domain.Range {
	day := time.Now().UTC().AddDate(0, 0, 10).Truncate(24 * time.Hour)
	start := day.Add(19 * time.Hour).Add(time.Duration(h * float64(time.Hour)))
	return domain.Range{Start: start, End: start.Add(90 * time.Minute)}
}
