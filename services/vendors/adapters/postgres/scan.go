package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/slotmesh/slotmesh/services/vendors/app"
	"github.com/slotmesh/slotmesh/services/vendors/domain"
)

// Scan reads a page of vendors after q.After in id order, with their units,
// in one repeatable-read snapshot: a keyset read of the vendors' primary
// key, one aggregate over the units' primary key (vendor_id, id) for the
// summaries and the page cut, and the page's units by the same key, each
// vendor's bounded by q.MaxUnits.
func (r *Repo) Scan(ctx context.Context, q app.ScanQuery) (app.ScanResult, error) {
	after := q.After
	if after == "" {
		after = "00000000-0000-0000-0000-000000000000"
	}
	var res app.ScanResult
	err := pgx.BeginTxFunc(ctx, r.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+vendorColumns+` FROM vendors WHERE id > $1 ORDER BY id LIMIT $2`, after, q.Limit+1)
		if err != nil {
			return err
		}
		vs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Vendor, error) { return scanVendor(row) })
		if err != nil {
			return err
		}
		if len(vs) > q.Limit {
			vs, res.More = vs[:q.Limit], true
		}
		if q.Count {
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM vendors`).Scan(&res.Total); err != nil {
				return err
			}
		}
		if len(vs) == 0 {
			return nil
		}
		ids := make([]string, len(vs))
		for i, v := range vs {
			ids[i] = v.ID
		}
		// Summaries (active units by capacity) and how many units each
		// vendor would send.
		sums := make(map[string]app.Summary, len(vs))
		sends := make(map[string]int, len(vs))
		var vid string
		var capacity, n int
		var active bool
		rows, err = tx.Query(ctx, `SELECT vendor_id::text, capacity, active, count(*) FROM units
			WHERE vendor_id = ANY($1::uuid[]) GROUP BY 1, 2, 3`, ids)
		if err != nil {
			return err
		}
		if _, err := pgx.ForEachRow(rows, []any{&vid, &capacity, &active, &n}, func() error {
			if active {
				s := sums[vid]
				if s.ByCapacity == nil {
					s.ByCapacity = map[int]int{}
				}
				s.ByCapacity[capacity] += n
				s.Total += n
				sums[vid] = s
			}
			if active || q.IncludeInactive {
				sends[vid] += n
			}
			return nil
		}); err != nil {
			return err
		}
		// The page ends before the vendor that would pass MaxUnits; a
		// first vendor with more comes alone, cut short.
		budget := q.MaxUnits
		for i, v := range vs {
			n := sends[v.ID]
			if n > budget && i > 0 {
				vs, res.More = vs[:i], true
				break
			}
			it := app.ScanItem{Snapshot: app.Snapshot{Vendor: v, Summary: sums[v.ID]}}
			if it.Snapshot.Summary.ByCapacity == nil {
				it.Snapshot.Summary.ByCapacity = map[int]int{}
			}
			if n > budget {
				it.MoreUnits = true
				n = budget
			}
			budget -= n
			res.Items = append(res.Items, it)
		}
		ids = ids[:len(vs)]
		at := make(map[string]int, len(res.Items))
		for i, it := range res.Items {
			at[it.Snapshot.Vendor.ID] = i
		}
		var uid string
		rows, err = tx.Query(ctx, `SELECT v.id::text, u.id::text, u.capacity, u.active
			FROM unnest($1::uuid[]) AS v(id)
			CROSS JOIN LATERAL (SELECT id, capacity, active FROM units
				WHERE vendor_id = v.id AND (active OR $2) ORDER BY id LIMIT $3) u
			ORDER BY v.id, u.id`, ids, q.IncludeInactive, q.MaxUnits)
		if err != nil {
			return err
		}
		_, err = pgx.ForEachRow(rows, []any{&vid, &uid, &capacity, &active}, func() error {
			i := at[vid]
			res.Items[i].Units = append(res.Items[i].Units, domain.Unit{ID: uid, VendorID: vid, Capacity: capacity, Active: active})
			return nil
		})
		return err
	})
	if err != nil {
		return app.ScanResult{}, fmt.Errorf("scan vendors: %w", err)
	}
	return res, nil
}
