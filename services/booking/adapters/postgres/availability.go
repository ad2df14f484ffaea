package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/slotmesh/slotmesh/services/booking/domain"
)

// FreeUnits returns a vendor's active units of capacity >= minCap and their
// active holds overlapping window, for availability.
func (r *Repo) FreeUnits(ctx context.Context, vendorID string, minCap int, window domain.Range) ([]string, map[string][]domain.Range, error) {
	rows, err := r.pool.Query(ctx, `SELECT id::text FROM units WHERE vendor_id = $1 AND active AND capacity >= $2 ORDER BY capacity, id`, vendorID, minCap)
	if err != nil {
		return nil, nil, fmt.Errorf("units: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, nil, err
	}
	rows, err = r.pool.Query(ctx, `SELECT h.unit_id::text, h.during FROM holds h JOIN units u ON u.vendor_id = h.vendor_id AND u.id = h.unit_id
		WHERE h.vendor_id = $1 AND h.active AND h.during && $2 AND u.capacity >= $3`, vendorID, rangeOf(window), minCap)
	if err != nil {
		return nil, nil, fmt.Errorf("holds: %w", err)
	}
	defer rows.Close()
	busy := map[string][]domain.Range{}
	for rows.Next() {
		var id string
		var d pgtype.Range[pgtype.Timestamptz]
		if err := rows.Scan(&id, &d); err != nil {
			return nil, nil, err
		}
		busy[id] = append(busy[id], fromRange(d))
	}
	return ids, busy, rows.Err()
}

// pickUnits locks up to n free units of capacity >= minCap for during: first
// the ones nobody is locking (SKIP LOCKED, so concurrent bookers take
// different units), then, if that is not enough, it waits for units other
// transactions hold locked (they may be booking another time). A unit whose
// locker then takes an overlapping range fails the exclusion constraint, and
// the caller retries with a fresh snapshot.
func pickUnits(ctx context.Context, tx pgx.Tx, vendorID string, minCap, n int, during domain.Range) ([]domain.HeldUnit, error) {
	rows, err := tx.Query(ctx, sqlPickUnits+sqlSkipLocked, vendorID, minCap, rangeOf(during), n, []string{})
	if err != nil {
		return nil, fmt.Errorf("pick units: %w", err)
	}
	got, err := scanUnits(rows)
	if err != nil {
		return nil, err
	}
	return pickMore(ctx, tx, vendorID, minCap, n, during, got)
}

// pickMore waits for units others hold locked when got has fewer than n.
func pickMore(ctx context.Context, tx pgx.Tx, vendorID string, minCap, n int, during domain.Range, got []domain.HeldUnit) ([]domain.HeldUnit, error) {
	if len(got) >= n {
		return got, nil
	}
	taken := make([]string, len(got))
	for i, u := range got {
		taken[i] = u.ID
	}
	rows, err := tx.Query(ctx, sqlPickUnits, vendorID, minCap, rangeOf(during), n-len(got), taken)
	if err != nil {
		return nil, fmt.Errorf("pick locked units: %w", err)
	}
	more, err := scanUnits(rows)
	return append(got, more...), err
}

func scanUnits(rows pgx.Rows) ([]domain.HeldUnit, error) {
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.HeldUnit, error) {
		var u domain.HeldUnit
		err := row.Scan(&u.ID, &u.Name, &u.Capacity)
		return u, err
	})
}
