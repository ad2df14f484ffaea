package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	pg "github.com/slotmesh/slotmesh/services/internal/platform/postgres"
	"github.com/slotmesh/slotmesh/services/internal/schedule"
	"github.com/slotmesh/slotmesh/services/search/app"
	"github.com/slotmesh/slotmesh/services/search/domain"
)

// Store implements app.Store (the read model) on a pool bound to Schema.
type Store struct{ pool *pgxpool.Pool }

// NewStore returns the read model on pool.
func NewStore(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

var _ app.Store = (*Store)(nil)

// touched is a vendor row's new updated_at: now, but always later than the
// value it replaces (two transactions' now() need not follow their commit
// order), so a replica that read the row before a write always sees the
// write's updated_at differ. Every write that changes what a replica keeps
// of a vendor — its row, its units, its holds — touches it.
const touched = `greatest(now(), vendors.updated_at + interval '1 microsecond')`

const vendorCols = `vendor_id, version, kind, name, tags, lat, lng, active, active_units,
	timezone, hours, slot_minutes, stay_minutes, check_in, check_out`

// ApplyVendor stores v when it is newer than the stored copy and returns
// the stored copy.
func (s *Store) ApplyVendor(ctx context.Context, v domain.Vendor) (domain.Vendor, error) {
	hours, err := json.Marshal(v.Schedule.Hours)
	if err != nil {
		return domain.Vendor{}, fmt.Errorf("search store: encode hours: %w", err)
	}
	tags := v.Tags
	if tags == nil {
		tags = []string{}
	}
	sc := v.Schedule
	_, err = s.pool.Exec(ctx, `
		INSERT INTO vendors (`+vendorCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
		ON CONFLICT (vendor_id) DO UPDATE SET version = excluded.version, kind = excluded.kind, name = excluded.name,
			tags = excluded.tags, lat = excluded.lat, lng = excluded.lng, active = excluded.active,
			active_units = excluded.active_units, timezone = excluded.timezone, hours = excluded.hours,
			slot_minutes = excluded.slot_minutes, stay_minutes = excluded.stay_minutes,
			check_in = excluded.check_in, check_out = excluded.check_out, updated_at = `+touched+`
		WHERE vendors.version < excluded.version`,
		v.ID, v.Version, v.Kind, v.Name, tags, v.Lat, v.Lng, v.Active, v.ActiveUnits,
		sc.Timezone, hours, sc.SlotMinutes, sc.StayMinutes, sc.CheckIn, sc.CheckOut)
	if err != nil {
		return domain.Vendor{}, pg.MapError(err, "search vendor")
	}
	stored, ok, err := s.vendor(ctx, v.ID)
	if err == nil && !ok {
		err = fmt.Errorf("search store: vendor %s vanished", v.ID)
	}
	return stored, err
}

// ApplyUnits stores units as of version, and the vendor's active unit count
// when version is newer than the vendor's.
func (s *Store) ApplyUnits(ctx context.Context, vendorID string, version int64, units []domain.Unit, activeUnits int) (domain.Vendor, bool, error) {
	ids := make([]string, len(units))
	caps := make([]int32, len(units))
	act := make([]bool, len(units))
	for i, u := range units {
		ids[i], caps[i], act[i] = u.ID, int32(u.Capacity), u.Active
	}
	err := pg.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if len(units) > 0 {
			if _, err := tx.Exec(ctx, `
				INSERT INTO units (vendor_id, unit_id, capacity, active, version)
				SELECT $1, u.id, u.cap, u.act, $5 FROM unnest($2::text[], $3::int[], $4::bool[]) AS u(id, cap, act)
				ON CONFLICT (vendor_id, unit_id) DO UPDATE SET capacity = excluded.capacity, active = excluded.active,
					version = excluded.version
				WHERE units.version <= excluded.version`, vendorID, ids, caps, act, version); err != nil {
				return err
			}
		}
		// updated_at moves even when the version does not: replicas of
		// the memory engine follow it to re-read the units.
		_, err := tx.Exec(ctx, `UPDATE vendors SET active_units = CASE WHEN version < $3 THEN $2 ELSE active_units END,
			version = greatest(version, $3), updated_at = `+touched+` WHERE vendor_id = $1`, vendorID, activeUnits, version)
		return err
	})
	if err != nil {
		return domain.Vendor{}, false, fmt.Errorf("search store: units of %s: %w", vendorID, err)
	}
	return s.vendor(ctx, vendorID)
}

func (s *Store) vendor(ctx context.Context, id string) (domain.Vendor, bool, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+vendorCols+` FROM vendors WHERE vendor_id = $1`, id)
	if err != nil {
		return domain.Vendor{}, false, fmt.Errorf("search store: vendor %s: %w", id, err)
	}
	vs, err := pgx.CollectRows(rows, scanVendor)
	if err != nil || len(vs) == 0 {
		return domain.Vendor{}, false, err
	}
	return vs[0], true, nil
}

func scanVendor(r pgx.CollectableRow) (domain.Vendor, error) { return scanVendorAfter(r) }

// scanVendorAfter scans a row of first's columns, then vendorCols.
func scanVendorAfter(r pgx.CollectableRow, first ...any) (domain.Vendor, error) {
	var v domain.Vendor
	var hours []byte
	sc := &v.Schedule
	err := r.Scan(append(first, &v.ID, &v.Version, &v.Kind, &v.Name, &v.Tags, &v.Lat, &v.Lng, &v.Active, &v.ActiveUnits,
		&sc.Timezone, &hours, &sc.SlotMinutes, &sc.StayMinutes, &sc.CheckIn, &sc.CheckOut)...)
	if err != nil {
		return v, err
	}
	sc.ID, sc.Kind = v.ID, v.Kind
	if err := json.Unmarshal(hours, &sc.Hours); err != nil {
		return v, fmt.Errorf("search store: vendor %s hours: %w", v.ID, err)
	}
	return v, nil
}

// ApplyBooking stores the booking's version and replaces its holds, unless
// that version (or a newer one) was stored before.
func (s *Store) ApplyBooking(ctx context.Context, b domain.Booking) error {
	err := pg.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var won bool
		err := tx.QueryRow(ctx, `
			INSERT INTO bookings (booking_id, vendor_id, version, status, end_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (booking_id) DO UPDATE SET vendor_id = excluded.vendor_id, version = excluded.version,
				status = excluded.status, end_at = excluded.end_at
			WHERE bookings.version < excluded.version
			RETURNING true`, b.ID, b.VendorID, b.Version, b.Status, b.During.End).Scan(&won)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // this version or a newer one is stored
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM holds WHERE booking_id = $1`, b.ID); err != nil {
			return err
		}
		// Replicas of the memory engine follow updated_at to re-read holds.
		if _, err := tx.Exec(ctx, `UPDATE vendors SET updated_at = `+touched+` WHERE vendor_id = $1`, b.VendorID); err != nil {
			return err
		}
		if !b.Holding || len(b.Units) == 0 {
			return nil
		}
		_, err = tx.Exec(ctx, `
			INSERT INTO holds (booking_id, unit_id, vendor_id, during)
			SELECT $1, u, $2, tstzrange($3, $4) FROM unnest($5::text[]) AS u
			ON CONFLICT DO NOTHING`, b.ID, b.VendorID, b.During.Start, b.During.End, b.Units)
		return err
	})
	if err != nil {
		return fmt.Errorf("search store: booking %s: %w", b.ID, err)
	}
	return nil
}

