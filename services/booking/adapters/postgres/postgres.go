// Package postgres is bookingdata_db: bookings and their holds under an
// exclusion constraint (bookings.go, availability.go), idempotency keys,
// the changes that keep one change of a booking at a time (changes.go),
// what bookings owe until payment has answered (dues.go), and booking's
// copy of vendor facts (vendors.go).
package postgres

import (
	"context"
	"embed"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/slotmesh/slotmesh/services/booking/app"
	"github.com/slotmesh/slotmesh/services/booking/domain"
	"github.com/slotmesh/slotmesh/services/internal/platform/outbox"
)

// Schema is the booking service's Postgres schema.
const Schema = "bookingdb"

//go:embed migrations/*.sql
var migrations embed.FS

// Migrate applies bookingdb's migrations and the outbox's.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	return outbox.MigrateService(ctx, pool, Schema, migrations, "migrations")
}

// Repo implements the app's VendorCopy, Availability, Bookings, Changes and
// Dues on one pool.
type Repo struct{ pool *pgxpool.Pool }

var (
	_ app.VendorCopy   = (*Repo)(nil)
	_ app.Availability = (*Repo)(nil)
	_ app.Bookings     = (*Repo)(nil)
	_ app.Changes      = (*Repo)(nil)
	_ app.Dues         = (*Repo)(nil)
)

// New returns the repository on a pool bound to Schema.
func New(pool *pgxpool.Pool) *Repo { return &Repo{pool: pool} }

func rangeOf(r domain.Range) pgtype.Range[pgtype.Timestamptz] {
	return pgtype.Range[pgtype.Timestamptz]{
		Lower: pgtype.Timestamptz{Time: r.Start, Valid: true}, Upper: pgtype.Timestamptz{Time: r.End, Valid: true},
		LowerType: pgtype.Inclusive, UpperType: pgtype.Exclusive, Valid: true,
	}
}

func fromRange(r pgtype.Range[pgtype.Timestamptz]) domain.Range {
	return domain.Range{Start: r.Lower.Time, End: r.Upper.Time}
}

// queue adds what a change writes besides the booking to a batch: its
// events (the outbox) and its dues.
func queue(batch *pgx.Batch, w *app.Writes) error {
	if w == nil {
		return nil
	}
	for _, d := range w.Dues {
		queueDue(batch, d)
	}
	return outbox.Queue(batch, w.Events...)
}
