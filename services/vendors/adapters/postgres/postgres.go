// Package postgres is vendordb: vendors, units and managers in the vendor
// service's own schema.
package postgres

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/slotmesh/slotmesh/contracts"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/services/internal/platform/outbox"
	pg "github.com/slotmesh/slotmesh/services/internal/platform/postgres"
	"github.com/slotmesh/slotmesh/services/vendors/app"
	"github.com/slotmesh/slotmesh/services/vendors/domain"
)

// Schema is the vendor service's Postgres schema.
const Schema = "vendordb"

//go:embed migrations/*.sql
var migrations embed.FS

// Migrate applies vendordb's migrations and the outbox's.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	return outbox.MigrateService(ctx, pool, Schema, migrations, "migrations")
}

// Repo implements app.Repository.
type Repo struct{ pool *pgxpool.Pool }

// New returns the repository on a pool bound to Schema.
func New(pool *pgxpool.Pool) *Repo { return &Repo{pool: pool} }

type hoursRow struct {
	Weekday   int  `json:"weekday"`
	Open      int  `json:"open"`
	Close     int  `json:"close"`
	Overnight bool `json:"overnight,omitempty"`
}

const vendorColumns = `id::text, owner_id::text, kind, name, timezone, address, lat, lng, tags, opening_hours,
	slot_minutes, stay_minutes, check_in, check_out, deposit_amount, deposit_currency, deposit_per,
	free_cancel_hours, booking_horizon_days, status, version, created_at, updated_at`

func scanVendor(row pgx.Row) (domain.Vendor, error) {
	var v domain.Vendor
	var hours []byte
	err := row.Scan(&v.ID, &v.OwnerID, &v.Kind, &v.Name, &v.Timezone, &v.Address, &v.Lat, &v.Lng, &v.Tags, &hours,
		&v.SlotMinutes, &v.StayMinutes, &v.CheckIn, &v.CheckOut, &v.Deposit.Amount, &v.Deposit.Currency, &v.Deposit.Per,
		&v.FreeCancelH, &v.HorizonDays, &v.Status, &v.Version, &v.CreatedAt, &v.UpdatedAt)
	if err != nil {
		return v, err
	}
	var rows []hoursRow
	if err := json.Unmarshal(hours, &rows); err != nil {
		return v, fmt.Errorf("opening_hours: %w", err)
	}
	v.Hours = make([]domain.Interval, len(rows))
	for i, h := range rows {
		v.Hours[i] = domain.Interval{Weekday: h.Weekday, Open: h.Open, Close: h.Close, Overnight: h.Overnight}
	}
	return v, nil
}

func hoursJSON(v domain.Vendor) []byte {
	rows := make([]hoursRow, len(v.Hours))
	for i, h := range v.Hours {
		rows[i] = hoursRow{Weekday: h.Weekday, Open: h.Open, Close: h.Close, Overnight: h.Overnight}
	}
	b, _ := json.Marshal(rows)
	return b
}

