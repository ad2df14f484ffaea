// Package postgres is bookingdata_db: bookings, unit holds under an exclusion
// constraint, idempotency keys, and booking's copy of vendor facts.
package postgres

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/services/booking/app"
	"github.com/slotmesh/slotmesh/services/booking/domain"
	"github.com/slotmesh/slotmesh/services/internal/platform/outbox"
	pg "github.com/slotmesh/slotmesh/services/internal/platform/postgres"
)

// Schema is the booking service's Postgres schema.
const Schema = "bookingdb"

//go:embed migrations/*.sql
var migrations embed.FS

// Migrate applies bookingdb's migrations and the outbox's.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	return outbox.MigrateService(ctx, pool, Schema, migrations, "migrations")
}

// Repo implements app.Repository.
type Repo struct{ pool *pgxpool.Pool }

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

// ---- vendor facts ----

// GetVendor reads booking's copy of a vendor.
func (r *Repo) GetVendor(ctx context.Context, id string) (domain.Vendor, error) {
	if !pg.IsUUID(id) {
		return domain.Vendor{}, apperr.E(apperr.NotFound, "vendor not found")
	}
	var v domain.Vendor
	var hours []byte
	err := r.pool.QueryRow(ctx, `SELECT id::text, version, kind, timezone, opening_hours, slot_minutes, stay_minutes,
		check_in, check_out, deposit_amount, deposit_currency, deposit_per_guest, free_cancel_hours, active
		FROM vendors WHERE id = $1`, id).Scan(&v.ID, &v.Version, &v.Kind, &v.Timezone, &hours, &v.SlotMinutes,
		&v.StayMinutes, &v.CheckIn, &v.CheckOut, &v.DepositAmount, &v.DepositCurrency, &v.DepositPerGuest,
		&v.FreeCancelHours, &v.Active)
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
	_, err := tx.Exec(ctx, `INSERT INTO vendors (id, version, kind, timezone, opening_hours, slot_minutes, stay_minutes,
		check_in, check_out, deposit_amount, deposit_currency, deposit_per_guest, free_cancel_hours, active)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)
		ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, kind = EXCLUDED.kind, timezone = EXCLUDED.timezone,
		opening_hours = EXCLUDED.opening_hours, slot_minutes = EXCLUDED.slot_minutes, stay_minutes = EXCLUDED.stay_minutes,
		check_in = EXCLUDED.check_in, check_out = EXCLUDED.check_out, deposit_amount = EXCLUDED.deposit_amount,
		deposit_currency = EXCLUDED.deposit_currency, deposit_per_guest = EXCLUDED.deposit_per_guest,
		free_cancel_hours = EXCLUDED.free_cancel_hours, active = EXCLUDED.active
		WHERE vendors.version < EXCLUDED.version`,
		v.ID, v.Version, v.Kind, v.Timezone, hours, v.SlotMinutes, v.StayMinutes, v.CheckIn, v.CheckOut,
		v.DepositAmount, v.DepositCurrency, v.DepositPerGuest, v.FreeCancelHours, v.Active)
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

// ---- bookings ----

const bookingColumns = `b.id::text, b.vendor_id::text, b.user_id::text, b.status, b.during, b.party_size, b.quantity,
	b.deposit_amount, b.deposit_currency, b.deposit_status, b.payment_method, b.refund_amount, b.refund_reason,
	coalesce(b.final_key, ''), b.expires_at, b.version, b.created_at, b.updated_at,
	coalesce((SELECT json_agg(json_build_object('id', u.id, 'name', u.name, 'capacity', u.capacity) ORDER BY u.name)
	  FROM holds h JOIN units u ON u.vendor_id = h.vendor_id AND u.id = h.unit_id WHERE h.booking_id = b.id), '[]')`

type heldJSON struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Capacity int    `json:"capacity"`
}

