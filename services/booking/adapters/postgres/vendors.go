package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/services/booking/app"
	"github.com/slotmesh/slotmesh/services/booking/domain"
	pg "github.com/slotmesh/slotmesh/services/internal/platform/postgres"
)

// GetVendor reads booking's copy of a vendor.
func (r *Repo) GetVendor(ctx context.Context, id string) (domain.Vendor, error) {
	if !pg.IsUUID(id) {
		return domain.Vendor{}, apperr.E(apperr.NotFound, "vendor not found")
	}
	var v domain.Vendor
	var hours []byte
	err := r.pool.QueryRow(ctx, `SELECT id::text, version, kind, timezone, opening_hours, slot_minutes, stay_minutes,
		check_in, check_out, deposit_amount, deposit_currency, deposit_per_guest, free_cancel_hours, horizon_days, active
		FROM vendors WHERE id = $1`, id).Scan(&v.ID, &v.Version, &v.Kind, &v.Timezone, &hours, &v.SlotMinutes,
		&v.StayMinutes, &v.CheckIn, &v.CheckOut, &v.DepositAmount, &v.DepositCurrency, &v.DepositPerGuest,
		&v.FreeCancelHours, &v.HorizonDays, &v.Active)
	if err != nil {
		return domain.Vendor{}, pg.MapError(err, "vendor")
	}
	if err := json.Unmarshal(hours, &v.Hours); err != nil {
		return domain.Vendor{}, fmt.Errorf("vendor %s hours: %w", id, err)
	}
	return v, nil
}

// UpsertVendor stores v unless the copy already has its version or newer.
func (r *Repo) UpsertVendor(ctx context.Context, v domain.Vendor) error {
	return pg.InTx(ctx, r.pool, func(tx pgx.Tx) error { return upsertVendor(ctx, tx, v) })
}

func upsertVendor(ctx context.Context, tx pgx.Tx, v domain.Vendor) error {
	hours, _ := json.Marshal(v.Hours)
	horizon := v.HorizonDays
	if horizon <= 0 {
		horizon = domain.DefaultHorizonDays
	}
	_, err := tx.Exec(ctx, `INSERT INTO vendors (id, version, kind, timezone, opening_hours, slot_minutes, stay_minutes,
		check_in, check_out, deposit_amount, deposit_currency, deposit_per_guest, free_cancel_hours, active, horizon_days)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)
		ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, kind = EXCLUDED.kind, timezone = EXCLUDED.timezone,
		opening_hours = EXCLUDED.opening_hours, slot_minutes = EXCLUDED.slot_minutes, stay_minutes = EXCLUDED.stay_minutes,
		check_in = EXCLUDED.check_in, check_out = EXCLUDED.check_out, deposit_amount = EXCLUDED.deposit_amount,
		deposit_currency = EXCLUDED.deposit_currency, deposit_per_guest = EXCLUDED.deposit_per_guest,
		free_cancel_hours = EXCLUDED.free_cancel_hours, active = EXCLUDED.active, horizon_days = EXCLUDED.horizon_days
		WHERE vendors.version < EXCLUDED.version`,
		v.ID, v.Version, v.Kind, v.Timezone, hours, v.SlotMinutes, v.StayMinutes, v.CheckIn, v.CheckOut,
		v.DepositAmount, v.DepositCurrency, v.DepositPerGuest, v.FreeCancelHours, v.Active, horizon)
	if err != nil {
		return fmt.Errorf("upsert vendor %s: %w", v.ID, err)
	}
	return nil
}

// UpsertUnits stores units written at vendor version; a unit already written
// by a newer version is left alone.
func (r *Repo) UpsertUnits(ctx context.Context, vendorID string, version int64, units []app.UnitCopy) error {
	return pg.InTx(ctx, r.pool, func(tx pgx.Tx) error { return upsertUnits(ctx, tx, vendorID, version, units) })
}

func upsertUnits(ctx context.Context, tx pgx.Tx, vendorID string, version int64, units []app.UnitCopy) error {
	if len(units) == 0 {
		return nil
	}
	ids := make([]string, len(units))
	names := make([]string, len(units))
	caps := make([]int32, len(units))
	active := make([]bool, len(units))
	for i, u := range units {
		ids[i], names[i], caps[i], active[i] = u.ID, u.Name, int32(u.Capacity), u.Active
	}
	_, err := tx.Exec(ctx, `INSERT INTO units (vendor_id, id, name, capacity, active, version)
		SELECT $1, u.id, u.name, u.capacity, u.active, $2
		FROM unnest($3::uuid[], $4::text[], $5::int[], $6::bool[]) AS u(id, name, capacity, active)
		ON CONFLICT (vendor_id, id) DO UPDATE SET name = EXCLUDED.name, capacity = EXCLUDED.capacity,
		active = EXCLUDED.active, version = EXCLUDED.version WHERE units.version <= EXCLUDED.version`,
		vendorID, version, ids, names, caps, active)
	if err != nil {
		return fmt.Errorf("upsert units of %s: %w", vendorID, err)
	}
	return nil
}

// ReplaceFacts stores a full snapshot of a vendor (resync).
func (r *Repo) ReplaceFacts(ctx context.Context, v domain.Vendor, units []app.UnitCopy) error {
	return pg.InTx(ctx, r.pool, func(tx pgx.Tx) error {
		if err := upsertVendor(ctx, tx, v); err != nil {
			return err
		}
		return upsertUnits(ctx, tx, v.ID, v.Version, units)
	})
}

// Capacities counts a vendor's active units by capacity.
func (r *Repo) Capacities(ctx context.Context, vendorID string) (map[int]int, error) {
	rows, err := r.pool.Query(ctx, `SELECT capacity, count(*) FROM units WHERE vendor_id = $1 AND active GROUP BY capacity`, vendorID)
	if err != nil {
		return nil, fmt.Errorf("unit capacities: %w", err)
	}
	defer rows.Close()
	out := map[int]int{}
	for rows.Next() {
		var c, n int
		if err := rows.Scan(&c, &n); err != nil {
			return nil, err
		}
		out[c] = n
	}
	return out, rows.Err()
}