// Create inserts the vendor, its owner and its events.
func (r *Repo) Create(ctx context.Context, v domain.Vendor, events ...contracts.Event) error {
	return pg.InTx(ctx, r.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO vendors (id, owner_id, kind, name, timezone, address, lat, lng, tags,
			opening_hours, slot_minutes, stay_minutes, check_in, check_out, deposit_amount, deposit_currency, deposit_per,
			free_cancel_hours, booking_horizon_days, status, version, created_at, updated_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23)`,
			v.ID, v.OwnerID, v.Kind, v.Name, v.Timezone, v.Address, v.Lat, v.Lng, v.Tags, hoursJSON(v),
			v.SlotMinutes, v.StayMinutes, v.CheckIn, v.CheckOut, v.Deposit.Amount, v.Deposit.Currency, v.Deposit.Per,
			v.FreeCancelH, v.HorizonDays, v.Status, v.Version, v.CreatedAt, v.UpdatedAt); err != nil {
			return pg.MapError(err, "vendor")
		}
		if _, err := tx.Exec(ctx, `INSERT INTO managers (vendor_id, user_id, role, added_at) VALUES ($1, $2, 'owner', $3)`,
			v.ID, v.OwnerID, v.CreatedAt); err != nil {
			return pg.MapError(err, "manager")
		}
		return outbox.Add(ctx, tx, events...)
	})
}

// Get reads a vendor and its unit summary (one snapshot: same statement
// snapshot under READ COMMITTED is not guaranteed across two queries, so
// read both in one repeatable-read transaction).
func (r *Repo) Get(ctx context.Context, id string) (app.Snapshot, error) {
	if !pg.IsUUID(id) {
		return app.Snapshot{}, apperr.E(apperr.NotFound, "vendor not found")
	}
	var s app.Snapshot
	err := pgx.BeginTxFunc(ctx, r.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var err error
		s, err = load(ctx, tx, id, false)
		return err
	})
	return s, err
}

// load reads the vendor (locking it FOR UPDATE when lock) and its summary.
func load(ctx context.Context, tx pgx.Tx, id string, lock bool) (app.Snapshot, error) {
	q := `SELECT ` + vendorColumns + ` FROM vendors WHERE id = $1`
	if lock {
		q += ` FOR UPDATE`
	}
	v, err := scanVendor(tx.QueryRow(ctx, q, id))
	if err != nil {
		return app.Snapshot{}, pg.MapError(err, "vendor")
	}
	sum, err := summary(ctx, tx, id)
	if err != nil {
		return app.Snapshot{}, err
	}
	return app.Snapshot{Vendor: v, Summary: sum}, nil
}

func summary(ctx context.Context, tx pgx.Tx, vendorID string) (app.Summary, error) {
	rows, err := tx.Query(ctx, `SELECT capacity, count(*) FROM units WHERE vendor_id = $1 AND active GROUP BY capacity`, vendorID)
	if err != nil {
		return app.Summary{}, fmt.Errorf("unit summary: %w", err)
	}
	defer rows.Close()
	s := app.Summary{ByCapacity: map[int]int{}}
	for rows.Next() {
		var c, n int
		if err := rows.Scan(&c, &n); err != nil {
			return app.Summary{}, err
		}
		s.ByCapacity[c] = n
		s.Total += n
	}
	return s, rows.Err()
}

// Update locks the vendor, applies change and saves it with its events.
func (r *Repo) Update(ctx context.Context, id string, change app.Change) (app.Snapshot, error) {
	if !pg.IsUUID(id) {
		return app.Snapshot{}, apperr.E(apperr.NotFound, "vendor not found")
	}
	var out app.Snapshot
	err := pg.InTx(ctx, r.pool, func(tx pgx.Tx) error {
		s, err := load(ctx, tx, id, true)
		if err != nil {
			return err
		}
		events, err := change(&s)
		if err != nil {
			return err
		}
		out = s
		if len(events) == 0 {
			return nil
		}
		v := s.Vendor
		if _, err := tx.Exec(ctx, `UPDATE vendors SET name=$2, timezone=$3, address=$4, lat=$5, lng=$6, tags=$7,
			opening_hours=$8, slot_minutes=$9, stay_minutes=$10, check_in=$11, check_out=$12, deposit_amount=$13,
			deposit_currency=$14, deposit_per=$15, free_cancel_hours=$16, status=$17, version=$18, updated_at=$19,
			booking_horizon_days=$20
			WHERE id=$1`,
			v.ID, v.Name, v.Timezone, v.Address, v.Lat, v.Lng, v.Tags, hoursJSON(v), v.SlotMinutes, v.StayMinutes,
			v.CheckIn, v.CheckOut, v.Deposit.Amount, v.Deposit.Currency, v.Deposit.Per, v.FreeCancelH, v.Status,
			v.Version, v.UpdatedAt, v.HorizonDays); err != nil {
			return pg.MapError(err, "vendor")
		}
		return outbox.Add(ctx, tx, events...)
	})
	return out, err
}

// bump raises the vendor's version for a unit change and recomputes the summary.
func bump(ctx context.Context, tx pgx.Tx, s *app.Snapshot) error {
	s.Vendor.Version++
	if _, err := tx.Exec(ctx, `UPDATE vendors SET version = $2 WHERE id = $1`, s.Vendor.ID, s.Vendor.Version); err != nil {
		return fmt.Errorf("bump vendor version: %w", err)
	}
	sum, err := summary(ctx, tx, s.Vendor.ID)
	s.Summary = sum
	return err
}

// AddUnits inserts units with COPY in the vendor's locked transaction.
func (r *Repo) AddUnits(ctx context.Context, vendorID string, units []domain.Unit, events app.Change) (app.Snapshot, error) {
	if !pg.IsUUID(vendorID) {
		return app.Snapshot{}, apperr.E(apperr.NotFound, "vendor not found")
	}
	var out app.Snapshot
	err := pg.InTx(ctx, r.pool, func(tx pgx.Tx) error {
		s, err := load(ctx, tx, vendorID, true)
		if err != nil {
			return err
		}
		// Names taken already: one query, so the answer names them.
		names := make([]string, len(units))
		for i, u := range units {
			names[i] = u.Name
		}
		var taken []string
		if err := tx.QueryRow(ctx, `SELECT coalesce(array_agg(name ORDER BY name), '{}') FROM
			(SELECT name FROM units WHERE vendor_id = $1 AND name = ANY($2) LIMIT 20) t`, vendorID, names).Scan(&taken); err != nil {
			return fmt.Errorf("check unit names: %w", err)
		}
		if len(taken) > 0 {
			return apperr.E(apperr.Conflict, "unit names already used at this vendor: %v", taken).
				With("field", "units").With("names", taken)
		}
		rows := make([][]any, len(units))
		for i, u := range units {
			rows[i] = []any{u.VendorID, u.ID, u.Name, u.Capacity, u.Active, u.CreatedAt, u.UpdatedAt}
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"units"},
			[]string{"vendor_id", "id", "name", "capacity", "active", "created_at", "updated_at"},
			pgx.CopyFromRows(rows)); err != nil {
			return pg.MapError(err, "unit")
		}
		if err := bump(ctx, tx, &s); err != nil {
			return err
		}
		evs, err := events(&s)
		if err != nil {
			return err
		}
		out = s
		return outbox.Add(ctx, tx, evs...)
	})
	return out, err
}

const unitColumns = `vendor_id::text, id::text, name, capacity, active, created_at, updated_at`

func scanUnit(row pgx.Row) (domain.Unit, error) {
	var u domain.Unit
	err := row.Scan(&u.VendorID, &u.ID, &u.Name, &u.Capacity, &u.Active, &u.CreatedAt, &u.UpdatedAt)
	return u, err
}

// UpdateUnit locks the vendor and the unit, applies change, saves both.
func (r *Repo) UpdateUnit(ctx context.Context, vendorID, unitID string, change func(*domain.Unit) (bool, error), events app.Change) (domain.Unit, app.Snapshot, error) {
	if !pg.IsUUID(vendorID) || !pg.IsUUID(unitID) {
		return domain.Unit{}, app.Snapshot{}, apperr.E(apperr.NotFound, "unit not found")
	}
	var outU domain.Unit
	var outS app.Snapshot
	err := pg.InTx(ctx, r.pool, func(tx pgx.Tx) error {
		s, err := load(ctx, tx, vendorID, true)
		if err != nil {
			return err
		}
		u, err := scanUnit(tx.QueryRow(ctx, `SELECT `+unitColumns+` FROM units WHERE vendor_id = $1 AND id = $2 FOR UPDATE`, vendorID, unitID))
		if err != nil {
			return pg.MapError(err, "unit")
		}
		changed, err := change(&u)
		if err != nil {
			return err
		}
		outU, outS = u, s
		if !changed {
			return nil
		}
		_, err = tx.Exec(ctx, `UPDATE units SET name=$3, capacity=$4, active=$5, updated_at=$6 WHERE vendor_id=$1 AND id=$2`,
			vendorID, unitID, u.Name, u.Capacity, u.Active, u.UpdatedAt)
		if pg.IsUniqueViolation(err, "units_vendor_name_key") {
			return apperr.E(apperr.Conflict, "unit name %q already used at this vendor", u.Name).With("field", "name")
		}
		if err != nil {
			return pg.MapError(err, "unit")
		}
		if err := bump(ctx, tx, &s); err != nil {
			return err
		}
		evs, err := events(&s)
		if err != nil {
			return err
		}
		outS = s
		return outbox.Add(ctx, tx, evs...)
	})
	return outU, outS, err
}

// ListUnits pages by unit id (UUIDv7: creation order).
func (r *Repo) ListUnits(ctx context.Context, vendorID, after string, limit int, includeInactive bool) ([]domain.Unit, error) {
	if !pg.IsUUID(vendorID) {
		return nil, apperr.E(apperr.NotFound, "vendor not found")
	}
	if after == "" {
		after = "00000000-0000-0000-0000-000000000000"
	}
	rows, err := r.pool.Query(ctx, `SELECT `+unitColumns+` FROM units
		WHERE vendor_id = $1 AND id > $2 AND (active OR $4) ORDER BY id LIMIT $3`, vendorID, after, limit, includeInactive)
	if err != nil {
		return nil, fmt.Errorf("list units: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Unit, error) { return scanUnit(row) })
}

// AllUnits reads the vendor and all its units in one snapshot.
func (r *Repo) AllUnits(ctx context.Context, vendorID string) (app.Snapshot, []domain.Unit, error) {
	if !pg.IsUUID(vendorID) {
		return app.Snapshot{}, nil, apperr.E(apperr.NotFound, "vendor not found")
	}
	var s app.Snapshot
	var units []domain.Unit
	err := pgx.BeginTxFunc(ctx, r.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var err error
		if s, err = load(ctx, tx, vendorID, false); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT `+unitColumns+` FROM units WHERE vendor_id = $1 ORDER BY id`, vendorID)
		if err != nil {
			return err
		}
		units, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Unit, error) { return scanUnit(row) })
		return err
	})
	return s, units, err
}