func scanBooking(row pgx.Row) (domain.Booking, error) {
	var b domain.Booking
	var during pgtype.Range[pgtype.Timestamptz]
	var units []byte
	err := row.Scan(&b.ID, &b.VendorID, &b.UserID, &b.Status, &during, &b.PartySize, &b.Quantity, &b.DepositAmount,
		&b.DepositCurrency, &b.DepositStatus, &b.PaymentMethod, &b.RefundAmount, &b.RefundReason, &b.FinalKey, &b.ExpiresAt,
		&b.Version, &b.CreatedAt, &b.UpdatedAt, &units)
	if err != nil {
		return b, err
	}
	b.During = fromRange(during)
	var held []heldJSON
	if err := json.Unmarshal(units, &held); err != nil {
		return b, fmt.Errorf("held units: %w", err)
	}
	for _, h := range held {
		b.Units = append(b.Units, domain.HeldUnit{ID: h.ID, Name: h.Name, Capacity: h.Capacity})
	}
	return b, nil
}

// Get reads a booking with its units.
func (r *Repo) Get(ctx context.Context, id string) (domain.Booking, error) {
	if !pg.IsUUID(id) {
		return domain.Booking{}, apperr.E(apperr.NotFound, "booking not found")
	}
	b, err := scanBooking(r.pool.QueryRow(ctx, `SELECT `+bookingColumns+` FROM bookings b WHERE b.id = $1`, id))
	return b, pg.MapError(err, "booking")
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

// claimAndPick claims the idempotency key and picks unlocked units in one
// round trip. A key seen before returns its Replay (the picked units are
// released with the transaction).
func claimAndPick(ctx context.Context, tx pgx.Tx, idem app.Idem, b domain.Booking) ([]domain.HeldUnit, *app.Replay, error) {
	batch := &pgx.Batch{}
	batch.Queue(sqlClaimKey, idem.UserID, idem.Key, idem.Op, idem.Hash)
	batch.Queue(sqlPickUnits+sqlSkipLocked, b.VendorID, b.PartySize, rangeOf(b.During), b.Quantity, []string{})
	br := tx.SendBatch(ctx, batch)
	tag, err := br.Exec()
	if err != nil {
		br.Close()
		return nil, nil, fmt.Errorf("claim idempotency key: %w", err)
	}
	rows, err := br.Query()
	if err != nil {
		br.Close()
		return nil, nil, fmt.Errorf("pick units: %w", err)
	}
	got, err := scanUnits(rows)
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, nil, fmt.Errorf("pick units: %w", err)
	}
	if tag.RowsAffected() == 0 {
		rp, err := readKey(ctx, tx, idem)
		return nil, rp, err
	}
	units, err := pickMore(ctx, tx, b.VendorID, b.PartySize, b.Quantity, b.During, got)
	return units, nil, err
}

// Hold writes a new booking and its holds in one transaction, guarded by the
// idempotency key. See app.Repository.
func (r *Repo) Hold(ctx context.Context, idem app.Idem, b domain.Booking, events app.Events, unavailable func() error) (domain.Booking, *app.Replay, error) {
	var out domain.Booking
	var replay *app.Replay
	var recorded error // an outcome stored with the key: commit, then return it
	err := pg.InTx(ctx, r.pool, func(tx pgx.Tx) error {
		units, rp, err := claimAndPick(ctx, tx, idem, b)
		if err != nil || rp != nil {
			replay = rp
			return err
		}
		if len(units) < b.Quantity {
			recorded = unavailable()
			return recordError(ctx, tx, idem, recorded)
		}
		b.Units = units
		evs, err := events(b, "")
		if err != nil {
			return err
		}
		// Everything else in one round trip: the booking, its holds, its
		// events and the key's outcome.
		batch := &pgx.Batch{}
		batch.Queue(sqlInsertBooking,
			b.ID, b.VendorID, b.UserID, b.Status, rangeOf(b.During), b.PartySize, b.Quantity, b.DepositAmount,
			b.DepositCurrency, b.DepositStatus, b.PaymentMethod, b.ExpiresAt, b.Version, b.CreatedAt, b.UpdatedAt)
		queueHolds(batch, b)
		if err := outbox.Queue(batch, evs...); err != nil {
			return err
		}
		batch.Queue(sqlRecordBooking, idem.UserID, idem.Key, b.ID)
		if err := runBatch(ctx, tx, batch); err != nil {
			return err
		}
		out = b
		return nil
	})
	if err != nil {
		return domain.Booking{}, nil, err
	}
	if recorded != nil {
		return domain.Booking{}, nil, recorded
	}
	if replay != nil {
		return domain.Booking{}, replay, nil
	}
	return out, nil, nil
}