// Facts reads calendars, fitting units and holds of vendors in one round trip.
func (s *Store) Facts(ctx context.Context, ids []string, party int, span schedule.Range) (map[string]domain.Facts, error) {
	out := make(map[string]domain.Facts, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	b := &pgx.Batch{}
	b.Queue(`SELECT `+vendorCols+` FROM vendors WHERE vendor_id = ANY($1)`, ids)
	b.Queue(`SELECT vendor_id, unit_id, capacity FROM units WHERE vendor_id = ANY($1) AND active AND capacity >= $2`, ids, party)
	b.Queue(`SELECT vendor_id, unit_id, lower(during), upper(during) FROM holds
		WHERE vendor_id = ANY($1) AND upper(during) > $2 AND lower(during) < $3`, ids, span.Start, span.End)
	res := s.pool.SendBatch(ctx, b)
	defer res.Close()
	rows, err := res.Query()
	if err != nil {
		return nil, fmt.Errorf("search store: facts: %w", err)
	}
	vs, err := pgx.CollectRows(rows, scanVendor)
	if err != nil {
		return nil, fmt.Errorf("search store: facts: %w", err)
	}
	for _, v := range vs {
		out[v.ID] = domain.Facts{Schedule: v.Schedule}
	}
	rows, err = res.Query()
	if err != nil {
		return nil, fmt.Errorf("search store: facts: %w", err)
	}
	var vid, uid string
	var capacity int
	_, err = pgx.ForEachRow(rows, []any{&vid, &uid, &capacity}, func() error {
		if f, ok := out[vid]; ok {
			f.Units = append(f.Units, domain.Unit{ID: uid, Capacity: capacity, Active: true})
			out[vid] = f
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("search store: facts: %w", err)
	}
	rows, err = res.Query()
	if err != nil {
		return nil, fmt.Errorf("search store: facts: %w", err)
	}
	var from, to time.Time
	_, err = pgx.ForEachRow(rows, []any{&vid, &uid, &from, &to}, func() error {
		if f, ok := out[vid]; ok {
			f.Holds = append(f.Holds, domain.Hold{UnitID: uid, During: schedule.Range{Start: from, End: to}})
			out[vid] = f
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("search store: facts: %w", err)
	}
	return out, nil
}

// Prune forgets bookings that ended before the given instant, and their
// holds: the past is never offered, so they can no longer matter.
func (s *Store) Prune(ctx context.Context, endedBefore time.Time) (int64, error) {
	var n int64
	err := pg.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM holds WHERE booking_id IN (SELECT booking_id FROM bookings WHERE end_at < $1)`, endedBefore); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM bookings WHERE end_at < $1`, endedBefore)
		n = tag.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("search store: prune: %w", err)
	}
	return n, nil
}