// Role is the user's role at the vendor, "" if none; not_found if no vendor.
func (r *Repo) Role(ctx context.Context, vendorID, userID string) (string, error) {
	if !pg.IsUUID(vendorID) {
		return "", apperr.E(apperr.NotFound, "vendor not found")
	}
	if !pg.IsUUID(userID) {
		userID = "00000000-0000-0000-0000-000000000000"
	}
	var exists bool
	var role *string
	err := r.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM vendors WHERE id = $1),
		(SELECT role FROM managers WHERE vendor_id = $1 AND user_id = $2)`, vendorID, userID).Scan(&exists, &role)
	if err != nil {
		return "", fmt.Errorf("role: %w", err)
	}
	if !exists {
		return "", apperr.E(apperr.NotFound, "vendor not found")
	}
	if role == nil {
		return "", nil
	}
	return *role, nil
}

// AddManager inserts a manager under the vendor's lock.
func (r *Repo) AddManager(ctx context.Context, m app.Manager, events app.Change) error {
	return pg.InTx(ctx, r.pool, func(tx pgx.Tx) error {
		s, err := load(ctx, tx, m.VendorID, true)
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO managers (vendor_id, user_id, role, added_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT DO NOTHING`, m.VendorID, m.UserID, m.Role, m.AddedAt)
		if err != nil {
			return pg.MapError(err, "manager")
		}
		if tag.RowsAffected() == 0 {
			return apperr.E(apperr.Conflict, "already a manager of this vendor").With("field", "email")
		}
		evs, err := events(&s)
		if err != nil {
			return err
		}
		return outbox.Add(ctx, tx, evs...)
	})
}

// ListManagers lists managers, owner first.
func (r *Repo) ListManagers(ctx context.Context, vendorID string) ([]app.Manager, error) {
	rows, err := r.pool.Query(ctx, `SELECT vendor_id::text, user_id::text, role, added_at FROM managers
		WHERE vendor_id = $1 ORDER BY role DESC, added_at`, vendorID)
	if err != nil {
		return nil, fmt.Errorf("list managers: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (app.Manager, error) {
		var m app.Manager
		err := row.Scan(&m.VendorID, &m.UserID, &m.Role, &m.AddedAt)
		return m, err
	})
}