func queueHolds(batch *pgx.Batch, b domain.Booking) {
	for _, u := range b.Units {
		batch.Queue(sqlInsertHold, b.ID, u.ID, b.VendorID, rangeOf(b.During))
	}
}

// runBatch sends a batch and reads every result; an exclusion violation is
// app.ErrOverlap.
func runBatch(ctx context.Context, tx pgx.Tx, batch *pgx.Batch) error {
	err := tx.SendBatch(ctx, batch).Close()
	if pg.IsExclusionViolation(err) {
		return app.ErrOverlap
	}
	if err != nil {
		return fmt.Errorf("write booking: %w", err)
	}
	return nil
}

// readKey returns the first outcome of a key seen before (a retry, possibly
// after waiting for the first attempt's transaction to end).
func readKey(ctx context.Context, tx pgx.Tx, idem app.Idem) (*app.Replay, error) {
	var op string
	var hash []byte
	var bookingID *string
	var stored []byte
	if err := tx.QueryRow(ctx, `SELECT op, request_hash, booking_id::text, error FROM idempotency WHERE user_id = $1 AND key = $2`,
		idem.UserID, idem.Key).Scan(&op, &hash, &bookingID, &stored); err != nil {
		return nil, fmt.Errorf("read idempotency key: %w", err)
	}
	if op != idem.Op || string(hash) != string(idem.Hash) {
		return nil, apperr.E(apperr.IdempotencyKey, "this Idempotency-Key was used for a different request").With("field", "Idempotency-Key")
	}
	rp := &app.Replay{}
	if bookingID != nil {
		rp.BookingID = *bookingID
	}
	if len(stored) > 0 {
		var e apperr.Error
		if err := json.Unmarshal(stored, &e); err != nil {
			return nil, fmt.Errorf("stored outcome: %w", err)
		}
		rp.Err = &e
	}
	return rp, nil
}

// recordError stores an expected failure as the key's first outcome; an
// unexpected one aborts the transaction instead.
func recordError(ctx context.Context, tx pgx.Tx, idem app.Idem, outcome error) error {
	ae, ok := apperr.As(outcome)
	if !ok {
		return outcome
	}
	body, _ := json.Marshal(ae)
	if _, err := tx.Exec(ctx, `UPDATE idempotency SET error = $3 WHERE user_id = $1 AND key = $2`, idem.UserID, idem.Key, body); err != nil {
		return fmt.Errorf("record outcome: %w", err)
	}
	return nil
}

// RecordOutcome stores a later failure (payment declined) as the key's outcome.
func (r *Repo) RecordOutcome(ctx context.Context, idem app.Idem, outcome error) error {
	return pg.InTx(ctx, r.pool, func(tx pgx.Tx) error { return recordError(ctx, tx, idem, outcome) })
}

