package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/slotmesh/slotmesh/contracts/apperr"
	"github.com/slotmesh/slotmesh/services/booking/app"
	"github.com/slotmesh/slotmesh/services/booking/domain"
	"github.com/slotmesh/slotmesh/services/internal/platform/outbox"
	pg "github.com/slotmesh/slotmesh/services/internal/platform/postgres"
)

const bookingColumns = `b.id::text, b.vendor_id::text, b.user_id::text, b.status, b.during, b.party_size, b.quantity,
	b.deposit_rate, b.deposit_per_guest, b.free_cancel_hours,
	b.deposit_amount, b.deposit_currency, b.deposit_status, b.payment_method, b.refund_amount, b.refund_reason,
	b.expires_at, b.version, b.created_at, b.updated_at,
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
	err := row.Scan(&b.ID, &b.VendorID, &b.UserID, &b.Status, &during, &b.PartySize, &b.Quantity,
		&b.Terms.Rate, &b.Terms.PerGuest, &b.Terms.FreeCancelHours,
		&b.DepositAmount, &b.DepositCurrency, &b.DepositStatus, &b.PaymentMethod, &b.RefundAmount, &b.RefundReason,
		&b.ExpiresAt, &b.Version, &b.CreatedAt, &b.UpdatedAt, &units)
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

// lockBooking reads a booking under its row lock.
func lockBooking(ctx context.Context, tx pgx.Tx, id string) (domain.Booking, error) {
	b, err := scanBooking(tx.QueryRow(ctx, `SELECT `+bookingColumns+` FROM bookings b WHERE b.id = $1 FOR UPDATE OF b`, id))
	return b, pg.MapError(err, "booking")
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
// idempotency key. See app.Bookings.
func (r *Repo) Hold(ctx context.Context, idem app.Idem, b domain.Booking, events app.Events, unavailable func() error) (domain.Booking, *app.Replay, error) {
	var out domain.Booking
	var replay *app.Replay
	var recorded error // an outcome stored with the key: commit, then return it
	err := pg.InTx(ctx, r.pool, func(tx pgx.Tx) error {
		out, replay, recorded = domain.Booking{}, nil, nil
		units, rp, err := claimAndPick(ctx, tx, idem, b)
		if err != nil || rp != nil {
			replay = rp
			return err
		}
		if len(units) < b.Quantity {
			recorded = unavailable()
			return recordError(ctx, tx, idem, recorded)
		}
		held := b
		held.Units = units
		evs, err := events(held, "")
		if err != nil {
			return err
		}
		// Everything else in one round trip: the booking, its holds, its
		// events and the key's outcome.
		batch := &pgx.Batch{}
		batch.Queue(sqlInsertBooking,
			b.ID, b.VendorID, b.UserID, b.Status, rangeOf(b.During), b.PartySize, b.Quantity, b.DepositAmount,
			b.DepositCurrency, b.DepositStatus, b.PaymentMethod, b.ExpiresAt, b.Version, b.CreatedAt, b.UpdatedAt,
			b.Terms.Rate, b.Terms.PerGuest, b.Terms.FreeCancelHours)
		queueHolds(batch, held)
		if err := outbox.Queue(batch, evs...); err != nil {
			return err
		}
		batch.Queue(sqlRecordBooking, idem.UserID, idem.Key, b.ID)
		if err := runBatch(ctx, tx, batch); err != nil {
			return err
		}
		out = held
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

// Change locks a booking, applies change and saves what it changed with
// what change writes. See app.Bookings.
func (r *Repo) Change(ctx context.Context, id string, change app.BookingChange) (domain.Booking, error) {
	if !pg.IsUUID(id) {
		return domain.Booking{}, apperr.E(apperr.NotFound, "booking not found")
	}
	var out domain.Booking
	err := pg.InTx(ctx, r.pool, func(tx pgx.Tx) error {
		b, err := lockBooking(ctx, tx, id)
		if err != nil {
			return err
		}
		from := b.Status
		w, err := change(&b)
		if err != nil {
			return err
		}
		out = b
		if w == nil {
			return nil
		}
		batch := &pgx.Batch{}
		queueSave(batch, from, b)
		if err := queue(batch, w); err != nil {
			return err
		}
		return runBatch(ctx, tx, batch)
	})
	return out, err
}

// queueSave saves a booking's status, deposit, refund, expiry and version,
// and releases its holds when it stops being active (an AVAILED or NO_SHOW
// booking keeps them: its time was used).
func queueSave(batch *pgx.Batch, from string, b domain.Booking) {
	batch.Queue(`UPDATE bookings SET status=$2, deposit_status=$3, refund_amount=$4, refund_reason=$5,
		expires_at=$6, version=$7, updated_at=$8, sweep_at=NULL WHERE id=$1`, b.ID, b.Status, b.DepositStatus, b.RefundAmount,
		b.RefundReason, b.ExpiresAt, b.Version, b.UpdatedAt)
	if domain.Active(from) && !domain.Active(b.Status) && b.Status != domain.Availed && b.Status != domain.NoShow {
		batch.Queue(`UPDATE holds SET active = false WHERE booking_id = $1`, b.ID)
	}
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
