package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/slotmesh/slotmesh/services/booking/domain"
)

// sqlScan and sqlScanCount read the current bookings with the partial index
// bookings_current_scan (id, upper(during)) WHERE status IN ('BLOCKED',
// 'CONFIRMED'): the status test must stay this literal for the planner to
// match the index predicate.
const (
	// $1 now, $2 after id, $3 limit
	sqlScan = `SELECT ` + bookingColumns + ` FROM bookings b
		WHERE b.status IN ('BLOCKED', 'CONFIRMED') AND upper(b.during) > $1 AND b.id > $2
		ORDER BY b.id LIMIT $3`
	// $1 now
	sqlScanCount = `SELECT count(*) FROM bookings WHERE status IN ('BLOCKED', 'CONFIRMED') AND upper(during) > $1`
)

// Scan reads the current bookings ending after now, in id order after the
// id after; count also counts them all (in the same snapshot).
func (r *Repo) Scan(ctx context.Context, after string, limit int, now time.Time, count bool) ([]domain.Booking, int64, error) {
	if after == "" {
		after = "00000000-0000-0000-0000-000000000000"
	}
	var items []domain.Booking
	var total int64
	err := pgx.BeginTxFunc(ctx, r.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, sqlScan, now, after, limit)
		if err != nil {
			return err
		}
		items, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Booking, error) { return scanBooking(row) })
		if err != nil || !count {
			return err
		}
		return tx.QueryRow(ctx, sqlScanCount, now).Scan(&total)
	})
	if err != nil {
		return nil, 0, fmt.Errorf("scan bookings: %w", err)
	}
	return items, total, nil
}