// Change locks a booking, applies change and saves what it changed: status,
// deposit and refund fields, expiry, version; holds are released when the
// booking stops being active. Events are written with it.
func (r *Repo) Change(ctx context.Context, id string, change app.BookingChange) (domain.Booking, error) {
	if !pg.IsUUID(id) {
		return domain.Booking{}, apperr.E(apperr.NotFound, "booking not found")
	}
	var out domain.Booking
	err := pg.InTx(ctx, r.pool, func(tx pgx.Tx) error {
		b, err := scanBooking(tx.QueryRow(ctx, `SELECT `+bookingColumns+` FROM bookings b WHERE b.id = $1 FOR UPDATE OF b`, id))
		if err != nil {
			return pg.MapError(err, "booking")
		}
		from := b.Status
		evs, err := change(&b)
		if err != nil {
			return err
		}
		out = b
		if evs == nil { // nothing changed; an empty slice still saves
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE bookings SET status=$2, deposit_status=$3, refund_amount=$4, refund_reason=$5,
			expires_at=$6, version=$7, updated_at=$8, final_key=nullif($9, '') WHERE id=$1`, b.ID, b.Status, b.DepositStatus, b.RefundAmount,
			b.RefundReason, b.ExpiresAt, b.Version, b.UpdatedAt, b.FinalKey); err != nil {
			return fmt.Errorf("save booking: %w", err)
		}
		if domain.Active(from) && !domain.Active(b.Status) && b.Status != domain.Availed && b.Status != domain.NoShow {
			if _, err := tx.Exec(ctx, `UPDATE holds SET active = false WHERE booking_id = $1`, b.ID); err != nil {
				return fmt.Errorf("release holds: %w", err)
			}
		}
		return outbox.Add(ctx, tx, evs...)
	})
	return out, err
}

// Move gives a booking a new range and/or party size in one transaction:
// its holds are released, new units picked (its own old units count as
// free) and held; an overlap or too few units leave it unchanged.
func (r *Repo) Move(ctx context.Context, id string, change app.BookingChange, unavailable func(domain.Booking) error) (domain.Booking, error) {
	if !pg.IsUUID(id) {
		return domain.Booking{}, apperr.E(apperr.NotFound, "booking not found")
	}
	var out domain.Booking
	err := pg.InTx(ctx, r.pool, func(tx pgx.Tx) error {
		b, err := scanBooking(tx.QueryRow(ctx, `SELECT `+bookingColumns+` FROM bookings b WHERE b.id = $1 FOR UPDATE OF b`, id))
		if err != nil {
			return pg.MapError(err, "booking")
		}
		evs, err := change(&b)
		if err != nil || len(evs) == 0 {
			out = b
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM holds WHERE booking_id = $1`, b.ID); err != nil {
			return fmt.Errorf("release holds: %w", err)
		}
		units, err := pickUnits(ctx, tx, b.VendorID, b.PartySize, b.Quantity, b.During)
		if err != nil {
			return err
		}
		if len(units) < b.Quantity {
			return unavailable(b)
		}
		b.Units = units
		batch := &pgx.Batch{}
		queueHolds(batch, b)
		batch.Queue(`UPDATE bookings SET during=$2, party_size=$3, deposit_amount=$4, version=$5, updated_at=$6 WHERE id=$1`,
			b.ID, rangeOf(b.During), b.PartySize, b.DepositAmount, b.Version, b.UpdatedAt)
		if o := b.Owed; o != nil {
			batch.Queue(`INSERT INTO owed_refunds (key, booking_id, amount, reason, next_at) VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT (key) DO NOTHING`, o.Key, b.ID, o.Amount, o.Reason, b.UpdatedAt.Add(MoneyRetryAfter))
		}
		if err := outbox.Queue(batch, evs...); err != nil {
			return err
		}
		if err := runBatch(ctx, tx, batch); err != nil {
			return err
		}
		out = b
		return nil
	})
	return out, err
}

// ---- queries ----

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

// MoneyRetryAfter spaces the sweeper's retries of one refund or void.
const MoneyRetryAfter = 2 * time.Second

// Due lists bookings the sweeper must act on: BLOCKED past expiry, and
// bookings whose refund or void has not gone through yet.
func (r *Repo) Due(ctx context.Context, now time.Time, limit int) (expired []string, money []domain.Booking, err error) {
	rows, err := r.pool.Query(ctx, `SELECT id::text FROM bookings WHERE status = 'BLOCKED' AND expires_at < $1 ORDER BY expires_at LIMIT $2`, now, limit)
	if err != nil {
		return nil, nil, fmt.Errorf("expired holds: %w", err)
	}
	if expired, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		return nil, nil, err
	}
	rows, err = r.pool.Query(ctx, `SELECT `+bookingColumns+` FROM bookings b
		WHERE deposit_status IN ('refund_pending', 'void_pending') AND updated_at < $1 ORDER BY updated_at LIMIT $2`, now.Add(-MoneyRetryAfter), limit)
	if err != nil {
		return nil, nil, fmt.Errorf("money due: %w", err)
	}
	money, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Booking, error) { return scanBooking(row) })
	return expired, money, err
}

// DueRefunds lists owed refunds whose next try is due, oldest due first.
func (r *Repo) DueRefunds(ctx context.Context, now time.Time, limit int) ([]domain.OwedRefund, error) {
	rows, err := r.pool.Query(ctx, `SELECT key, booking_id::text, amount, reason, attempts FROM owed_refunds
		WHERE next_at <= $1 ORDER BY next_at LIMIT $2`, now, limit)
	if err != nil {
		return nil, fmt.Errorf("owed refunds: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.OwedRefund, error) {
		var o domain.OwedRefund
		err := row.Scan(&o.Key, &o.BookingID, &o.Amount, &o.Reason, &o.Attempts)
		return o, err
	})
}

// RefundPaid drops an owed refund that payment gave back.
func (r *Repo) RefundPaid(ctx context.Context, key string) error {
	if _, err := r.pool.Exec(ctx, `DELETE FROM owed_refunds WHERE key = $1`, key); err != nil {
		return fmt.Errorf("owed refund paid: %w", err)
	}
	return nil
}

// RefundLater counts a try of an owed refund and puts the next at next.
func (r *Repo) RefundLater(ctx context.Context, key string, next time.Time) error {
	if _, err := r.pool.Exec(ctx, `UPDATE owed_refunds SET attempts = attempts + 1, next_at = $2 WHERE key = $1`, key, next); err != nil {
		return fmt.Errorf("owed refund later: %w", err)
	}
	return nil
}

// List pages through a user's or a vendor's bookings by (start, id).
func (r *Repo) List(ctx context.Context, q app.ListQuery) ([]domain.Booking, error) {
	where := `b.user_id = $1`
	owner := q.UserID
	if q.VendorID != "" {
		where, owner = `b.vendor_id = $1`, q.VendorID
	}
	if !pg.IsUUID(owner) {
		return nil, nil
	}
	order := `lower(b.during), b.id`
	cmp := `>`
	if q.Desc {
		order, cmp = `lower(b.during) DESC, b.id DESC`, `<`
	}
	sql := `SELECT ` + bookingColumns + ` FROM bookings b WHERE ` + where + `
		AND ($2::text[] IS NULL OR b.status = ANY($2))
		AND ($3::timestamptz IS NULL OR upper(b.during) > $3)
		AND ($4::timestamptz IS NULL OR lower(b.during) < $4)
		AND ($5::timestamptz IS NULL OR (lower(b.during), b.id) ` + cmp + ` ($5, $6::uuid))
		ORDER BY ` + order + ` LIMIT $7`
	var statuses []string
	if len(q.Statuses) > 0 {
		statuses = q.Statuses
	}
	var afterStart *time.Time
	afterID := "00000000-0000-0000-0000-000000000000"
	if q.After != nil {
		afterStart, afterID = &q.After.Start, q.After.ID
	}
	rows, err := r.pool.Query(ctx, sql, owner, statuses, q.EndsAfter, q.StartsBefore, afterStart, afterID, q.Limit)
	if err != nil {
		return nil, fmt.Errorf("list bookings: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Booking, error) { return scanBooking(row) })
}
